// Bits per weight of GGUF quantisations, for sizing models that are not in the library yet.
// Two kinds of number, each cited:
// - measured whole-file averages from llama.cpp's quantize README (meta-llama/Llama-3.1-8B), for the
//   file types llama-quantize produces. A file "in Q4_K_M" mixes tensor types (token embedding and
//   output at higher precision, some layers Q6_K), so its average is above the Q4_K block's 4.5 bits.
//   They are approximations for other models: a small model, whose embedding is a larger share of its
//   weights, averages more bits; a 70B model slightly fewer.
// - exact block sizes from ggml's ggml-common.h (formats.md 1.7) for types without a measurement.
import { AppError } from "../errors.ts";

export interface QuantInfo {
  name: string;
  bitsPerWeight: number;
  source: string;
}

/** Bundled llama.cpp snapshot the measurements come from (node-llama-cpp 3.21.1, formats.md). */
const LLAMA_CPP = "llama.cpp tools/quantize/README.md @80fb11ac";
const MEASURED = `${LLAMA_CPP}, bits/weight measured on Llama-3.1-8B (whole file; approximate for other models)`;
/** quantize.cpp states only a size for the legacy quants: GiB × 2^30 × 8 / 8,030,261,248 parameters. */
const LEGACY = (gib: number) =>
  `llama.cpp tools/quantize/quantize.cpp @80fb11ac: ${gib}G for Llama-3-8B → ${gib} GiB × 8 / 8.03e9 parameters (approximate for other models)`;
const BLOCK = (block: string) => `ggml src/ggml-common.h ${block} (formats.md 1.7): tensor type only; a real file keeps embeddings and output at higher precision and is larger`;

export const QUANTS: readonly QuantInfo[] = [
  { name: "F32", bitsPerWeight: 32, source: BLOCK("F32: 4 bytes per weight") },
  { name: "F16", bitsPerWeight: 16.0005, source: MEASURED },
  { name: "BF16", bitsPerWeight: 16.0005, source: `${MEASURED}; BF16 has F16's 2-byte layout, so the F16 figure` },
  { name: "Q8_0", bitsPerWeight: 8.5008, source: MEASURED },
  { name: "Q6_K", bitsPerWeight: 6.5633, source: MEASURED },
  { name: "Q5_K_M", bitsPerWeight: 5.7036, source: MEASURED },
  { name: "Q5_K_S", bitsPerWeight: 5.5704, source: MEASURED },
  { name: "Q5_1", bitsPerWeight: 6.0438, source: LEGACY(5.65) },
  { name: "Q5_0", bitsPerWeight: 5.5731, source: LEGACY(5.21) },
  { name: "Q4_K_M", bitsPerWeight: 4.8944, source: MEASURED },
  { name: "Q4_K_S", bitsPerWeight: 4.6672, source: MEASURED },
  { name: "Q4_1", bitsPerWeight: 5.1131, source: LEGACY(4.78) },
  { name: "Q4_0", bitsPerWeight: 4.6425, source: LEGACY(4.34) },
  { name: "IQ4_NL", bitsPerWeight: 4.6818, source: MEASURED },
  { name: "IQ4_XS", bitsPerWeight: 4.4597, source: MEASURED },
  { name: "MXFP4", bitsPerWeight: 4.25, source: BLOCK("block_mxfp4: 17 bytes per 32 weights") },
  { name: "Q3_K_L", bitsPerWeight: 4.2979, source: MEASURED },
  { name: "Q3_K_M", bitsPerWeight: 3.996, source: MEASURED },
  { name: "Q3_K_S", bitsPerWeight: 3.6429, source: MEASURED },
  { name: "IQ3_M", bitsPerWeight: 3.7628, source: MEASURED },
  { name: "IQ3_S", bitsPerWeight: 3.6606, source: MEASURED },
  { name: "IQ3_XS", bitsPerWeight: 3.4977, source: MEASURED },
  { name: "IQ3_XXS", bitsPerWeight: 3.2548, source: MEASURED },
  { name: "Q2_K", bitsPerWeight: 3.1593, source: MEASURED },
  { name: "Q2_K_S", bitsPerWeight: 2.9697, source: MEASURED },
  { name: "IQ2_M", bitsPerWeight: 2.9294, source: MEASURED },
  { name: "IQ2_S", bitsPerWeight: 2.7403, source: MEASURED },
  { name: "IQ2_XS", bitsPerWeight: 2.5882, source: MEASURED },
  { name: "IQ2_XXS", bitsPerWeight: 2.3824, source: MEASURED },
  { name: "TQ2_0", bitsPerWeight: 2.0625, source: BLOCK("block_tq2_0: 66 bytes per 256 weights") },
  { name: "IQ1_M", bitsPerWeight: 2.146, source: MEASURED },
  { name: "TQ1_0", bitsPerWeight: 1.6875, source: BLOCK("block_tq1_0: 54 bytes per 256 weights") },
  { name: "IQ1_S", bitsPerWeight: 2.0042, source: MEASURED },
];

/** llama-quantize's own aliases (quantize.cpp QUANT_OPTIONS): the bare K-quant name means the medium mix. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ["Q3_K", "Q3_K_M"],
  ["Q4_K", "Q4_K_M"],
  ["Q5_K", "Q5_K_M"],
]);

const BY_NAME: ReadonlyMap<string, QuantInfo> = new Map(QUANTS.map((quant) => [quant.name, quant]));

/** The table entry for a name, case-insensitive ("q4_K_M" as Ollama tags write it), or undefined. */
export function findQuant(quant: string): QuantInfo | undefined {
  const key = quant.trim().toUpperCase();
  return BY_NAME.get(ALIASES.get(key) ?? key);
}

function unknownQuant(quant: string): AppError {
  return new AppError("invalid-input", `unknown quantisation "${quant}"; known: ${QUANTS.map((q) => q.name).join(", ")}`, {
    details: { quant, known: QUANTS.map((q) => q.name) },
  });
}

/** Bits per weight of a quantisation; AppError("invalid-input") listing the known names for an unknown one. */
export function bitsPerWeight(quant: string): number {
  const info = findQuant(quant);
  if (!info) throw unknownQuant(quant);
  return info.bitsPerWeight;
}

/** The canonical table name ("q4_k" → "Q4_K_M"); AppError for an unknown one. */
export function canonicalQuantName(quant: string): string {
  const info = findQuant(quant);
  if (!info) throw unknownQuant(quant);
  return info.name;
}

/** Tensor bytes of a model with this many parameters in this quantisation (no header), rounded up. */
export function estimateWeightBytes(parameters: number, quant: string): number {
  if (!Number.isFinite(parameters) || parameters <= 0) {
    throw new AppError("invalid-input", `parameters must be a positive number (got ${parameters})`);
  }
  return Math.ceil((parameters * bitsPerWeight(quant)) / 8);
}
