// Model footprints on the NAS: what the catalogue's files take (identical content counted once), what a
// planned model will take (parameters × bits per weight, per quantisation and kept version), and the
// planning allowance admins use instead ("20 GB per 7B model"). Pure.
import { AppError } from "../errors.ts";
import { canonicalQuantName, estimateWeightBytes, findQuant } from "./quant-bits.ts";

/**
 * Non-tensor bytes of one GGUF file: metadata (mostly the tokenizer — token strings, scores or types,
 * BPE merges), tensor infos and alignment padding. Common vocabularies come to 6–9 MB (Qwen2's 152k
 * tokens + 151k merges, Llama 3's 128k tokens + 280k merges, Gemma's 256k tokens); 16 MiB bounds them,
 * and is noise next to GB of weights, so a plan never comes out short because of it.
 */
export const GGUF_HEADER_ALLOWANCE_BYTES = 16 * 2 ** 20;

/**
 * The rule of thumb, at Q4_K_M: plan 20 GB per 7B model, 50 GB per 14B and 100 GB per 32B (decimal GB),
 * which leaves room for a few quantisations and a previous version. Between anchors the allowance is
 * interpolated linearly in parameters; below 7B it scales in proportion to 7B (20 GB × P / 7B), above
 * 32B in proportion to 32B (100 GB × P / 32B, so a 70B model gets 218.75 GB).
 */
export const RULE_OF_THUMB_ANCHORS: readonly { parameters: number; bytes: number }[] = [
  { parameters: 7e9, bytes: 20e9 },
  { parameters: 14e9, bytes: 50e9 },
  { parameters: 32e9, bytes: 100e9 },
];

// ---------------------------------------------------------------------------
// Catalogue

export interface CatalogueFile {
  /** Content identity: the SHA-256 once hashed, else the scanner's header fingerprint. */
  sha256OrFingerprint: string;
  sizeBytes: number;
}

export interface CatalogueFootprint {
  fileCount: number;
  uniqueFileCount: number;
  /** Every copy as stored today. */
  storedBytes: number;
  /** Each content once: what a new NAS must hold. */
  uniqueBytes: number;
  /** Bytes taken by second and further copies. */
  duplicateBytes: number;
}

/** Bytes of catalogued files with identical content counted once. */
export function catalogueFootprint(files: readonly CatalogueFile[]): CatalogueFootprint {
  const sizeByContent = new Map<string, number>();
  let storedBytes = 0;
  for (const file of files) {
    if (!Number.isSafeInteger(file.sizeBytes) || file.sizeBytes < 0) {
      throw new AppError("invalid-input", `file ${file.sha256OrFingerprint}: size must be a whole number of bytes (got ${file.sizeBytes})`);
    }
    const known = sizeByContent.get(file.sha256OrFingerprint);
    if (known !== undefined && known !== file.sizeBytes) {
      // Same content key, different size: the keys are wrong, and any total would be too.
      throw new AppError(
        "invalid-input",
        `files with content ${file.sha256OrFingerprint} have different sizes (${known} and ${file.sizeBytes} bytes)`,
      );
    }
    sizeByContent.set(file.sha256OrFingerprint, file.sizeBytes);
    storedBytes += file.sizeBytes;
  }
  const uniqueBytes = [...sizeByContent.values()].reduce((sum, size) => sum + size, 0);
  return { fileCount: files.length, uniqueFileCount: sizeByContent.size, storedBytes, uniqueBytes, duplicateBytes: storedBytes - uniqueBytes };
}

// ---------------------------------------------------------------------------
// Planned models

export interface PlannedModelSpec {
  label: string;
  /** Exact parameter count: drives the estimate. */
  parameters: number;
  /** Size class for the rule of thumb ("7B" for Qwen2.5 7B's 7.62e9); defaults to `parameters`. */
  nominalParameters?: number;
  quants: readonly string[];
  /** Versions kept side by side (the current one and previous ones). */
  versions: number;
  referenceModelId?: string | null;
}

export interface QuantFootprint {
  quant: string;
  bitsPerWeight: number;
  weightBytes: number;
  /** One file: weights + GGUF_HEADER_ALLOWANCE_BYTES. */
  fileBytes: number;
}

export interface PlannedModelFootprint {
  label: string;
  referenceModelId: string | null;
  parameters: number;
  nominalParameters: number;
  versions: number;
  quants: QuantFootprint[];
  /** One version in every listed quantisation. */
  perVersionBytes: number;
  /** perVersionBytes × versions. */
  exactBytes: number;
  /** The planning allowance for a model of this size class (covers a few quantisations and a previous version by itself). */
  ruleOfThumbBytes: number;
}

/** The rule-of-thumb allowance in bytes for a model of this many parameters (see RULE_OF_THUMB_ANCHORS). */
export function ruleOfThumbBytes(parameters: number): number {
  if (!Number.isFinite(parameters) || parameters <= 0) {
    throw new AppError("invalid-input", `parameters must be a positive number (got ${parameters})`);
  }
  const anchors = RULE_OF_THUMB_ANCHORS;
  const first = anchors[0];
  const last = anchors[anchors.length - 1];
  if (!first || !last) throw new AppError("internal", "rule-of-thumb anchors are missing");
  if (parameters <= first.parameters) return Math.round((first.bytes * parameters) / first.parameters);
  if (parameters >= last.parameters) return Math.round((last.bytes * parameters) / last.parameters);
  for (let index = 1; index < anchors.length; index++) {
    const low = anchors[index - 1];
    const high = anchors[index];
    if (low && high && parameters <= high.parameters) {
      const share = (parameters - low.parameters) / (high.parameters - low.parameters);
      return Math.round(low.bytes + share * (high.bytes - low.bytes));
    }
  }
  throw new AppError("internal", `no rule-of-thumb anchor covers ${parameters} parameters`);
}

/** Estimated bytes of a planned model: Σ over quantisations of (weights + header) × versions, and the rule of thumb. */
export function estimatePlannedModel(spec: PlannedModelSpec): PlannedModelFootprint {
  if (!Number.isInteger(spec.versions) || spec.versions < 1) {
    throw new AppError("invalid-input", `${spec.label}: versions must be a whole number, 1 or more (got ${spec.versions})`);
  }
  if (spec.quants.length === 0) throw new AppError("invalid-input", `${spec.label}: at least one quantisation is needed`);
  const quants = [...new Set(spec.quants.map(canonicalQuantName))].map((quant): QuantFootprint => {
    const weightBytes = estimateWeightBytes(spec.parameters, quant);
    return {
      quant,
      bitsPerWeight: findQuant(quant)?.bitsPerWeight ?? Number.NaN,
      weightBytes,
      fileBytes: weightBytes + GGUF_HEADER_ALLOWANCE_BYTES,
    };
  });
  const perVersionBytes = quants.reduce((sum, quant) => sum + quant.fileBytes, 0);
  const nominalParameters = spec.nominalParameters ?? spec.parameters;
  return {
    label: spec.label,
    referenceModelId: spec.referenceModelId ?? null,
    parameters: spec.parameters,
    nominalParameters,
    versions: spec.versions,
    quants,
    perVersionBytes,
    exactBytes: perVersionBytes * spec.versions,
    ruleOfThumbBytes: ruleOfThumbBytes(nominalParameters),
  };
}
