// Pure: turns the files of one model (a single GGUF, or the shards of a split
// set) into the catalogue's model record, reporting missing shards.

/** What the catalogue keeps per file (LibraryFile.summaryJson). */
export interface StoredSummary {
  ggufVersion: number;
  tensorCount: number;
  metadataCount: number;
  tensorDataOffset: number;
  tensorBytes: number;
  parameterCount: number;
  architecture: string | null;
  name: string | null;
  basename: string | null;
  sizeLabel: string | null;
  finetune: string | null;
  version: string | null;
  organization: string | null;
  modelType: string | null;
  fileType: string;
  fileTypeSource: "metadata" | "dominant-tensor-type" | "unknown";
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
  tokenizerModel: string | null;
  chatTemplate: string | null;
  license: string | null;
  split: { index: number; count: number; tensorsCount: number | null } | null;
  tensorTypes: Record<string, { count: number; bytes: number }>;
  /** Only kept for the first shard (other shards carry just split.* keys). */
  metadata: Record<string, unknown> | null;
}

/** Header facts a model takes as-is from its first shard (the Model columns of the same names). */
export const HEAD_FACT_KEYS = [
  "name",
  "basename",
  "sizeLabel",
  "finetune",
  "version",
  "organization",
  "modelType",
  "fileType",
  "fileTypeSource",
  "contextLength",
  "embeddingLength",
  "blockCount",
  "feedForwardLength",
  "headCount",
  "headCountKv",
  "keyLength",
  "valueLength",
  "vocabSize",
  "expertCount",
  "tokenizerModel",
  "chatTemplate",
  "license",
  "ggufVersion",
] as const satisfies readonly (keyof StoredSummary)[];

export type HeadFacts = Pick<StoredSummary, (typeof HEAD_FACT_KEYS)[number]>;

function headFacts(summary: StoredSummary): HeadFacts {
  return Object.fromEntries(HEAD_FACT_KEYS.map((key) => [key, summary[key]])) as HeadFacts;
}

export interface ModelFileInput {
  relPath: string;
  sizeBytes: bigint;
  fingerprint: string;
  summary: StoredSummary;
}

export interface ModelRecord extends HeadFacts {
  fingerprint: string;
  displayName: string;
  architecture: string;
  parameterCount: bigint;
  tensorCount: number;
  tensorBytes: bigint;
  totalBytes: bigint;
  shardCount: number;
  tensorTypesJson: string;
  metadataJson: string;
  problems: string[];
}

function baseName(relPath: string): string {
  const slash = relPath.lastIndexOf("/");
  return slash >= 0 ? relPath.slice(slash + 1) : relPath;
}

/** "Qwen2.5 7B Instruct Q4_K_M"-style name from the metadata, else the file name. */
export function displayNameFor(summary: StoredSummary, relPath: string): string {
  const fromMetadata = summary.name?.trim() || [summary.basename, summary.sizeLabel, summary.finetune].filter(Boolean).join(" ").trim();
  if (fromMetadata) return fromMetadata;
  return baseName(relPath).replace(/(-\d{5}-of-\d{5})?\.gguf$/i, "");
}

/**
 * @param files the present files of one model; for a split set, its shards
 *   (any order, some possibly absent).
 * @param expectedShards shard count from the names/metadata (1 when not split).
 */
export function assembleModel(files: readonly ModelFileInput[], expectedShards: number): ModelRecord {
  if (files.length === 0) throw new Error("assembleModel needs at least one file");
  const ordered = [...files].sort((a, b) => (a.summary.split?.index ?? 0) - (b.summary.split?.index ?? 0));
  const first = ordered[0]!;
  const head = first.summary;
  const problems: string[] = [];
  const present = new Set(ordered.map((file) => file.summary.split?.index ?? 0));
  if (expectedShards > 1) {
    for (let index = 0; index < expectedShards; index++) {
      if (!present.has(index)) {
        problems.push(`missing shard ${index + 1} of ${expectedShards} (${shardFileName(first.relPath, index, expectedShards)})`);
      }
    }
    const declared = ordered.find((file) => file.summary.split)?.summary.split?.count;
    if (declared !== undefined && declared !== expectedShards) {
      problems.push(`file names say ${expectedShards} shards but split.count says ${declared}`);
    }
  } else if (head.split && head.split.count > 1) {
    problems.push(`file is shard ${head.split.index + 1} of ${head.split.count} but its name does not follow the -0000N-of-0000M pattern`);
  }
  const headIsFirstShard = (head.split?.index ?? 0) === 0;
  if (!headIsFirstShard) problems.push("the first shard (with the model metadata) is missing");

  const tensorTypes: Record<string, { count: number; bytes: number }> = {};
  let tensorCount = 0;
  let tensorBytes = 0n;
  let parameterCount = 0n;
  let totalBytes = 0n;
  for (const file of ordered) {
    tensorCount += file.summary.tensorCount;
    tensorBytes += BigInt(file.summary.tensorBytes);
    parameterCount += BigInt(file.summary.parameterCount);
    totalBytes += file.sizeBytes;
    for (const [type, entry] of Object.entries(file.summary.tensorTypes)) {
      const into = (tensorTypes[type] ??= { count: 0, bytes: 0 });
      into.count += entry.count;
      into.bytes += entry.bytes;
    }
  }
  const expectedTensors = head.split?.tensorsCount;
  if (expectedShards > 1 && problems.length === 0 && expectedTensors && expectedTensors !== tensorCount) {
    problems.push(`shards hold ${tensorCount} tensors but split.tensors.count says ${expectedTensors}`);
  }

  return {
    ...headFacts(head),
    fingerprint: first.fingerprint,
    displayName: headIsFirstShard ? displayNameFor(head, first.relPath) : baseName(first.relPath).replace(/-\d{5}-of-\d{5}\.gguf$/i, ""),
    architecture: head.architecture ?? "unknown",
    parameterCount,
    tensorCount,
    tensorBytes,
    totalBytes,
    shardCount: Math.max(expectedShards, 1),
    tensorTypesJson: JSON.stringify(tensorTypes),
    metadataJson: JSON.stringify(head.metadata ?? {}),
    problems,
  };
}

function shardFileName(anyShardPath: string, index: number, count: number): string {
  const name = baseName(anyShardPath);
  const pad = (n: number) => String(n).padStart(5, "0");
  return name.replace(/-\d{5}-of-\d{5}\.gguf$/i, `-${pad(index + 1)}-of-${pad(count)}.gguf`);
}
