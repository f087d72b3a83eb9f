// The catalogue's view of a GGUF header: the facts a user searches and sorts
// by, plus every metadata key as JSON. Tolerant by design: an optional key with
// an unexpected type is ignored (null), never fatal, because converters differ
// (counts appear as UINT32, UINT64 or INT32; some hyperparameters per layer).

import { fileTypeForTensorType, fileTypeName } from "./ggml-types.ts";
import {
  GgufValueType,
  ggufValueTypeName,
  isIntegerValueType,
  type GgufMetadataEntry,
  type GgufValue,
  type GgufValueTypeName,
} from "./gguf-value-type.ts";
import { ARRAY_HEAD_LENGTH, type GgufHeader } from "./read-gguf-header.ts";

export interface GgufJsonArray {
  type: "array";
  elementType: GgufValueTypeName;
  length: number;
  /** At most ARRAY_HEAD_LENGTH (8) leading items. */
  head: GgufJsonValue[];
}

/** bigint → number when safe, else a decimal string; NaN/±Infinity → string. */
export type GgufJsonValue = string | number | boolean | GgufJsonArray;

export type GgufFileTypeSource = "metadata" | "dominant-tensor-type" | "unknown";

export interface GgufSplitInfo {
  /** 0-based, from split.no (file names count from 1). */
  index: number;
  count: number;
  /** Tensors over all shards (split.tensors.count). */
  tensorsCount: number | null;
}

export interface GgufSummary {
  ggufVersion: 2 | 3;
  tensorCount: number;
  metadataCount: number;
  alignment: number;
  tensorDataOffset: number;
  /** Σ tensor sizes (types this reader knows). */
  tensorBytes: number;
  fileSizeBytes: number;
  /** Where the last tensor's padded data ends; null if some tensor type is unknown. */
  expectedFileSizeBytes: number | null;
  architecture: string | null;
  name: string | null;
  basename: string | null;
  sizeLabel: string | null;
  finetune: string | null;
  version: string | null;
  organization: string | null;
  /** general.type: "model", "adapter", "mmproj", … */
  modelType: string | null;
  license: string | null;
  /** Σ over tensors of Π dims (there is no parameter-count key in GGUF). */
  parameterCount: number;
  /** "Q4_K_M", "F16", … or "unknown". */
  fileType: string;
  fileTypeSource: GgufFileTypeSource;
  /** The llama_ftype code behind fileType, when there is one. */
  fileTypeCode: number | null;
  quantizationVersion: number | null;
  contextLength: number | null;
  embeddingLength: number | null;
  blockCount: number | null;
  feedForwardLength: number | null;
  headCount: number | null;
  headCountKv: number | null;
  keyLength: number | null;
  valueLength: number | null;
  vocabSize: number | null;
  expertCount: number | null;
  expertUsedCount: number | null;
  tokenizerModel: string | null;
  chatTemplate: string | null;
  split: GgufSplitInfo | null;
  /** By ggml type name ("F16", "unknown(99)"); bytes null for unknown types. */
  tensorTypes: Record<string, { count: number; bytes: number | null }>;
  /** Every key, JSON-safe; arrays as { type: "array", elementType, length, head }. */
  metadata: Record<string, GgufJsonValue>;
}

/**
 * Summarises a parsed header.
 *
 * fileType: general.file_type with llama.cpp's meaning, so 0 is "F32" (Ollama
 * shows 0 as unknown; a real all-F32 file would then look unlabelled). Without
 * the key, the most frequent type among tensors of ≥ 2 dimensions (the weight
 * matrices; 1-D norms are F32 in every quantisation) is mapped the way
 * llama.cpp guesses (Q4_K → Q4_K_M); ties go to the type seen first.
 *
 * Per-layer hyperparameter arrays (feed_forward_length, head_count,
 * head_count_kv) are reduced to their maximum: the largest layer bounds memory,
 * and hybrid models put 0 KV heads on recurrent layers.
 */
export function summarizeGguf(header: GgufHeader, fileSizeBytes: number): GgufSummary {
  const md = header.metadata;
  const architecture = stringValue(md.get("general.architecture"));
  const arch = (key: string): GgufMetadataEntry | undefined => (architecture ? md.get(`${architecture}.${key}`) : undefined);

  const embeddingLength = countValue(arch("embedding_length"));
  const headCount = layerCountValue(arch("attention.head_count"));
  const headDim = embeddingLength !== null && headCount !== null && headCount > 0 ? Math.floor(embeddingLength / headCount) : null;
  const tokens = md.get("tokenizer.ggml.tokens");

  return {
    ggufVersion: header.version,
    tensorCount: header.tensorCount,
    metadataCount: header.metadataCount,
    alignment: header.alignment,
    tensorDataOffset: header.tensorDataOffset,
    tensorBytes: Number(header.tensorBytes),
    fileSizeBytes,
    expectedFileSizeBytes: expectedFileSize(header),
    architecture,
    name: stringValue(md.get("general.name")),
    basename: stringValue(md.get("general.basename")),
    sizeLabel: stringValue(md.get("general.size_label")),
    finetune: stringValue(md.get("general.finetune")),
    version: stringValue(md.get("general.version")),
    organization: stringValue(md.get("general.organization")),
    modelType: stringValue(md.get("general.type")),
    license: licenseValue(md.get("general.license")),
    parameterCount: Number(header.tensors.reduce((sum, tensor) => sum + tensor.elementCount, 0n)),
    ...fileTypeOf(header),
    quantizationVersion: countValue(md.get("general.quantization_version")),
    contextLength: countValue(arch("context_length")),
    embeddingLength,
    blockCount: countValue(arch("block_count")),
    feedForwardLength: layerCountValue(arch("feed_forward_length")),
    headCount,
    headCountKv: layerCountValue(arch("attention.head_count_kv")) ?? headCount,
    keyLength: countValue(arch("attention.key_length")) ?? headDim,
    valueLength: countValue(arch("attention.value_length")) ?? headDim,
    vocabSize: countValue(arch("vocab_size")) ?? (tokens?.type === GgufValueType.ARRAY ? arrayLength(tokens.value) : null),
    expertCount: countValue(arch("expert_count")),
    expertUsedCount: countValue(arch("expert_used_count")),
    tokenizerModel: stringValue(md.get("tokenizer.ggml.model")),
    chatTemplate: stringValue(md.get("tokenizer.chat_template")),
    split: splitOf(md),
    tensorTypes: tensorTypesOf(header),
    metadata: Object.fromEntries(Array.from(md.values(), (entry) => [entry.key, toJson(entry.value, entry.type)])),
  };
}

function fileTypeOf(header: GgufHeader): Pick<GgufSummary, "fileType" | "fileTypeSource" | "fileTypeCode"> {
  const code = countValue(header.metadata.get("general.file_type"));
  if (code !== null) return { fileType: fileTypeName(code), fileTypeSource: "metadata", fileTypeCode: code };

  const matrices = header.tensors.filter((tensor) => tensor.dims.length >= 2);
  const candidates = matrices.length > 0 ? matrices : header.tensors;
  const counts = new Map<number, number>();
  let dominant: number | undefined;
  let dominantCount = 0;
  for (const tensor of candidates) {
    const count = (counts.get(tensor.type) ?? 0) + 1;
    counts.set(tensor.type, count);
    if (count > dominantCount) {
      dominant = tensor.type;
      dominantCount = count;
    }
  }
  const guessed = dominant === undefined ? undefined : fileTypeForTensorType(dominant);
  if (guessed === undefined) return { fileType: "unknown", fileTypeSource: "unknown", fileTypeCode: null };
  return { fileType: fileTypeName(guessed), fileTypeSource: "dominant-tensor-type", fileTypeCode: guessed };
}

function expectedFileSize(header: GgufHeader): number | null {
  if (header.unknownSizeTensorCount > 0) return null;
  let end = 0n;
  const alignment = BigInt(header.alignment);
  for (const tensor of header.tensors) {
    const size = tensor.byteSize ?? 0n;
    const padded = ((size + alignment - 1n) / alignment) * alignment;
    if (tensor.offset + padded > end) end = tensor.offset + padded;
  }
  return header.tensorDataOffset + Number(end);
}

function splitOf(md: ReadonlyMap<string, GgufMetadataEntry>): GgufSplitInfo | null {
  const count = countValue(md.get("split.count"));
  if (count === null || count === 0) return null;
  return {
    index: countValue(md.get("split.no")) ?? 0,
    count,
    tensorsCount: countValue(md.get("split.tensors.count")),
  };
}

function tensorTypesOf(header: GgufHeader): GgufSummary["tensorTypes"] {
  const byType = new Map<string, { count: number; bytes: bigint | null }>();
  for (const tensor of header.tensors) {
    const entry = byType.get(tensor.typeName) ?? { count: 0, bytes: 0n };
    entry.count++;
    entry.bytes = entry.bytes === null || tensor.byteSize === null ? null : entry.bytes + tensor.byteSize;
    byType.set(tensor.typeName, entry);
  }
  return Object.fromEntries(
    Array.from(byType, ([name, { count, bytes }]) => [name, { count, bytes: bytes === null ? null : Number(bytes) }]),
  );
}

function stringValue(entry: GgufMetadataEntry | undefined): string | null {
  return typeof entry?.value === "string" ? entry.value : null;
}

/** general.license is a string by convention; a list of strings is joined. */
function licenseValue(entry: GgufMetadataEntry | undefined): string | null {
  if (!entry) return null;
  if (typeof entry.value === "string") return entry.value;
  if (typeof entry.value === "object" && entry.value.elementType === GgufValueType.STRING) {
    const names = entry.value.head.filter((item): item is string => typeof item === "string");
    return names.length > 0 ? names.join(", ") : null;
  }
  return null;
}

/** A non-negative integer of any integer type; anything else is ignored. */
function countValue(entry: GgufMetadataEntry | undefined): number | null {
  if (!entry || !isIntegerValueType(entry.type)) return null;
  return nonNegativeInteger(entry.value);
}

/** Like countValue, but a per-layer array counts as its largest entry. */
function layerCountValue(entry: GgufMetadataEntry | undefined): number | null {
  if (entry?.type !== GgufValueType.ARRAY) return countValue(entry);
  if (typeof entry.value !== "object" || !isIntegerValueType(entry.value.elementType)) return null;
  let max: number | null = null;
  for (const item of entry.value.head) {
    const value = nonNegativeInteger(item);
    if (value !== null && (max === null || value > max)) max = value;
  }
  return max;
}

function nonNegativeInteger(value: GgufValue): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value === "bigint") return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
  return null;
}

function arrayLength(value: GgufValue): number | null {
  return typeof value === "object" ? value.length : null;
}

function toJson(value: GgufValue, type: GgufValueType): GgufJsonValue {
  switch (typeof value) {
    case "bigint":
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    case "number":
      if (!Number.isFinite(value)) return String(value);
      return type === GgufValueType.FLOAT32 ? shortestFloat32(value) : value;
    case "boolean":
    case "string":
      return value;
    default:
      return {
        type: "array",
        elementType: ggufValueTypeName(value.elementType),
        length: value.length,
        head: value.head.slice(0, ARRAY_HEAD_LENGTH).map((item) => toJson(item, value.elementType)),
      };
  }
}

/** The shortest decimal that is the same float32: 1e-6 stored as f32 shows as 0.000001, not 9.99999997e-7. */
function shortestFloat32(value: number): number {
  for (let digits = 6; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}
