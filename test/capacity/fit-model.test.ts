import { describe, expect, it } from "vitest";
import { DEFAULT_SAFETY_MARGINS, fitModel, marginFor, maxContext } from "../../lib/capacity/fit-model.ts";
import { estimateMemory } from "../../lib/capacity/memory-estimate.ts";
import { GiB, parseHostProfile, type HostProfileInput } from "../../lib/capacity/host-profile.ts";
import { modelShapeFromReference } from "../../lib/capacity/memory-shape.ts";
import { findReferenceModel } from "../../lib/capacity/reference-models.ts";

function shapeOf(id: string, quant = "Q4_K_M") {
  const model = findReferenceModel(id);
  if (!model) throw new Error(`no reference model ${id}`);
  return modelShapeFromReference(model, quant);
}

const host = (profile: Omit<HostProfileInput, "name">) => parseHostProfile({ name: "test host", ...profile });

const CPU_16 = host({ ramGB: 16 });
const GPU_24 = host({ ramGB: 32, gpus: [{ name: "RTX 4090", vramGB: 24 }] });
const GPU_8 = host({ ramGB: 32, gpus: [{ name: "RTX 3070", vramGB: 8 }] });
const MAC_32 = host({ ramGB: 32, unifiedMemory: true });

describe("fit classification", () => {
  const qwen7b = shapeOf("qwen2.5-7b");
  const llama70b = shapeOf("llama3.1-70b");

  it.each([
    ["a 7B Q4_K_M at 8k on a 16 GB CPU host", qwen7b, 8192, CPU_16, "cpu"],
    ["a 7B Q4_K_M at 32k on a 24 GB GPU", qwen7b, 32_768, GPU_24, "gpu"],
    ["a 7B Q4_K_M at 32k on an 8 GB GPU", qwen7b, 32_768, GPU_8, "partial"],
    ["a 7B Q4_K_M at 8k on a 32 GB Mac", qwen7b, 8192, MAC_32, "gpu"],
    ["a 70B Q4_K_M at 4k on a 16 GB CPU host", llama70b, 4096, CPU_16, "none"],
    ["a 70B Q4_K_M at 4k on a 24 GB GPU with 32 GB RAM", llama70b, 4096, GPU_24, "partial"],
  ] as const)("%s: %s", (_title, shape, contextLength, profile, placement) => {
    expect(fitModel(shape, profile, { contextLength }).placement).toBe(placement);
  });

  it("puts some but not all layers on the GPU in a partial offload, and says how many", () => {
    const fit = fitModel(qwen7b, GPU_8, { contextLength: 32_768 });
    expect(fit.gpuLayers).toBeGreaterThan(0);
    expect(fit.gpuLayers).toBeLessThan(fit.layers);
    expect(fit.reason).toBe(`${fit.gpuLayers} of 28 layers fit in VRAM; the rest run on the CPU`);
    expect(fit.vram[0]?.requiredBytes).toBeLessThanOrEqual(fit.vram[0]?.availableBytes ?? 0);
    // One more layer would not fit.
    const more = estimateMemory(qwen7b, { contextLength: 32_768, gpuLayers: fit.gpuLayers + 1, gpuSplit: [8 * GiB] });
    expect(more.devices[1]?.totalBytes).toBeGreaterThan(fit.vram[0]?.availableBytes ?? 0);
  });

  it("says by how much a model that does not fit is short", () => {
    const fit = fitModel(llama70b, CPU_16, { contextLength: 4096 });
    expect(fit.reason).toMatch(/^needs \d+\.\d GiB of RAM, \d+\.\d GiB more than the 13\.0 GiB available$/);
    expect(fit.gpuLayers).toBe(0);
  });

  it("takes the OS reserve and node-llama-cpp's margins off the budgets", () => {
    const fit = fitModel(qwen7b, GPU_24, { contextLength: 4096 });
    expect(fit.ram).toMatchObject({ totalBytes: 32 * GiB, reservedBytes: 2 * GiB, marginBytes: 1 * GiB, availableBytes: 29 * GiB });
    // 8 % of 24 GiB is 1.92 GiB: the 1.6 GiB cap applies.
    expect(fit.vram[0]).toMatchObject({ totalBytes: 24 * GiB, marginBytes: Math.floor(1.6 * GiB), availableBytes: 24 * GiB - Math.floor(1.6 * GiB) });
  });

  it("uses min(25 %, 1 GiB) of RAM and min(8 %, 1.6 GiB) of VRAM as margins by default", () => {
    expect(DEFAULT_SAFETY_MARGINS).toEqual({ ramFraction: 0.25, ramMaxBytes: GiB, vramFraction: 0.08, vramMaxBytes: 1.6 * GiB });
    expect(marginFor(2 * GiB, 0.25, GiB)).toBe(0.5 * GiB);
    expect(marginFor(80 * GiB, 0.08, 1.6 * GiB)).toBe(Math.floor(1.6 * GiB));
  });

  it("lets the margins be changed or switched off", () => {
    const tight = host({ ramGB: 8 });
    const shape = shapeOf("qwen2.5-7b");
    expect(fitModel(shape, tight, { contextLength: 4096 }).placement).toBe("none");
    expect(fitModel(shape, tight, { contextLength: 4096, margins: { ramFraction: 0 } }).placement).toBe("cpu");
    expect(() => fitModel(shape, tight, { margins: { ramFraction: 1.5 } })).toThrow("margins.ramFraction must be from 0 to below 1, got 1.5");
  });

  it("counts GPU allocations against the RAM on a unified-memory host", () => {
    const fit = fitModel(qwen7b, MAC_32, { contextLength: 8192 });
    expect(fit.ram.requiredBytes).toBe(fit.estimate.totalBytes);
    expect(fit.vram[0]?.totalBytes).toBe(Math.floor((32 * GiB * 2) / 3));
  });
});

describe("largest context that fits", () => {
  const qwen7b = shapeOf("qwen2.5-7b");

  it("is a multiple of 256 up to the native context, per placement", () => {
    const result = maxContext(qwen7b, GPU_8);
    expect(result.byPlacement.gpu).not.toBeNull();
    expect((result.byPlacement.gpu ?? 0) % 256).toBe(0);
    expect(result.byPlacement.gpu).toBeLessThan(32_768);
    expect(result.byPlacement.partial).toBe(32_768);
    expect(result.contextLength).toBe(32_768);
    expect(result.placement).toBe("partial");
  });

  it("agrees with fitModel: the model fits at the limit, and not 256 tokens above it", () => {
    for (const profile of [CPU_16, GPU_8, host({ ramGB: 8 }), host({ ramGB: 16, gpus: [{ name: "small", vramGB: 4 }] })]) {
      const result = maxContext(qwen7b, profile, { flashAttention: false });
      for (const [placement, limit] of Object.entries(result.byPlacement)) {
        if (limit === null || limit >= qwen7b.contextLength) continue;
        const accept = (ctx: number) => {
          const fit = fitModel(qwen7b, placement === "cpu" ? { ...profile, gpus: [] } : profile, { contextLength: ctx });
          return placement === "gpu" ? fit.placement === "gpu" : placement === "partial" ? fit.placement === "gpu" || fit.placement === "partial" : fit.placement === "cpu";
        };
        expect(accept(limit), `${profile.name} ${placement} at ${limit}`).toBe(true);
        expect(accept(limit + 256), `${profile.name} ${placement} at ${limit + 256}`).toBe(false);
      }
    }
  });

  it("never shrinks when the host grows", () => {
    let previous = 0;
    for (const ramGB of [6, 8, 10, 12, 16, 24, 32]) {
      const limit = maxContext(qwen7b, host({ ramGB })).contextLength ?? 0;
      expect(limit, `${ramGB} GB`).toBeGreaterThanOrEqual(previous);
      previous = limit;
    }
    expect(previous).toBe(32_768);
  });

  it("is larger with a q8_0 cache and flash attention than with f16", () => {
    const small = host({ ramGB: 8 });
    const f16 = maxContext(qwen7b, small).contextLength ?? 0;
    const q8 = maxContext(qwen7b, small, { cacheTypeK: "q8_0", cacheTypeV: "q8_0", flashAttention: true }).contextLength ?? 0;
    expect(q8).toBeGreaterThan(f16);
  });

  it("is null when not even 256 tokens fit", () => {
    expect(maxContext(shapeOf("llama3.1-70b"), CPU_16)).toEqual({ contextLength: null, placement: "none", byPlacement: { gpu: null, partial: null, cpu: null } });
  });
});
