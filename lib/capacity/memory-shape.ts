// The facts a memory estimate needs about one model, taken from a GGUF header
// (exact weights; the tensor list, when given, splits them into input, layer
// and output bytes) or from a reference model + quantisation (parameters ×
// bits per weight). Sliding-window patterns follow the bundled llama.cpp's
// per-architecture defaults (src/models/<arch>.cpp load_arch_hparams).

import type { ReferenceModel } from "./reference-models.ts";
import { AppError } from "../errors.ts";
import { bitsPerWeight, canonicalQuantName, estimateWeightBytes } from "./quant-bits.ts";
import type { KvCacheShape } from "./kv-cache.ts";

export interface ModelWeights {
  /** Σ tensor bytes: what the whole model occupies in memory. */
  totalBytes: number;
  /** token_embd / position_embd: llama.cpp always keeps the input layer on the CPU. */
  inputBytes: number;
  /** output.weight + output_norm; with tied embeddings a copy of token_embd (what a GPU holds when fully offloaded). */
  outputBytes: number;
  /** All repeating blocks together (blk.N.*). */
  layerBytes: number;
  tiedEmbeddings: boolean;
  /** false when the input/output split is estimated (no tensor list, or a reference model). */
  exact: boolean;
}

export interface ModelMemoryShape extends KvCacheShape {
  name: string;
  architecture: string;
  /** "Q4_K_M", "F16", … */
  quant: string;
  source: "gguf" | "reference";
  kind: "chat" | "embedding";
  parameterCount: number;
  embedding: number;
  feedForward: number;
  heads: number;
  vocab: number;
  /** The model's trained (native) context. */
  contextLength: number;
  /** 0 for dense models. */
  expertCount: number;
  expertUsedCount: number;
  weights: ModelWeights;
  /** File bytes that are not tensor data (metadata, tokenizer, tensor index). */
  headerBytes: number;
  tensorCount: number;
  tokenizer: { model: string | null; tokens: number; merges: number };
}

/** The GGUF facts used (GgufSummary has them all; the catalogue's FitModel nearly). */
export interface GgufMemoryFacts {
  name?: string | null;
  architecture: string | null;
  fileType: string;
  parameterCount: number;
  tensorBytes: number;
  fileSizeBytes?: number | null;
  tensorCount?: number | null;
  contextLength: number | null;
  embeddingLength: number | null;
  blockCount: number | null;
  feedForwardLength: number | null;
  headCount: number | null;
  headCountKv: number | null;
  keyLength: number | null;
  valueLength: number | null;
  vocabSize: number | null;
  expertCount?: number | null;
  expertUsedCount?: number | null;
  tokenizerModel?: string | null;
  metadata: Readonly<Record<string, unknown>>;
}

/** Tensor names and sizes from the header (GgufTensorInfo fits). */
export interface TensorSize {
  name: string;
  byteSize: bigint | number | null;
}

/** The reference-model fields the estimate uses. */
export type ReferenceModelFacts = Omit<ReferenceModel, "id" | "family" | "source">;

// Architectures whose llama.cpp graph uses a sliding window: the default
// window (when the GGUF has none; null = only with the key) and the pattern
// period. gemma2: n_swa 4096, period 2; gemma3: period 6; cohere2: period 4;
// llama4: chunked attention 8192, period 4 (sized like a window by
// llama_kv_cache_iswa). phi3 reads the key but llama.cpp disables it.
const SWA_ARCHITECTURES: Record<string, { defaultWindow: number | null; period: number }> = {
  gemma2: { defaultWindow: 4096, period: 2 },
  gemma3: { defaultWindow: null, period: 6 },
  cohere2: { defaultWindow: null, period: 4 },
  llama4: { defaultWindow: 8192, period: 4 },
};

// Encoder-only architectures have no KV cache and no logits (llama.cpp
// create_memory returns no memory for them).
const EMBEDDING_ARCHITECTURES = new Set(["bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "neo-bert", "modern-bert", "eurobert", "gemma-embedding"]);

export function modelShapeFromGguf(facts: GgufMemoryFacts, tensors?: readonly TensorSize[]): ModelMemoryShape {
  const architecture = facts.architecture ?? "unknown";
  const required = (value: number | null | undefined, key: string): number => {
    if (value === null || value === undefined || !Number.isSafeInteger(value) || value <= 0) {
      throw new AppError("unsupported", `the GGUF header has no usable ${architecture}.${key}: the memory estimate needs it`);
    }
    return value;
  };
  const layers = required(facts.blockCount, "block_count");
  const embedding = required(facts.embeddingLength, "embedding_length");
  const heads = required(facts.headCount, "attention.head_count");
  const vocab = required(facts.vocabSize, "vocab_size (or tokenizer.ggml.tokens)");
  const headDim = Math.floor(embedding / heads);
  const kvHeads = facts.headCountKv ?? heads;
  const md = facts.metadata;
  const totalBytes = facts.tensorBytes;
  const weights = tensors ? weightsFromTensors(tensors, totalBytes) : weightsFromAverage(totalBytes, facts.parameterCount, vocab, embedding);

  return {
    name: facts.name ?? architecture,
    architecture,
    quant: facts.fileType,
    source: "gguf",
    kind: EMBEDDING_ARCHITECTURES.has(architecture) ? "embedding" : "chat",
    parameterCount: facts.parameterCount,
    layers,
    embedding,
    feedForward: required(facts.feedForwardLength, "feed_forward_length"),
    heads,
    kvHeads,
    keyLength: facts.keyLength ?? headDim,
    valueLength: facts.valueLength ?? headDim,
    vocab,
    contextLength: required(facts.contextLength, "context_length"),
    expertCount: facts.expertCount ?? 0,
    expertUsedCount: facts.expertUsedCount ?? 0,
    slidingWindow: slidingWindowOf(architecture, md),
    weights,
    headerBytes: Math.max(0, (facts.fileSizeBytes ?? totalBytes) - totalBytes),
    tensorCount: facts.tensorCount ?? tensors?.length ?? estimatedTensorCount(layers),
    tokenizer: {
      model: facts.tokenizerModel ?? (typeof md["tokenizer.ggml.model"] === "string" ? md["tokenizer.ggml.model"] : null),
      tokens: vocab,
      merges: arrayLengthOf(md["tokenizer.ggml.merges"]),
    },
  };
}

export function modelShapeFromReference(ref: ReferenceModelFacts, quant: string): ModelMemoryShape {
  const bpw = bitsPerWeight(quant);
  // Same weight bytes as the storage planner's footprint (quant-bits.ts).
  const totalBytes = estimateWeightBytes(ref.parameters, quant);
  const embeddingBytes = Math.ceil((ref.vocab * ref.embedding * bpw) / 8);
  const outputBytes = embeddingBytes;
  const layerBytes = Math.max(0, totalBytes - embeddingBytes - (ref.tiedEmbeddings ? 0 : outputBytes));
  return {
    name: ref.name,
    architecture: ref.architecture,
    quant: canonicalQuantName(quant),
    source: "reference",
    kind: ref.kind,
    parameterCount: ref.parameters,
    layers: ref.layers,
    embedding: ref.embedding,
    feedForward: ref.feedForward,
    heads: ref.heads,
    kvHeads: ref.kvHeads,
    keyLength: ref.headDim,
    valueLength: ref.headDim,
    vocab: ref.vocab,
    contextLength: ref.contextLength,
    expertCount: 0,
    expertUsedCount: 0,
    slidingWindow: ref.slidingWindow ? { size: ref.slidingWindow.size, period: ref.slidingWindow.everyNthLayer } : null,
    weights: { totalBytes, inputBytes: embeddingBytes, outputBytes, layerBytes, tiedEmbeddings: ref.tiedEmbeddings, exact: false },
    // A GGUF header is mostly the vocabulary: ~8 B of text + 8 B length + score + type per token, and as many BPE merges.
    headerBytes: ref.vocab * 48,
    tensorCount: estimatedTensorCount(ref.layers),
    tokenizer: { model: null, tokens: ref.vocab, merges: ref.vocab },
  };
}

// Input = token_* and position_* tensors; output = output.* and output_norm; the rest are blocks (gguf-parser's split).
function weightsFromTensors(tensors: readonly TensorSize[], totalBytes: number): ModelWeights {
  let inputBytes = 0;
  let outputBytes = 0;
  let tied = true;
  for (const tensor of tensors) {
    const bytes = Number(tensor.byteSize ?? 0);
    if (/^(token_|position_)/.test(tensor.name)) inputBytes += bytes;
    else if (/^output[._]/.test(tensor.name)) {
      outputBytes += bytes;
      if (tensor.name === "output.weight") tied = false;
    }
  }
  const layerBytes = Math.max(0, totalBytes - inputBytes - outputBytes);
  // Tied: llama.cpp creates `output` as a duplicate of token_embd on the output device.
  return { totalBytes, inputBytes, outputBytes: outputBytes + (tied ? inputBytes : 0), layerBytes, tiedEmbeddings: tied, exact: true };
}

/** Without the tensor list: the embedding matrices at the file's average bytes per parameter, untied. */
function weightsFromAverage(totalBytes: number, parameterCount: number, vocab: number, embedding: number): ModelWeights {
  const bytesPerParameter = parameterCount > 0 ? totalBytes / parameterCount : 0;
  const embeddingBytes = Math.min(Math.round(vocab * embedding * bytesPerParameter), Math.floor(totalBytes / 2));
  return {
    totalBytes,
    inputBytes: embeddingBytes,
    outputBytes: embeddingBytes,
    layerBytes: Math.max(0, totalBytes - 2 * embeddingBytes),
    tiedEmbeddings: false,
    exact: false,
  };
}

function slidingWindowOf(architecture: string, md: Readonly<Record<string, unknown>>): KvCacheShape["slidingWindow"] {
  const known = SWA_ARCHITECTURES[architecture];
  if (!known) return null;
  const window = md[`${architecture}.attention.sliding_window`];
  const size = typeof window === "number" ? window : known.defaultWindow;
  if (size === null || size <= 0) return null;
  const pattern = md[`${architecture}.attention.sliding_window_pattern`];
  return { size, period: typeof pattern === "number" && pattern >= 0 ? pattern : known.period };
}

function arrayLengthOf(value: unknown): number {
  if (typeof value === "object" && value !== null && "length" in value && typeof value.length === "number") return value.length;
  return 0;
}

/** A dense transformer has ~9–12 tensors per block plus 3 outside. */
function estimatedTensorCount(layers: number): number {
  return layers * 12 + 3;
}
