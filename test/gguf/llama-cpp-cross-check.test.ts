// Proof that the tiny models are real GGUF: llama.cpp (node-llama-cpp 3.21.1)
// loads each builder output and generates tokens, and its own accounting of
// the model (size, parameters, context, embedding width) equals our summary.
// Each load runs in a child process with a timeout: a malformed file can abort
// llama.cpp's host process (formats.md 2.3), and nothing here may hang.

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTinyModel, ggufShardFileName, splitGguf, type TinyModelOptions } from "../../lib/gguf/build-tiny-model.ts";
import { readGgufHeaderFromBytes } from "../../lib/gguf/read-gguf-header.ts";
import { summarizeGguf, type GgufSummary } from "../../lib/gguf/summarize-gguf.ts";
import type { LlamaCppChildResult } from "../helpers/llama-cpp-child.ts";

const CHILD_SCRIPT = fileURLToPath(new URL("../helpers/llama-cpp-child.ts", import.meta.url));
// getLlama (~0.4 s, plus its own binary self-test child) + load + 4 tokens take ~1 s; the rest is headroom.
const CHILD_TIMEOUT_MS = 90_000;
const TEST_TIMEOUT_MS = CHILD_TIMEOUT_MS + 10_000;

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "modelshelf-gguf-llama-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadInLlamaCpp(file: string): Promise<LlamaCppChildResult> {
  const run = promisify(execFile);
  try {
    const { stdout } = await run(process.execPath, ["--import", "tsx", CHILD_SCRIPT, file], {
      timeout: CHILD_TIMEOUT_MS,
      killSignal: "SIGKILL",
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as LlamaCppChildResult;
  } catch (error) {
    // Non-zero exit: the child printed its error as JSON, unless llama.cpp aborted it or the timeout killed it.
    const failed = error as { stdout?: string; stderr?: string; code?: number | string; signal?: string };
    const lastLine = failed.stdout?.trim().split("\n").at(-1);
    if (lastLine?.startsWith("{")) return JSON.parse(lastLine) as LlamaCppChildResult;
    return { ok: false, error: `child exited (code ${failed.code}, signal ${failed.signal}): ${failed.stderr?.slice(-2000)}` };
  }
}

async function writeModel(name: string, bytes: Uint8Array): Promise<{ file: string; summary: GgufSummary }> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return { file, summary: summarizeGguf(readGgufHeaderFromBytes(bytes, { fileLabel: name }), bytes.length) };
}

function expectLoadedAndGenerated(result: LlamaCppChildResult): void {
  expect(result.ok, `${result.error}\n${result.logs?.join("\n")}`).toBe(true);
  expect(result.generatedTokens).toBeGreaterThanOrEqual(1);
}

function expectSameAccounting(result: LlamaCppChildResult, summary: GgufSummary): void {
  expect(result.modelSize).toBe(summary.tensorBytes);
  expect(result.parameterCount).toBe(summary.parameterCount);
  expect(result.trainContextSize).toBe(summary.contextLength);
  expect(result.embeddingVectorSize).toBe(summary.embeddingLength);
}

const CASES: { title: string; options: TinyModelOptions; vocabulary: string; ftype: string }[] = [
  { title: "llama F16 with an SPM tokenizer", options: { fileType: "F16" }, vocabulary: "spm", ftype: "F16" },
  { title: "llama Q8_0", options: { fileType: "Q8_0" }, vocabulary: "spm", ftype: "Q8_0" },
  { title: "llama Q4_0", options: { fileType: "Q4_0" }, vocabulary: "spm", ftype: "Q4_0" },
  { title: "llama F32", options: { fileType: "F32" }, vocabulary: "spm", ftype: "all F32" },
  { title: "qwen2 with a gpt2 BPE tokenizer", options: { architecture: "qwen2", tokenizer: "gpt2", fileType: "Q8_0" }, vocabulary: "bpe", ftype: "Q8_0" },
  {
    title: "llama with a gpt2 tokenizer, tied embeddings, alignment 64, GGUF v2",
    options: { tokenizer: "gpt2", tiedEmbeddings: true, alignment: 64, version: 2 },
    vocabulary: "bpe",
    ftype: "F16",
  },
  { title: "gemma2", options: { architecture: "gemma2", fileType: "F16" }, vocabulary: "spm", ftype: "F16" },
  { title: "phi3", options: { architecture: "phi3", fileType: "Q4_0" }, vocabulary: "spm", ftype: "Q4_0" },
];

describe("llama.cpp loads the tiny models and agrees with our summary", () => {
  for (const { title, options, vocabulary, ftype } of CASES) {
    it(`loads and generates from ${title}`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const architecture = options.architecture ?? "llama";
      const { file, summary } = await writeModel(`${title.replace(/\W+/g, "-")}.gguf`, buildTinyModel({ ...options, seed: 42 }));
      const result = await loadInLlamaCpp(file);
      expectLoadedAndGenerated(result);
      expectSameAccounting(result, summary);
      expect(result.vocabularyType).toBe(vocabulary);
      expect(result.typeDescription).toBe(`${architecture} ?B ${ftype}`);
    });
  }

  it("loads a model split into 3 shards through its first shard", { timeout: TEST_TIMEOUT_MS }, async () => {
    const shards = splitGguf(buildTinyModel({ seed: 42 }), 3);
    const summaries = await Promise.all(shards.map((bytes, i) => writeModel(ggufShardFileName("tiny-split", i, shards.length), bytes)));
    const result = await loadInLlamaCpp(summaries[0]?.file ?? "");
    expectLoadedAndGenerated(result);
    expect(result.modelSize).toBe(summaries.reduce((sum, s) => sum + s.summary.tensorBytes, 0));
    expect(result.parameterCount).toBe(summaries.reduce((sum, s) => sum + s.summary.parameterCount, 0));
    expect(result.parameterCount).toBe(115_008);
    expect(result.trainContextSize).toBe(summaries[0]?.summary.contextLength);
  });

  it("reports a truncated model as a failed load in the child, without harming the test run", { timeout: TEST_TIMEOUT_MS }, async () => {
    const bytes = buildTinyModel({ seed: 42 });
    const header = readGgufHeaderFromBytes(bytes, { fileLabel: "truncated.gguf" });
    const file = path.join(dir, "truncated.gguf");
    await writeFile(file, bytes.subarray(0, header.tensorDataOffset + 100));
    const result = await loadInLlamaCpp(file);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/Failed to load model/);
  });
});
