// Reads what the catalogue needs from one GGUF file on the share: its header
// summary and a content fingerprint. Header-only: the cost is the metadata,
// not the file size (plus two small samples of tensor data).
import { createHash } from "node:crypto";
import { readGgufHeader, summarizeGguf } from "../gguf/index.ts";
import type { GgufHeader, GgufSummary } from "../gguf/index.ts";
import { openFileSource, type ShareFs } from "../nfs/index.ts";
import { HEAD_FACT_KEYS, type HeadFacts, type StoredSummary } from "./assemble-model.ts";

/** Bytes sampled from the start and the end of the tensor data. Two files
 * with identical headers and sizes (a re-quantised or fine-tuned copy that
 * kept the metadata) still differ here; a full SHA-256 replaces this later. */
const FINGERPRINT_SAMPLE_BYTES = 4096;

export interface FileFacts {
  summary: StoredSummary;
  fingerprint: string;
  ggufVersion: number;
  tensorDataOffset: number;
  bytesRead: number;
}

export async function readFileFacts(
  absPath: string,
  label: string,
  options: { timeoutMs: number; keepMetadata?: boolean; fs?: ShareFs },
): Promise<FileFacts> {
  const source = await openFileSource(absPath, { timeoutMs: options.timeoutMs, ...(options.fs ? { fs: options.fs } : {}) });
  try {
    const header = await readGgufHeader(source, { fileLabel: label });
    const summary = summarizeGguf(header, source.size);
    const dataStart = Math.min(Number(header.tensorDataOffset), source.size);
    const head = await source.read(dataStart, Math.min(FINGERPRINT_SAMPLE_BYTES, source.size - dataStart));
    const tailStart = Math.max(dataStart, source.size - FINGERPRINT_SAMPLE_BYTES);
    const tail = await source.read(tailStart, source.size - tailStart);
    const fingerprint = fingerprintOf(header, summary, source.size, head, tail);
    return {
      summary: toStoredSummary(summary, options.keepMetadata ?? (summary.split === null || summary.split.index === 0)),
      fingerprint,
      ggufVersion: summary.ggufVersion,
      tensorDataOffset: Number(summary.tensorDataOffset),
      bytesRead: source.bytesRead,
    };
  } finally {
    await source.close();
  }
}

function fingerprintOf(header: GgufHeader, summary: GgufSummary, size: number, head: Uint8Array, tail: Uint8Array): string {
  const hash = createHash("sha256");
  hash.update(`gguf-fingerprint-v1\n${size}\n${summary.ggufVersion}\n${summary.tensorDataOffset}\n`);
  hash.update(JSON.stringify(summary.metadata));
  for (const tensor of header.tensors) {
    hash.update(`${tensor.name}|${String(tensor.type)}|${tensor.dims.join(",")}|${String(tensor.offset)}\n`);
  }
  hash.update(head);
  hash.update(tail);
  return hash.digest("hex");
}

function toStoredSummary(summary: GgufSummary, keepMetadata: boolean): StoredSummary {
  const facts = Object.fromEntries(HEAD_FACT_KEYS.map((key) => [key, summary[key] ?? null])) as HeadFacts;
  return {
    ...facts,
    tensorCount: summary.tensorCount,
    metadataCount: summary.metadataCount,
    tensorDataOffset: Number(summary.tensorDataOffset),
    tensorBytes: Number(summary.tensorBytes),
    parameterCount: Number(summary.parameterCount),
    architecture: summary.architecture ?? null,
    split: summary.split
      ? { index: summary.split.index, count: summary.split.count, tensorsCount: summary.split.tensorsCount ?? null }
      : null,
    tensorTypes: Object.fromEntries(
      Object.entries(summary.tensorTypes).map(([type, entry]) => [type, { count: entry.count, bytes: Number(entry.bytes) }]),
    ),
    metadata: keepMetadata ? (summary.metadata as Record<string, unknown>) : null,
  };
}
