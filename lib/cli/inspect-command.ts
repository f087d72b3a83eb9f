// modelshelf inspect <file> [--json]
import { errorMessage } from "../errors.ts";
import { readGgufHeader, summarizeGguf } from "../gguf/index.ts";
import { openFileSource } from "../nfs/index.ts";
import { formatBytes, formatCount } from "./format.ts";

/** A local file read from the CLI: generous, but a hung mount still ends. */
const CLI_FS_TIMEOUT_MS = 60_000;

export async function inspectCommand(file: string, options: { json: boolean }): Promise<number> {
  let source;
  try {
    source = await openFileSource(file, { timeoutMs: CLI_FS_TIMEOUT_MS });
  } catch (error) {
    process.stderr.write(`modelshelf inspect: ${errorMessage(error)}\n`);
    return 1;
  }
  try {
    const header = await readGgufHeader(source, { fileLabel: file });
    const summary = summarizeGguf(header, source.size);
    const out = { path: file, sizeBytes: source.size, ...summary };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(out, jsonReplacer, 2)}\n`);
    } else {
      const rows: [string, unknown][] = [
        ["path", file],
        ["size", `${formatBytes(source.size)} (${source.size} bytes)`],
        ["gguf version", summary.ggufVersion],
        ["architecture", summary.architecture],
        ["name", summary.name],
        ["size label", summary.sizeLabel],
        ["parameters", formatCount(Number(summary.parameterCount))],
        ["file type", `${summary.fileType} (${summary.fileTypeSource})`],
        ["context length", summary.contextLength],
        ["embedding length", summary.embeddingLength],
        ["layers", summary.blockCount],
        ["heads / kv heads", `${summary.headCount ?? "?"} / ${summary.headCountKv ?? "?"}`],
        ["vocab size", summary.vocabSize],
        ["tokenizer", summary.tokenizerModel],
        ["license", summary.license],
        ["split", summary.split ? `shard ${summary.split.index + 1} of ${summary.split.count}` : "no"],
        ["tensors", `${summary.tensorCount} (${formatBytes(Number(summary.tensorBytes))})`],
        ["metadata keys", summary.metadataCount],
        ["tensor data offset", summary.tensorDataOffset],
        ["chat template", summary.chatTemplate ? `${summary.chatTemplate.length} chars` : "none"],
      ];
      for (const [label, value] of rows) process.stdout.write(`${label.padEnd(20)} ${value ?? "-"}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`modelshelf inspect: ${errorMessage(error).replace(/\n/g, " ")}\n`);
    return 1;
  } finally {
    await source.close();
  }
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}
