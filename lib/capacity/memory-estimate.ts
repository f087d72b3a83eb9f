// Memory needed to run one model at one context with llama.cpp, term by term
// and device by device, following gpustack/gguf-parser-go's accounting
// (file_estimate__llamacpp.go; formats.md §6): footprint + weights + KV cache
// + compute buffers. Where llama.cpp itself was measured to differ, llama.cpp
// wins: the KV cache is llama.cpp's exact rule (kv-cache.ts), the compute
// buffer follows the sizes llama.cpp's graph allocator reported for the
// calibration fixtures (test/capacity/llama-calibration.test.ts), and the
// output buffer is llama.cpp's output_reserve(n_seq_max).

import { AppError } from "../errors.ts";
import { kvCacheBytes, type KvCacheLayout, type KvCacheOptions, type KvCacheSize } from "./kv-cache.ts";
import type { ModelMemoryShape } from "./memory-shape.ts";

const MiB = 1024 * 1024;

// gguf-parser's platform footprints ("150,250" MiB): the process itself on the
// CPU (binary, libraries, thread stacks, allocator slack) and a GPU's driver
// context (CUDA/Metal context, cuBLAS workspace) per GPU used.
export const CPU_RUNTIME_FOOTPRINT_BYTES = 150 * MiB;
export const GPU_RUNTIME_FOOTPRINT_BYTES = 250 * MiB;
// gguf-parser: "model load" bookkeeping (loader, mmap tables).
export const MODEL_LOAD_FOOTPRINT_BYTES = 5 * MiB;
// ggml_tensor_overhead(): sizeof(ggml_object) 32 + sizeof(ggml_tensor) 368.
const GGML_TENSOR_OVERHEAD_BYTES = 400;
// ggml_backend_sched's own buffers (gguf-parser).
const SCHEDULER_FOOTPRINT_BYTES = 4 * MiB;
// Gemma's extra post-attention norms keep one more E-wide tensor alive during attention (measured: +E floats per token).
const POST_NORM_ARCHITECTURES = new Set(["gemma2", "gemma3"]);

export interface MemoryEstimateOptions extends Omit<KvCacheOptions, "contextLength"> {
  /** Tokens of context for all sequences together (llama-server -c). Default: the model's native context. */
  contextLength?: number;
  /**
   * Blocks offloaded to GPUs (llama-server -ngl). 0 (default) = CPU only;
   * ≥ the block count = everything, including the output layer.
   */
  gpuLayers?: number;
  /** Share of the offloaded layers per GPU (llama-server --tensor-split). Default: one GPU. */
  gpuSplit?: readonly number[];
  /** Weights mapped from the file (default, as llama.cpp) or read into process memory (--no-mmap). */
  mmap?: boolean;
}

export interface MemoryTerm {
  bytes: number;
  explanation: string;
}

export interface DeviceMemory {
  device: "cpu" | `gpu${number}`;
  /** Blocks whose weights and KV cache live on this device. */
  layers: number;
  holdsOutputLayer: boolean;
  weights: MemoryTerm;
  kvCache: MemoryTerm;
  compute: MemoryTerm;
  overhead: MemoryTerm & { parts: Record<string, MemoryTerm> };
  totalBytes: number;
}

export interface MemoryEstimate {
  model: { name: string; architecture: string; quant: string; source: ModelMemoryShape["source"]; nativeContext: number };
  contextLength: number;
  gpuLayers: number;
  fullyOffloaded: boolean;
  weightsBytes: number;
  kvCacheBytes: number;
  computeBytes: number;
  overheadBytes: number;
  totalBytes: number;
  /** K and V bytes with the layout llama.cpp uses (padding, streams, window). */
  kvCache: { keyBytes: number; valueBytes: number; layout: KvCacheLayout; caches: KvCacheSize["caches"] };
  /** Every term, with its reason. */
  breakdown: {
    weights: MemoryTerm;
    kvCache: MemoryTerm;
    compute: MemoryTerm;
    overhead: Record<string, MemoryTerm>;
  };
  devices: DeviceMemory[];
  notes: string[];
}

/** Estimate every term for `shape` run with `options` (defaults: native context, f16 cache, CPU only). */
export function estimateMemory(shape: ModelMemoryShape, options: MemoryEstimateOptions = {}): MemoryEstimate {
  const contextLength = options.contextLength ?? shape.contextLength;
  const embedding = shape.kind === "embedding";
  const kv = embedding ? emptyKv(shape, { ...options, contextLength }) : kvCacheBytes(shape, { ...options, contextLength });
  const layout = kv.layout;
  const gpuLayers = Math.min(nonNegativeInteger(options.gpuLayers ?? 0, "gpuLayers"), shape.layers);
  const fullyOffloaded = gpuLayers === shape.layers;
  const split = normaliseSplit(options.gpuSplit, gpuLayers);
  const mmap = options.mmap ?? true;

  // Layer placement as llama.cpp: the first (n_layer − ngl) blocks on the CPU, the rest spread over the GPUs.
  const layerDevice: number[] = [];
  const cpuLayers = shape.layers - gpuLayers;
  for (let il = 0; il < shape.layers; il++) {
    if (il < cpuLayers) layerDevice.push(0);
    else layerDevice.push(1 + gpuIndexFor((il - cpuLayers) / (gpuLayers + (fullyOffloaded ? 1 : 0)), split));
  }
  const outputDevice = fullyOffloaded && gpuLayers > 0 ? (layerDevice[shape.layers - 1] ?? 0) : 0;
  const perLayerWeights = shape.layers > 0 ? shape.weights.layerBytes / shape.layers : 0;
  const compute = computeBuffer(shape, layout, embedding);
  const hostInputs = hostInputBytes(shape, layout);

  const devices: DeviceMemory[] = [];
  const deviceCount = 1 + (gpuLayers > 0 ? split.length : 0);
  for (let d = 0; d < deviceCount; d++) {
    const layers = layerDevice.filter((device) => device === d).length;
    const holdsOutputLayer = d === outputDevice;
    const kvBytes = kv.perLayerBytes.reduce((sum, bytes, il) => sum + (layerDevice[il] === d ? bytes : 0), 0);
    let weightBytes = Math.round(perLayerWeights * layers);
    if (d === 0) {
      weightBytes += shape.weights.inputBytes;
      // On the CPU an untied output matrix is its own tensor; a tied one is token_embd itself.
      if (holdsOutputLayer) weightBytes += shape.weights.tiedEmbeddings ? shape.weights.outputBytes - shape.weights.inputBytes : shape.weights.outputBytes;
    } else if (holdsOutputLayer) {
      weightBytes += shape.weights.outputBytes;
    }
    const computeBytes = d === 0 && gpuLayers > 0 && fullyOffloaded ? hostInputs : compute.bytes;
    const overhead = d === 0 ? cpuOverhead(shape, layout, embedding) : gpuOverhead();
    devices.push({
      device: d === 0 ? "cpu" : `gpu${d - 1}`,
      layers,
      holdsOutputLayer,
      weights: {
        bytes: weightBytes,
        explanation: d === 0 ? cpuWeightsExplanation(layers, holdsOutputLayer, mmap) : `${layers} blocks${holdsOutputLayer ? " + the output layer" : ""} in VRAM`,
      },
      kvCache: { bytes: kvBytes, explanation: `K and V of the ${layers} blocks on this device` },
      compute: {
        bytes: computeBytes,
        explanation: computeBytes === compute.bytes ? compute.explanation : "staging for the graph inputs (token embeddings, KQ masks); the graph runs on the GPU",
      },
      overhead,
      totalBytes: weightBytes + kvBytes + computeBytes + overhead.bytes,
    });
  }

  const sum = (pick: (device: DeviceMemory) => number): number => devices.reduce((total, device) => total + pick(device), 0);
  const weightsBytes = sum((device) => device.weights.bytes);
  const kvTotal = sum((device) => device.kvCache.bytes);
  const computeBytes = sum((device) => device.compute.bytes);
  const overheadBytes = sum((device) => device.overhead.bytes);
  const overheadParts: Record<string, MemoryTerm> = {};
  for (const device of devices) {
    for (const [name, term] of Object.entries(device.overhead.parts)) {
      const key = device.device === "cpu" ? name : `${name} (${device.device})`;
      overheadParts[key] = term;
    }
  }

  const notes = [...kv.notes];
  if (!shape.weights.exact) {
    notes.push(
      shape.source === "reference"
        ? `weights are parameters × ${shape.quant} bits per weight; a real file differs by a few percent (mixed tensor types)`
        : "the input/output weight split is estimated (no tensor list): per-device weights may be off by one embedding matrix",
    );
  }
  if (embedding) notes.push("embedding model: no KV cache; the whole context is one batch (not calibrated)");
  if (gpuLayers > 0) notes.push("GPU terms follow gguf-parser and were not measured here (no GPU in calibration)");
  if (contextLength > shape.contextLength) notes.push(`context ${contextLength} is beyond the model's native ${shape.contextLength}`);

  return {
    model: { name: shape.name, architecture: shape.architecture, quant: shape.quant, source: shape.source, nativeContext: shape.contextLength },
    contextLength,
    gpuLayers,
    fullyOffloaded: gpuLayers > 0 && fullyOffloaded,
    weightsBytes,
    kvCacheBytes: kvTotal,
    computeBytes,
    overheadBytes,
    totalBytes: weightsBytes + kvTotal + computeBytes + overheadBytes,
    kvCache: { keyBytes: kv.keyBytes, valueBytes: kv.valueBytes, layout, caches: kv.caches },
    breakdown: {
      weights: {
        bytes: weightsBytes,
        explanation:
          `Σ tensor bytes of ${shape.quant} weights` +
          (gpuLayers > 0 && fullyOffloaded && shape.weights.tiedEmbeddings ? " + the tied token embedding copied to the GPU as output layer" : "") +
          (mmap ? " (memory-mapped from the file)" : " (read into process memory)"),
      },
      kvCache: {
        bytes: kvTotal,
        explanation:
          `${layout.streams} × ${layout.cellsPerStream} cells × ${shape.layers} layers × ${shape.kvHeads} KV heads × ` +
          `(${shape.keyLength} K × ${layout.cacheTypeK} + ${shape.valueLength} V × ${layout.cacheTypeV})` +
          (layout.swaLayers > 0 ? `; ${layout.swaLayers} windowed layers hold ${layout.swaCellsPerStream} cells per sequence` : ""),
      },
      compute: { bytes: computeBytes, explanation: compute.explanation },
      overhead: overheadParts,
    },
    devices,
    notes,
  };
}

/**
 * The compute buffer llama.cpp's graph allocator reserves for one ubatch of T
 * tokens: the largest of three phases, in floats per token × T × 4 bytes.
 * Fitted to the buffers llama.cpp reported for the calibration fixtures; the
 * attention phase without flash attention (the one that grows with context)
 * matched to the byte, the others within the stated tolerance:
 *   attention = H·n_kv (KQ scores, F32) + masks + 3E + 2·q_dim + 2·kv_dim + 5
 *               (+E for gemma's post-attention norms; flash attention: no KQ scores,
 *               F16 masks: 3E + 2·q_dim + 7 + masks/2)
 *   ffn       = 3·F + 3E + 2·kv_dim + 5 + masks  (flash attention: 3F + 4E + 7 + masks/2)
 *   output    = n_vocab + 4E + 4                   (logits of every token of the ubatch)
 */
function computeBuffer(shape: ModelMemoryShape, layout: KvCacheLayout, embedding: boolean): MemoryTerm {
  const T = layout.ubatch;
  const E = shape.embedding;
  const qDim = shape.heads * shape.keyLength;
  const kvDim = shape.kvHeads * shape.keyLength;
  const fa = layout.flashAttention;
  // Embedding models attend within the batch only.
  const nKvFull = embedding ? T : layout.cellsPerStream;
  const nKvSwa = layout.swaLayers > 0 ? layout.swaCellsPerStream : 0;
  const masks = (layout.fullLayers > 0 || embedding ? nKvFull : 0) + nKvSwa;
  const maskFloats = fa ? masks / 2 : masks;
  const postNorm = POST_NORM_ARCHITECTURES.has(shape.architecture) ? E : 0;
  const attention = fa ? 3 * E + 2 * qDim + 7 + maskFloats : shape.heads * Math.max(nKvFull, nKvSwa) + maskFloats + 3 * E + 2 * qDim + 2 * kvDim + 5 + postNorm;
  const ffnWidth = shape.expertUsedCount > 0 ? shape.feedForward * shape.expertUsedCount : shape.feedForward;
  const routing = shape.expertUsedCount > 0 ? shape.expertCount + shape.expertUsedCount * E : 0;
  const ffn = fa ? 3 * ffnWidth + 4 * E + 7 + maskFloats + routing : 3 * ffnWidth + 3 * E + 2 * kvDim + 5 + maskFloats + routing;
  const output = (embedding ? E : shape.vocab) + 4 * E + 4;
  const phases = { attention, ffn, output };
  const [phase, floats] = Object.entries(phases).reduce((best, entry) => (entry[1] > best[1] ? entry : best));
  const bytes = Math.ceil(floats) * T * 4;
  const why: Record<string, string> = {
    attention: fa
      ? `flash attention over ${nKvFull} cells (no score matrix)`
      : `attention scores F32[${nKvFull} cells × ${T} tokens × ${shape.heads} heads] + KQ mask`,
    ffn: `feed-forward intermediates F32[${ffnWidth} × ${T} tokens]`,
    output: `logits F32[${embedding ? E : shape.vocab} × ${T} tokens]`,
  };
  return { bytes, explanation: `largest phase of one ${T}-token batch: ${phase} — ${why[phase]}` };
}

/** What the host keeps for a fully offloaded graph: the input embeddings and masks (llama.cpp's CUDA_Host compute buffer). */
function hostInputBytes(shape: ModelMemoryShape, layout: KvCacheLayout): number {
  const masks = layout.cellsPerStream + (layout.swaLayers > 0 ? layout.swaCellsPerStream : 0);
  return Math.ceil(shape.embedding + (layout.flashAttention ? masks / 2 : masks) + 3) * layout.ubatch * 4;
}

function cpuOverhead(shape: ModelMemoryShape, layout: KvCacheLayout, embedding: boolean): MemoryTerm & { parts: Record<string, MemoryTerm> } {
  const { tokens, merges, model } = shape.tokenizer;
  // llama_vocab: id→token strings and token→id map per token, merges for BPE (gguf-parser).
  const tokenizerBytes = tokens * (4 + 4) + tokens * (32 + 24 + 32) + (model === "gpt2" ? merges * (48 + 56) : 0);
  const parallel = layout.streams;
  const maxNodes = Math.max(1024, 8 * shape.tensorCount);
  const hashSize = 2 * maxNodes + 1;
  const graphBytes =
    GGML_TENSOR_OVERHEAD_BYTES * maxNodes + (80 + 24 * maxNodes + 8 * hashSize + Math.ceil(hashSize / 8) + 32) + SCHEDULER_FOOTPRINT_BYTES + 2 * GGML_TENSOR_OVERHEAD_BYTES * (shape.tensorCount + 1 + 3 * shape.layers);
  const parts: Record<string, MemoryTerm> = {
    runtime: { bytes: CPU_RUNTIME_FOOTPRINT_BYTES, explanation: "the llama.cpp process itself: code, libraries, threads (gguf-parser's 150 MiB RAM footprint)" },
    modelLoad: { bytes: MODEL_LOAD_FOOTPRINT_BYTES, explanation: "model loader bookkeeping (gguf-parser: 5 MiB)" },
    header: { bytes: shape.headerBytes, explanation: "GGUF metadata and tensor index kept in memory (file size − tensor data)" },
    tokenizer: { bytes: tokenizerBytes, explanation: `vocabulary tables for ${tokens} tokens${model === "gpt2" ? ` and ${merges} merges` : ""}` },
    outputBuffer: {
      bytes: (embedding ? shape.embedding : shape.vocab) * parallel * 4,
      explanation: `${embedding ? "embeddings" : "logits"} of the last token of each of ${parallel} sequence(s), F32 (llama.cpp output_reserve)`,
    },
    graph: { bytes: graphBytes, explanation: `compute-graph metadata for up to ${maxNodes} nodes and the backend scheduler` },
  };
  const bytes = Object.values(parts).reduce((sum, part) => sum + part.bytes, 0);
  return { bytes, explanation: "fixed process, loader, tokenizer and output overheads", parts };
}

function gpuOverhead(): MemoryTerm & { parts: Record<string, MemoryTerm> } {
  const runtime = { bytes: GPU_RUNTIME_FOOTPRINT_BYTES, explanation: "GPU driver context and library workspaces (gguf-parser's 250 MiB VRAM footprint)" };
  return { bytes: runtime.bytes, explanation: runtime.explanation, parts: { runtime } };
}

function cpuWeightsExplanation(layers: number, output: boolean, mmap: boolean): string {
  const parts = ["token embeddings (the input layer stays on the CPU)"];
  if (layers > 0) parts.push(`${layers} blocks`);
  if (output) parts.push("the output layer");
  return `${parts.join(" + ")}${mmap ? "; memory-mapped, counted because CPU inference reads every weight for every token" : ""}`;
}

function emptyKv(shape: ModelMemoryShape, options: KvCacheOptions): KvCacheSize {
  // Same layout rules (padding, batch), no cache: encoder-only graphs attend within the batch.
  const layout = kvCacheBytes({ ...shape, slidingWindow: null }, { ...options, cacheTypeV: options.cacheTypeV ?? "f16" }).layout;
  const batch = Math.min(layout.contextCells, options.batch ?? layout.contextCells);
  return { keyBytes: 0, valueBytes: 0, totalBytes: 0, perLayerBytes: Array.from({ length: shape.layers }, () => 0), caches: [], layout: { ...layout, batch, ubatch: batch }, notes: [] };
}

function normaliseSplit(split: readonly number[] | undefined, gpuLayers: number): number[] {
  if (gpuLayers === 0) return [];
  const shares = split && split.length > 0 ? [...split] : [1];
  if (shares.some((share) => !Number.isFinite(share) || share < 0) || shares.every((share) => share === 0)) {
    throw new AppError("invalid-input", `gpuSplit must be non-negative numbers, not all 0, got [${shares.join(", ")}]`);
  }
  return shares;
}

/** gguf-parser's slicex.UpperBound over the cumulative split fractions. */
function gpuIndexFor(position: number, split: readonly number[]): number {
  const total = split.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  for (let i = 0; i < split.length; i++) {
    cumulative += (split[i] ?? 0) / total;
    if (position < cumulative) return i;
  }
  return split.length - 1;
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new AppError("invalid-input", `${name} must be a non-negative integer, got ${value}`);
  return value;
}
