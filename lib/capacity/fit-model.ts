// Will this model run on that host, and how: fully on the GPU(s), partially
// offloaded (how many layers), on the CPU only, or not at all; and the largest
// context that still fits. Budgets keep node-llama-cpp's safety margins,
// because estimates (ours and llama.cpp's own) miss allocator slack,
// fragmentation and driver growth: an estimate that fills memory to the byte
// gets killed or swaps in production.

import { AppError } from "../errors.ts";
import { GiB, type ResolvedHost } from "./host-profile.ts";
import { KV_CONTEXT_PADDING } from "./kv-cache.ts";
import { estimateMemory, type MemoryEstimate, type MemoryEstimateOptions } from "./memory-estimate.ts";
import type { ModelMemoryShape } from "./memory-shape.ts";

export type Placement = "gpu" | "partial" | "cpu" | "none";

export interface SafetyMargins {
  ramFraction: number;
  ramMaxBytes: number;
  vramFraction: number;
  vramMaxBytes: number;
}

// node-llama-cpp 3.21.1 dist/bindings/getLlama.js: defaultLlamaRamPadding =
// min(25 % of RAM, 1 GiB) on Linux (6 GiB elsewhere, where the desktop needs
// more); defaultLlamaVramPadding = min(8 % of VRAM, 1.6 GiB). Its .d.ts comment
// says 1.2 GB, the code 1.6 GiB; the code is what runs.
export const DEFAULT_SAFETY_MARGINS: Readonly<SafetyMargins> = Object.freeze({
  ramFraction: 0.25,
  ramMaxBytes: 1 * GiB,
  vramFraction: 0.08,
  vramMaxBytes: 1.6 * GiB,
});

export interface FitOptions extends Omit<MemoryEstimateOptions, "gpuLayers" | "gpuSplit"> {
  margins?: Partial<SafetyMargins>;
}

export interface DeviceBudget {
  device: "cpu" | `gpu${number}`;
  name: string;
  totalBytes: number;
  /** OS reserve (RAM only). */
  reservedBytes: number;
  marginBytes: number;
  availableBytes: number;
  requiredBytes: number;
}

export interface FitResult {
  placement: Placement;
  /** Blocks on GPUs: 0 for cpu/none, all blocks for gpu. */
  gpuLayers: number;
  layers: number;
  contextLength: number;
  ram: DeviceBudget;
  vram: DeviceBudget[];
  /** The estimate of the chosen placement (for "none", of the CPU-only attempt). */
  estimate: MemoryEstimate;
  reason: string;
}

export function fitModel(shape: ModelMemoryShape, host: ResolvedHost, options: FitOptions = {}): FitResult {
  const margins = { ...DEFAULT_SAFETY_MARGINS, ...options.margins };
  validateMargins(margins);
  const contextLength = options.contextLength ?? shape.contextLength;
  const budgets = hostBudgets(host, margins);
  const split = host.gpus.map((gpu) => gpu.vramBytes);
  const attempt = (gpuLayers: number): Attempt => check(estimateMemory(shape, { ...options, contextLength, gpuLayers, gpuSplit: split }), host, budgets);

  if (host.gpus.length > 0) {
    const full = attempt(shape.layers);
    if (full.fits) return result("gpu", full, shape, contextLength, `all ${shape.layers} layers and the output layer fit in VRAM`);
    // More layers on the GPU only ever need more VRAM: binary search the largest count that fits it.
    let low = 0;
    let high = shape.layers - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (attempt(mid).gpuFits) low = mid;
      else high = mid - 1;
    }
    if (low > 0) {
      const partial = attempt(low);
      if (partial.fits) {
        return result("partial", partial, shape, contextLength, `${low} of ${shape.layers} layers fit in VRAM; the rest run on the CPU`);
      }
    }
  }
  const cpu = attempt(0);
  if (cpu.fits) {
    return result("cpu", cpu, shape, contextLength, host.gpus.length > 0 ? "no layer fits in VRAM; the model fits in RAM" : "fits in RAM (no GPU)");
  }
  const short = cpu.ram.requiredBytes - cpu.ram.availableBytes;
  return result("none", cpu, shape, contextLength, `needs ${formatGiB(cpu.ram.requiredBytes)} of RAM, ${formatGiB(short)} more than the ${formatGiB(cpu.ram.availableBytes)} available`);
}

export interface MaxContextResult {
  /** The largest context (multiple of 256, or the native context) that fits in any placement; null if even 256 does not. */
  contextLength: number | null;
  /** How the model runs at that context. */
  placement: Placement;
  /** Largest context per placement: all on GPU, at least one layer on GPU, CPU only. */
  byPlacement: { gpu: number | null; partial: number | null; cpu: number | null };
}

/** Largest context that fits, searched over multiples of 256 up to the model's native context. */
export function maxContext(shape: ModelMemoryShape, host: ResolvedHost, options: Omit<FitOptions, "contextLength"> = {}): MaxContextResult {
  const candidates: number[] = [];
  for (let ctx = KV_CONTEXT_PADDING; ctx <= shape.contextLength; ctx += KV_CONTEXT_PADDING) candidates.push(ctx);
  if (candidates.at(-1) !== shape.contextLength) candidates.push(shape.contextLength);
  const cache = new Map<number, FitResult>();
  const fitAt = (ctx: number): FitResult => {
    let fit = cache.get(ctx);
    if (!fit) {
      fit = fitModel(shape, host, { ...options, contextLength: ctx });
      cache.set(ctx, fit);
    }
    return fit;
  };
  const largest = (accept: (fit: FitResult) => boolean): number | null => {
    // Memory grows with context, so acceptance is monotonic: binary search.
    let low = -1;
    let high = candidates.length - 1;
    while (low < high) {
      const mid = Math.ceil((low + high + 1) / 2);
      if (accept(fitAt(candidates[mid] ?? 0))) low = mid;
      else high = mid - 1;
    }
    return low < 0 ? null : (candidates[low] ?? null);
  };
  const gpu = host.gpus.length > 0 ? largest((fit) => fit.placement === "gpu") : null;
  const partial = host.gpus.length > 0 ? largest((fit) => fit.placement === "gpu" || fit.placement === "partial") : null;
  const cpu = largestCpuOnly(shape, host, options, candidates);
  const best = Math.max(gpu ?? 0, partial ?? 0, cpu ?? 0);
  if (best === 0) return { contextLength: null, placement: "none", byPlacement: { gpu, partial, cpu } };
  return { contextLength: best, placement: fitAt(best).placement, byPlacement: { gpu, partial, cpu } };
}

function largestCpuOnly(shape: ModelMemoryShape, host: ResolvedHost, options: Omit<FitOptions, "contextLength">, candidates: readonly number[]): number | null {
  const cpuHost: ResolvedHost = { ...host, gpus: [] };
  let low = -1;
  let high = candidates.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high + 1) / 2);
    if (fitModel(shape, cpuHost, { ...options, contextLength: candidates[mid] }).placement === "cpu") low = mid;
    else high = mid - 1;
  }
  return low < 0 ? null : (candidates[low] ?? null);
}

interface Budgets {
  ram: Omit<DeviceBudget, "requiredBytes">;
  gpus: Omit<DeviceBudget, "requiredBytes">[];
}

interface Attempt {
  estimate: MemoryEstimate;
  ram: DeviceBudget;
  vram: DeviceBudget[];
  gpuFits: boolean;
  fits: boolean;
}

export function marginFor(totalBytes: number, fraction: number, maxBytes: number): number {
  return Math.floor(Math.min(totalBytes * fraction, maxBytes));
}

function hostBudgets(host: ResolvedHost, margins: SafetyMargins): Budgets {
  const ramMargin = marginFor(host.ramBytes, margins.ramFraction, margins.ramMaxBytes);
  return {
    ram: {
      device: "cpu",
      name: host.name,
      totalBytes: host.ramBytes,
      reservedBytes: host.osReserveBytes,
      marginBytes: ramMargin,
      availableBytes: Math.max(0, host.ramBytes - host.osReserveBytes - ramMargin),
    },
    gpus: host.gpus.map((gpu, i) => {
      const margin = marginFor(gpu.vramBytes, margins.vramFraction, margins.vramMaxBytes);
      return { device: `gpu${i}` as const, name: gpu.name, totalBytes: gpu.vramBytes, reservedBytes: 0, marginBytes: margin, availableBytes: Math.max(0, gpu.vramBytes - margin) };
    }),
  };
}

function check(estimate: MemoryEstimate, host: ResolvedHost, budgets: Budgets): Attempt {
  const usage = new Map(estimate.devices.map((device) => [device.device, device.totalBytes]));
  const vram = budgets.gpus.map((budget) => ({ ...budget, requiredBytes: usage.get(budget.device) ?? 0 }));
  // Unified memory: GPU allocations come out of the same RAM.
  const ramRequired = (usage.get("cpu") ?? 0) + (host.unifiedMemory ? vram.reduce((sum, gpu) => sum + gpu.requiredBytes, 0) : 0);
  const ram = { ...budgets.ram, requiredBytes: ramRequired };
  const gpuFits = vram.every((gpu) => gpu.requiredBytes <= gpu.availableBytes);
  return { estimate, ram, vram, gpuFits, fits: gpuFits && ram.requiredBytes <= ram.availableBytes };
}

function result(placement: Placement, attempt: Attempt, shape: ModelMemoryShape, contextLength: number, reason: string): FitResult {
  return {
    placement,
    gpuLayers: placement === "none" ? 0 : attempt.estimate.gpuLayers,
    layers: shape.layers,
    contextLength,
    ram: attempt.ram,
    vram: placement === "cpu" || placement === "none" ? attempt.vram.map((gpu) => ({ ...gpu, requiredBytes: 0 })) : attempt.vram,
    estimate: attempt.estimate,
    reason,
  };
}

function validateMargins(margins: SafetyMargins): void {
  for (const key of ["ramFraction", "vramFraction"] as const) {
    if (!(margins[key] >= 0 && margins[key] < 1)) throw new AppError("invalid-input", `margins.${key} must be from 0 to below 1, got ${margins[key]}`);
  }
  for (const key of ["ramMaxBytes", "vramMaxBytes"] as const) {
    if (!(margins[key] >= 0)) throw new AppError("invalid-input", `margins.${key} must not be negative, got ${margins[key]}`);
  }
}

function formatGiB(bytes: number): string {
  return `${(bytes / GiB).toFixed(1)} GiB`;
}
