// modelshelf fit <file.gguf | reference-model> [--quant Q4_K_M] [--ctx N] [--cache-type f16] [--ram 16GB] [--vram 24GB] [--json]
// Exit 0: estimate printed (and, with a host, the model fits); 1: it does not fit, or the file cannot be read; 2: usage.
import { stat } from "node:fs/promises";
import { AppError, errorMessage } from "../errors.ts";
import { fitModel, maxContext, type FitResult, type MaxContextResult } from "../capacity/fit-model.ts";
import { parseHostProfile, parseMemorySize, type ResolvedHost } from "../capacity/host-profile.ts";
import { isKvCacheType, KV_CACHE_TYPES, type KvCacheType } from "../capacity/kv-cache.ts";
import { estimateMemory, type MemoryEstimate, type MemoryEstimateOptions } from "../capacity/memory-estimate.ts";
import { modelShapeFromGguf, modelShapeFromReference, type ModelMemoryShape } from "../capacity/memory-shape.ts";
import { findQuant } from "../capacity/quant-bits.ts";
import { findReferenceModel, REFERENCE_MODELS } from "../capacity/reference-models.ts";
import { readGgufHeader, summarizeGguf } from "../gguf/index.ts";
import { openFileSource } from "../nfs/index.ts";
import { formatBytes } from "./format.ts";

/** A local file read from the CLI: generous, but a hung mount still ends. */
const CLI_FS_TIMEOUT_MS = 60_000;
const DEFAULT_REFERENCE_QUANT = "Q4_K_M";

export interface FitCommandOptions {
  quant?: string;
  ctx?: string;
  cacheType?: string;
  cacheTypeK?: string;
  cacheTypeV?: string;
  flashAttention?: boolean;
  parallel?: string;
  ubatch?: string;
  batch?: string;
  ram?: string;
  vram?: string;
  unified?: boolean;
  osReserve?: string;
  json?: boolean;
}

class UsageError extends Error {}

export async function fitCommand(target: string, options: FitCommandOptions): Promise<number> {
  let estimateOptions: MemoryEstimateOptions;
  let host: ResolvedHost | null;
  let shape: ModelMemoryShape;
  try {
    estimateOptions = parseEstimateOptions(options);
    host = parseHost(options);
    shape = await loadShape(target, options.quant);
  } catch (error) {
    const usage = error instanceof UsageError || (error instanceof AppError && error.code === "invalid-input");
    process.stderr.write(`modelshelf fit: ${errorMessage(error).replace(/\n/g, " ")}\n`);
    return usage ? 2 : 1;
  }

  let estimate: MemoryEstimate;
  let fit: FitResult | null = null;
  let max: MaxContextResult | null = null;
  try {
    estimate = estimateMemory(shape, estimateOptions);
    if (host) {
      fit = fitModel(shape, host, estimateOptions);
      const { contextLength: _requested, ...searchOptions } = estimateOptions;
      max = maxContext(shape, host, searchOptions);
    }
  } catch (error) {
    process.stderr.write(`modelshelf fit: ${errorMessage(error).replace(/\n/g, " ")}\n`);
    return error instanceof AppError && error.code === "invalid-input" ? 2 : 1;
  }

  const out = {
    target,
    ...estimate,
    ...(host && fit && max
      ? {
          host,
          fits: fit.placement,
          gpuLayers: fit.gpuLayers,
          fit: { placement: fit.placement, gpuLayers: fit.gpuLayers, layers: fit.layers, reason: fit.reason, ram: fit.ram, vram: fit.vram },
          maxContext: max.contextLength,
          maxContextByPlacement: max.byPlacement,
        }
      : {}),
  };
  if (options.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else printEstimate(estimate, host, fit, max);
  return fit && fit.placement === "none" ? 1 : 0;
}

async function loadShape(target: string, quant: string | undefined): Promise<ModelMemoryShape> {
  const isFile = await stat(target).then(
    (s) => s.isFile(),
    () => false,
  );
  if (isFile || target.toLowerCase().endsWith(".gguf")) {
    if (quant !== undefined) throw new UsageError("--quant applies to reference models; a GGUF file has its own quantisation");
    const source = await openFileSource(target, { timeoutMs: CLI_FS_TIMEOUT_MS });
    try {
      const header = await readGgufHeader(source, { fileLabel: target });
      return modelShapeFromGguf(summarizeGguf(header, source.size), header.tensors);
    } finally {
      await source.close();
    }
  }
  const reference = findReferenceModel(target);
  if (!reference) {
    throw new UsageError(`"${target}" is neither a file nor a reference model; known: ${REFERENCE_MODELS.map((m) => m.id).join(", ")}`);
  }
  const chosen = quant ?? DEFAULT_REFERENCE_QUANT;
  if (!findQuant(chosen)) throw new UsageError(`unknown quantisation "${chosen}"`);
  return modelShapeFromReference(reference, chosen);
}

function parseEstimateOptions(options: FitCommandOptions): MemoryEstimateOptions {
  const cacheType = (name: string, value: string | undefined): KvCacheType | undefined => {
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (!isKvCacheType(lower)) throw new UsageError(`${name} must be one of ${Object.keys(KV_CACHE_TYPES).join(", ")}, got "${value}"`);
    return lower;
  };
  const both = cacheType("--cache-type", options.cacheType);
  return {
    contextLength: integerOption("--ctx", options.ctx),
    cacheTypeK: cacheType("--cache-type-k", options.cacheTypeK) ?? both,
    cacheTypeV: cacheType("--cache-type-v", options.cacheTypeV) ?? both,
    flashAttention: Boolean(options.flashAttention),
    parallel: integerOption("--parallel", options.parallel),
    ubatch: integerOption("--ubatch", options.ubatch),
    batch: integerOption("--batch", options.batch),
  };
}

function parseHost(options: FitCommandOptions): ResolvedHost | null {
  if (options.ram === undefined) {
    if (options.vram !== undefined || options.unified || options.osReserve !== undefined) {
      throw new UsageError("--vram, --unified and --os-reserve need --ram (the CPU side always holds the token embeddings and buffers)");
    }
    return null;
  }
  if (options.unified && options.vram !== undefined) throw new UsageError("--unified shares the RAM with the GPU: leave out --vram");
  const vram = options.vram === undefined ? [] : options.vram.split(",").map((size) => parseMemorySize(size));
  return parseHostProfile({
    name: "command line",
    ramBytes: parseMemorySize(options.ram),
    unifiedMemory: Boolean(options.unified),
    gpus: options.unified ? [{ name: "unified GPU" }] : vram.map((vramBytes, i) => ({ name: `GPU ${i}`, vramBytes })),
    ...(options.osReserve === undefined ? {} : { osReserveBytes: parseMemorySize(options.osReserve) }),
  });
}

function integerOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value))) throw new UsageError(`${name} must be a positive integer, got "${value}"`);
  return Number(value);
}

function printEstimate(estimate: MemoryEstimate, host: ResolvedHost | null, fit: FitResult | null, max: MaxContextResult | null): void {
  const out = (label: string, value: string) => process.stdout.write(`${label.padEnd(14)} ${value}\n`);
  const layout = estimate.kvCache.layout;
  const m = estimate.model;
  out("model", `${m.name} (${m.source === "reference" ? "reference model" : "GGUF"}, ${m.architecture}, ${m.quant}, native context ${m.nativeContext})`);
  out(
    "context",
    `${estimate.contextLength} tokens → ${layout.contextCells} cells, ${layout.streams} sequence(s), K ${layout.cacheTypeK} / V ${layout.cacheTypeV}, ` +
      `flash attention ${layout.flashAttention ? "on" : "off"}, ubatch ${layout.ubatch}`,
  );
  out("weightsBytes", `${formatBytes(estimate.weightsBytes).padStart(10)}  ${estimate.breakdown.weights.explanation}`);
  out("kvCacheBytes", `${formatBytes(estimate.kvCacheBytes).padStart(10)}  ${estimate.breakdown.kvCache.explanation}`);
  out("computeBytes", `${formatBytes(estimate.computeBytes).padStart(10)}  ${estimate.breakdown.compute.explanation}`);
  out("overheadBytes", `${formatBytes(estimate.overheadBytes).padStart(10)}`);
  for (const [name, term] of Object.entries(estimate.breakdown.overhead)) out(`  ${name}`, `${formatBytes(term.bytes).padStart(10)}  ${term.explanation}`);
  out("totalBytes", `${formatBytes(estimate.totalBytes).padStart(10)}  (${estimate.totalBytes} bytes)`);
  for (const note of estimate.notes) out("note", note);
  if (!host || !fit || !max) return;
  const ram = fit.ram;
  out("host", `RAM ${formatBytes(ram.totalBytes)} − OS reserve ${formatBytes(ram.reservedBytes)} − margin ${formatBytes(ram.marginBytes)} = ${formatBytes(ram.availableBytes)} available`);
  for (const gpu of fit.vram) out("", `${gpu.name}: VRAM ${formatBytes(gpu.totalBytes)} − margin ${formatBytes(gpu.marginBytes)} = ${formatBytes(gpu.availableBytes)} available`);
  out("fits", `${fit.placement}${fit.placement === "partial" ? ` (${fit.gpuLayers} of ${fit.layers} layers on the GPU)` : ""} — ${fit.reason}`);
  const per = max.byPlacement;
  const show = (value: number | null) => (value === null ? "-" : String(value));
  out("maxContext", `${show(max.contextLength)}${max.contextLength === null ? "" : ` (${max.placement})`}; all on GPU ${show(per.gpu)}, partial ${show(per.partial)}, CPU only ${show(per.cpu)}`);
}
