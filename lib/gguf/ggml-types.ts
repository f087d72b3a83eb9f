// ggml tensor types and llama.cpp file types (llama_ftype), as numbered in the
// llama.cpp bundled with node-llama-cpp 3.21.1 (formats.md 1.7 and 1.8).
// New ids keep being added upstream, so every lookup here degrades to
// "unknown" instead of throwing: one new quant type must not fail a catalogue.

export interface GgmlTypeInfo {
  readonly id: number;
  /** Upper-case name as gguf-py and llama.cpp's quantize tool print it, e.g. "Q4_K". */
  readonly name: string;
  /** Elements per block; 0 for ids removed from GGUF files. */
  readonly blockSize: number;
  /** Bytes per block; 0 for ids removed from GGUF files. */
  readonly bytesPerBlock: number;
  /** The id is reserved but no longer valid in GGUF files (llama.cpp rejects it). */
  readonly removed: boolean;
}

function type(id: number, name: string, blockSize: number, bytesPerBlock: number): GgmlTypeInfo {
  return { id, name, blockSize, bytesPerBlock, removed: false };
}

function removedType(id: number, name: string): GgmlTypeInfo {
  return { id, name, blockSize: 0, bytesPerBlock: 0, removed: true };
}

/** Indexed by id: GGML_TYPES[id].id === id for 0..42. */
export const GGML_TYPES: readonly GgmlTypeInfo[] = [
  type(0, "F32", 1, 4),
  type(1, "F16", 1, 2),
  type(2, "Q4_0", 32, 18),
  type(3, "Q4_1", 32, 20),
  removedType(4, "Q4_2"),
  removedType(5, "Q4_3"),
  type(6, "Q5_0", 32, 22),
  type(7, "Q5_1", 32, 24),
  type(8, "Q8_0", 32, 34),
  type(9, "Q8_1", 32, 36),
  type(10, "Q2_K", 256, 84),
  type(11, "Q3_K", 256, 110),
  type(12, "Q4_K", 256, 144),
  type(13, "Q5_K", 256, 176),
  type(14, "Q6_K", 256, 210),
  type(15, "Q8_K", 256, 292),
  type(16, "IQ2_XXS", 256, 66),
  type(17, "IQ2_XS", 256, 74),
  type(18, "IQ3_XXS", 256, 98),
  type(19, "IQ1_S", 256, 50),
  type(20, "IQ4_NL", 32, 18),
  type(21, "IQ3_S", 256, 110),
  type(22, "IQ2_S", 256, 82),
  type(23, "IQ4_XS", 256, 136),
  type(24, "I8", 1, 1),
  type(25, "I16", 1, 2),
  type(26, "I32", 1, 4),
  type(27, "I64", 1, 8),
  type(28, "F64", 1, 8),
  type(29, "IQ1_M", 256, 56),
  type(30, "BF16", 1, 2),
  removedType(31, "Q4_0_4_4"),
  removedType(32, "Q4_0_4_8"),
  removedType(33, "Q4_0_8_8"),
  type(34, "TQ1_0", 256, 54),
  type(35, "TQ2_0", 256, 66),
  removedType(36, "IQ4_NL_4_4"),
  removedType(37, "IQ4_NL_4_8"),
  removedType(38, "IQ4_NL_8_8"),
  type(39, "MXFP4", 32, 17),
  type(40, "NVFP4", 64, 36),
  type(41, "Q1_0", 128, 18),
  type(42, "Q2_0", 64, 18),
];

/** Named ids used by the writer and the tiny-model builder. */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  BF16: 30,
} as const;

/** Type info for an id, or undefined for ids this table does not know. */
export function ggmlTypeInfo(id: number): GgmlTypeInfo | undefined {
  return Number.isInteger(id) && id >= 0 ? GGML_TYPES[id] : undefined;
}

/** "Q4_K", or "unknown(N)" for ids newer than this table. */
export function ggmlTypeName(id: number): string {
  return ggmlTypeInfo(id)?.name ?? `unknown(${id})`;
}

/**
 * Bytes a tensor of this type and shape (ggml order, dims[0] contiguous) occupies:
 * Π dims / blockSize × bytesPerBlock. null when the size cannot be known: an
 * unknown or removed type, or dims[0] not a multiple of the block size
 * (llama.cpp rejects such files).
 */
export function tensorByteSize(typeId: number, dims: readonly number[]): bigint | null {
  const info = ggmlTypeInfo(typeId);
  if (!info || info.blockSize === 0) return null;
  const first = dims[0] ?? 1;
  if (first % info.blockSize !== 0) return null;
  let elements = 1n;
  for (const dim of dims) elements *= BigInt(dim);
  return (elements / BigInt(info.blockSize)) * BigInt(info.bytesPerBlock);
}

// Short labels for llama_ftype (general.file_type), in the style Ollama and
// Hugging Face file names use ("Q4_K_M"), not llama.cpp's long prose
// ("Q4_K - Medium"). Holes are ids removed from llama.h.
const FILE_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, "F32"],
  [1, "F16"],
  [2, "Q4_0"],
  [3, "Q4_1"],
  [7, "Q8_0"],
  [8, "Q5_0"],
  [9, "Q5_1"],
  [10, "Q2_K"],
  [11, "Q3_K_S"],
  [12, "Q3_K_M"],
  [13, "Q3_K_L"],
  [14, "Q4_K_S"],
  [15, "Q4_K_M"],
  [16, "Q5_K_S"],
  [17, "Q5_K_M"],
  [18, "Q6_K"],
  [19, "IQ2_XXS"],
  [20, "IQ2_XS"],
  [21, "Q2_K_S"],
  [22, "IQ3_XS"],
  [23, "IQ3_XXS"],
  [24, "IQ1_S"],
  [25, "IQ4_NL"],
  [26, "IQ3_S"],
  [27, "IQ3_M"],
  [28, "IQ2_S"],
  [29, "IQ2_M"],
  [30, "IQ4_XS"],
  [31, "IQ1_M"],
  [32, "BF16"],
  [36, "TQ1_0"],
  [37, "TQ2_0"],
  [38, "MXFP4_MOE"],
  [39, "NVFP4"],
  [40, "Q1_0"],
  [41, "Q2_0"],
]);

/** Short label of a llama_ftype code ("Q4_K_M"); "unknown" for anything else. Never throws. */
export function fileTypeName(code: number): string {
  return FILE_TYPE_NAMES.get(code) ?? "unknown";
}

/** The llama_ftype code of a label from fileTypeName, e.g. "Q8_0" → 7. */
export function fileTypeCode(name: string): number | undefined {
  for (const [code, label] of FILE_TYPE_NAMES) if (label === name) return code;
  return undefined;
}

// llama.cpp's guess when general.file_type is absent (llama-model-loader.cpp):
// the most frequent tensor type maps to the "medium" ftype of that family.
const FILE_TYPE_BY_TENSOR_TYPE: ReadonlyMap<number, number> = new Map([
  [0, 0], // F32 → ALL_F32
  [1, 1], // F16
  [30, 32], // BF16
  [2, 2], // Q4_0
  [3, 3], // Q4_1
  [6, 8], // Q5_0
  [7, 9], // Q5_1
  [8, 7], // Q8_0
  [10, 10], // Q2_K
  [11, 12], // Q3_K → Q3_K_M
  [12, 15], // Q4_K → Q4_K_M
  [13, 17], // Q5_K → Q5_K_M
  [14, 18], // Q6_K
  [34, 36], // TQ1_0
  [35, 37], // TQ2_0
  [16, 19], // IQ2_XXS
  [17, 20], // IQ2_XS
  [22, 28], // IQ2_S
  [18, 23], // IQ3_XXS
  [19, 24], // IQ1_S
  [29, 31], // IQ1_M
  [20, 25], // IQ4_NL
  [23, 30], // IQ4_XS
  [21, 26], // IQ3_S
  [40, 39], // NVFP4
  [41, 40], // Q1_0
  [42, 41], // Q2_0
]);

/** The llama_ftype llama.cpp would guess for a model dominated by this tensor type, if any. */
export function fileTypeForTensorType(typeId: number): number | undefined {
  return FILE_TYPE_BY_TENSOR_TYPE.get(typeId);
}
