// KV-cache size exactly as llama.cpp allocates it (the llama.cpp bundled with
// node-llama-cpp 3.21.1, v0.4.0 / commit 80fb11a): context padding in
// src/llama-context.cpp, streams and cells in src/llama-kv-cache.cpp, the
// sliding-window cache in src/llama-kv-cache-iswa.cpp. Checked byte for byte
// against llama.cpp in test/capacity/llama-calibration.test.ts.

import { AppError } from "../errors.ts";

/** Cache element types llama.cpp accepts for K and V (`--cache-type-k/-v`). */
export const KV_CACHE_TYPES = {
  f32: { blockSize: 1, blockBytes: 4 },
  f16: { blockSize: 1, blockBytes: 2 },
  bf16: { blockSize: 1, blockBytes: 2 },
  q8_0: { blockSize: 32, blockBytes: 34 },
  q4_0: { blockSize: 32, blockBytes: 18 },
  q4_1: { blockSize: 32, blockBytes: 20 },
  iq4_nl: { blockSize: 32, blockBytes: 18 },
  q5_0: { blockSize: 32, blockBytes: 22 },
  q5_1: { blockSize: 32, blockBytes: 24 },
} as const satisfies Record<string, { blockSize: number; blockBytes: number }>;

export type KvCacheType = keyof typeof KV_CACHE_TYPES;

export function isKvCacheType(value: string): value is KvCacheType {
  return Object.hasOwn(KV_CACHE_TYPES, value);
}

/** f16 → 2, q8_0 → 34/32, q4_0 → 18/32, f32 → 4. */
export function kvCacheBytesPerElement(type: KvCacheType): number {
  const info = KV_CACHE_TYPES[type];
  return info.blockBytes / info.blockSize;
}

export function isQuantizedKvCacheType(type: KvCacheType): boolean {
  return KV_CACHE_TYPES[type].blockSize > 1;
}

// llama.cpp rounds n_ctx up to a multiple of 256 (llama_context constructor,
// "cparams.n_ctx = GGML_PAD(cparams.n_ctx, 256)"), and pads the
// sliding-window cache to 256 too ("the SWA cache is always padded to 256").
export const KV_CONTEXT_PADDING = 256;

/** llama.cpp's default physical batch (n_ubatch) and logical batch (n_batch). */
export const DEFAULT_UBATCH = 512;
export const DEFAULT_BATCH = 2048;

export function padTo(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** What the KV cache depends on: from a GGUF header or a reference model. */
export interface KvCacheShape {
  layers: number;
  kvHeads: number;
  /** Head dimension of K (attention.key_length). */
  keyLength: number;
  /** Head dimension of V (attention.value_length). */
  valueLength: number;
  /**
   * Sliding-window attention: `size` tokens, and llama.cpp's pattern period:
   * within every `period` layers the last is a full-attention layer and the
   * others are windowed (llama_hparams::set_swa_pattern; gemma2 = 2, i.e. every
   * other layer, starting with layer 0 windowed). null = every layer is full.
   */
  slidingWindow: { size: number; period: number } | null;
}

export interface KvCacheOptions {
  /** Requested context (tokens, all sequences together, as llama-server's -c). */
  contextLength: number;
  cacheTypeK?: KvCacheType;
  cacheTypeV?: KvCacheType;
  flashAttention?: boolean;
  /** Parallel sequences (llama-server --parallel, node-llama-cpp `sequences`). Default 1. */
  parallel?: number;
  /** Logical batch (n_batch). Default 2048. */
  batch?: number;
  /** Physical batch (n_ubatch). Default 512. node-llama-cpp sets it to batchSize (+1 for SWA models). */
  ubatch?: number;
  /** llama.cpp --swa-full: windowed layers get full-size caches. Default false (llama-server and node-llama-cpp). */
  swaFull?: boolean;
  /** llama.cpp --kv-unified: one stream shared by all sequences. Default false. */
  kvUnified?: boolean;
}

export interface KvCacheLayout {
  /** n_ctx after llama.cpp's padding: the cells of all streams together. */
  contextCells: number;
  /** n_ctx_seq: cells per stream (the per-sequence context). */
  cellsPerStream: number;
  /** One stream per sequence unless the cache is unified. */
  streams: number;
  /** n_batch = min(n_ctx, batch). */
  batch: number;
  /** n_ubatch = min(n_batch, ubatch): tokens in one graph evaluation. */
  ubatch: number;
  fullLayers: number;
  swaLayers: number;
  /** Cells per stream of a windowed layer (= cellsPerStream when there is no window). */
  swaCellsPerStream: number;
  cacheTypeK: KvCacheType;
  /** The V type actually counted (f16 when a quantized V cache is asked for without flash attention). */
  cacheTypeV: KvCacheType;
  flashAttention: boolean;
}

export interface KvCacheSize {
  keyBytes: number;
  valueBytes: number;
  totalBytes: number;
  /** Bytes of layer i's K and V: for splitting layers between devices. */
  perLayerBytes: number[];
  /** One entry per cache llama.cpp creates (as its `llama_kv_cache: size = …` lines): full-attention layers, then windowed ones. */
  caches: { kind: "full" | "swa"; cellsPerStream: number; layers: number; keyBytes: number; valueBytes: number }[];
  layout: KvCacheLayout;
  notes: string[];
}

/** Is layer `il` windowed? llama_hparams::set_swa_pattern(period) with dense_first = false. */
export function isSwaLayer(il: number, period: number): boolean {
  return period === 0 || il % period < period - 1;
}

/** Cells, streams and effective cache types for a context, following llama.cpp's rules. */
export function kvCacheLayout(shape: KvCacheShape, options: KvCacheOptions): KvCacheLayout {
  const parallel = positiveInteger(options.parallel ?? 1, "parallel");
  const requested = positiveInteger(options.contextLength, "contextLength");
  const flashAttention = options.flashAttention ?? false;
  const unified = options.kvUnified ?? false;

  let contextCells = padTo(requested, KV_CONTEXT_PADDING);
  let cellsPerStream = contextCells;
  if (!unified) {
    // n_ctx_seq = pad(n_ctx / n_seq_max, 256); n_ctx is then rounded to n_ctx_seq × n_seq_max.
    cellsPerStream = padTo(Math.floor(contextCells / parallel), KV_CONTEXT_PADDING);
    contextCells = cellsPerStream * parallel;
  }
  const streams = unified ? 1 : parallel;
  // "with causal attention, the batch size is limited by the context size"
  const batch = Math.min(contextCells, positiveInteger(options.batch ?? DEFAULT_BATCH, "batch"));
  const ubatch = Math.min(batch, positiveInteger(options.ubatch ?? DEFAULT_UBATCH, "ubatch"));

  let swaLayers = 0;
  let swaCellsPerStream = cellsPerStream;
  const window = shape.slidingWindow;
  if (window && window.size > 0 && !(options.swaFull ?? false)) {
    for (let il = 0; il < shape.layers; il++) if (isSwaLayer(il, window.period)) swaLayers++;
    swaCellsPerStream = padTo(Math.min(cellsPerStream, window.size * (unified ? parallel : 1) + ubatch), KV_CONTEXT_PADDING);
  }

  const cacheTypeK = options.cacheTypeK ?? "f16";
  const askedV = options.cacheTypeV ?? "f16";
  // gguf-parser and older llama.cpp fall back to f16; see the note in kvCacheBytes.
  const cacheTypeV = isQuantizedKvCacheType(askedV) && !flashAttention ? "f16" : askedV;

  return {
    contextCells,
    cellsPerStream,
    streams,
    batch,
    ubatch,
    fullLayers: shape.layers - swaLayers,
    swaLayers,
    swaCellsPerStream,
    cacheTypeK,
    cacheTypeV,
    flashAttention,
  };
}

/**
 * KV bytes = Σ over layers of cells × (kvHeads × keyLength × bytes(K) + kvHeads × valueLength × bytes(V)),
 * where cells = streams × cellsPerStream (windowed layers: streams × swaCellsPerStream).
 */
export function kvCacheBytes(shape: KvCacheShape, options: KvCacheOptions): KvCacheSize {
  for (const key of ["layers", "kvHeads", "keyLength", "valueLength"] as const) positiveInteger(shape[key], key);
  const layout = kvCacheLayout(shape, options);
  const kRow = rowBytes(layout.cacheTypeK, shape.kvHeads * shape.keyLength, "K");
  const vRow = rowBytes(layout.cacheTypeV, shape.kvHeads * shape.valueLength, "V");

  const perLayerBytes: number[] = [];
  let keyBytes = 0;
  let valueBytes = 0;
  const window = layout.swaLayers > 0 ? shape.slidingWindow : null;
  for (let il = 0; il < shape.layers; il++) {
    const cells = layout.streams * (window && isSwaLayer(il, window.period) ? layout.swaCellsPerStream : layout.cellsPerStream);
    keyBytes += cells * kRow;
    valueBytes += cells * vRow;
    perLayerBytes.push(cells * (kRow + vRow));
  }

  const caches: KvCacheSize["caches"] = [];
  const cacheOf = (kind: "full" | "swa", layers: number, cellsPerStream: number): void => {
    if (layers === 0) return;
    const cells = layout.streams * cellsPerStream * layers;
    caches.push({ kind, cellsPerStream, layers, keyBytes: cells * kRow, valueBytes: cells * vRow });
  };
  cacheOf("full", layout.fullLayers, layout.cellsPerStream);
  cacheOf("swa", layout.swaLayers, layout.swaCellsPerStream);

  const notes: string[] = [];
  const askedV = options.cacheTypeV ?? "f16";
  if (askedV !== layout.cacheTypeV) {
    notes.push(
      `a ${askedV} V cache needs flash attention: counted as f16 (gguf-parser's rule); ` +
        "the bundled llama.cpp refuses the combination, and with flash attention \"auto\" turns flash attention on instead",
    );
  }
  if (layout.contextCells !== options.contextLength) {
    notes.push(`context ${options.contextLength} is padded to ${layout.contextCells} cells (llama.cpp pads to multiples of ${KV_CONTEXT_PADDING})`);
  }
  if (layout.swaLayers > 0) {
    notes.push(`${layout.swaLayers} of ${shape.layers} layers use a sliding window of ${shape.slidingWindow?.size} tokens: ${layout.swaCellsPerStream} cells per sequence`);
  }
  return { keyBytes, valueBytes, totalBytes: keyBytes + valueBytes, perLayerBytes, caches, layout, notes };
}

/** Bytes of one cell of one layer: ggml_row_size(type, elements). */
function rowBytes(type: KvCacheType, elements: number, which: "K" | "V"): number {
  const info = KV_CACHE_TYPES[type];
  if (elements % info.blockSize !== 0) {
    throw new AppError("invalid-input", `${which} cache type ${type} needs a row length divisible by ${info.blockSize}, got ${elements}`);
  }
  return (elements / info.blockSize) * info.blockBytes;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new AppError("invalid-input", `${name} must be a positive integer, got ${value}`);
  return value;
}
