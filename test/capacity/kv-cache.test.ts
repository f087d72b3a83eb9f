import { describe, expect, it } from "vitest";
import { isSwaLayer, kvCacheBytes, kvCacheBytesPerElement, kvCacheLayout, type KvCacheShape } from "../../lib/capacity/kv-cache.ts";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const dense = (layers: number, kvHeads: number, headDim: number): KvCacheShape => ({ layers, kvHeads, keyLength: headDim, valueLength: headDim, slidingWindow: null });

describe("KV cache bytes", () => {
  it("is 1.5 GiB for 48 layers × 8 KV heads × 128 at f16 and context 8192 (formats.md §6)", () => {
    expect(kvCacheBytes(dense(48, 8, 128), { contextLength: 8192 }).totalBytes).toBe(1.5 * GiB);
  });

  it("is 6 GiB for the same model at context 32768", () => {
    expect(kvCacheBytes(dense(48, 8, 128), { contextLength: 32_768 }).totalBytes).toBe(6 * GiB);
  });

  it("splits K and V: 4 MiB each for 4 layers × 2 KV heads × 64 at context 4096 (formats.md §2.4)", () => {
    const size = kvCacheBytes(dense(4, 2, 64), { contextLength: 4096 });
    expect(size).toMatchObject({ keyBytes: 4 * MiB, valueBytes: 4 * MiB, totalBytes: 8 * MiB });
  });

  it("counts K and V separately when their head sizes differ", () => {
    const size = kvCacheBytes({ layers: 2, kvHeads: 4, keyLength: 192, valueLength: 128, slidingWindow: null }, { contextLength: 256 });
    expect(size.keyBytes).toBe(2 * 256 * 4 * 192 * 2);
    expect(size.valueBytes).toBe(2 * 256 * 4 * 128 * 2);
  });

  it("gives one entry per layer that adds up to the total", () => {
    const size = kvCacheBytes(dense(5, 2, 64), { contextLength: 2048 });
    expect(size.perLayerBytes).toHaveLength(5);
    expect(size.perLayerBytes.reduce((a, b) => a + b, 0)).toBe(size.totalBytes);
  });
});

describe("cache types", () => {
  it("uses ggml's block sizes: f32 4, f16 2, q8_0 34/32, q4_0 18/32 bytes per element", () => {
    expect(kvCacheBytesPerElement("f32")).toBe(4);
    expect(kvCacheBytesPerElement("f16")).toBe(2);
    expect(kvCacheBytesPerElement("q8_0")).toBe(34 / 32);
    expect(kvCacheBytesPerElement("q4_0")).toBe(18 / 32);
  });

  it("makes a q8_0 K cache 2.125 MiB where f16 is 4 MiB (formats.md §2.4)", () => {
    const size = kvCacheBytes(dense(4, 2, 64), { contextLength: 4096, cacheTypeK: "q8_0", cacheTypeV: "q8_0", flashAttention: true });
    expect(size.keyBytes).toBe(2.125 * MiB);
    expect(size.valueBytes).toBe(2.125 * MiB);
  });

  it("counts a quantized V cache without flash attention as f16, and says so", () => {
    const size = kvCacheBytes(dense(4, 2, 64), { contextLength: 4096, cacheTypeV: "q4_0" });
    expect(size.layout.cacheTypeV).toBe("f16");
    expect(size.valueBytes).toBe(4 * MiB);
    expect(size.notes.join(" ")).toMatch(/q4_0 V cache needs flash attention/);
  });

  it("keeps a quantized K cache without flash attention (llama.cpp allows it)", () => {
    const size = kvCacheBytes(dense(4, 2, 64), { contextLength: 4096, cacheTypeK: "q4_0" });
    expect(size.layout.cacheTypeK).toBe("q4_0");
    expect(size.keyBytes).toBe(1.125 * MiB);
  });

  it("rejects a quantized type whose block does not divide the row", () => {
    expect(() => kvCacheBytes({ layers: 1, kvHeads: 1, keyLength: 40, valueLength: 40, slidingWindow: null }, { contextLength: 256, cacheTypeK: "q8_0" })).toThrow(
      "K cache type q8_0 needs a row length divisible by 32, got 40",
    );
  });
});

describe("context padding and sequences", () => {
  it("pads the context up to a multiple of 256 cells and says so", () => {
    const size = kvCacheBytes(dense(4, 2, 64), { contextLength: 1000 });
    expect(size.layout.contextCells).toBe(1024);
    expect(size.totalBytes).toBe(2 * MiB);
    expect(size.notes.join(" ")).toMatch(/padded to 1024 cells/);
  });

  it("gives each parallel sequence its own stream of n_ctx / n_seq cells, padded to 256", () => {
    const layout = kvCacheLayout(dense(4, 2, 64), { contextLength: 3072, parallel: 2 });
    expect(layout).toMatchObject({ streams: 2, cellsPerStream: 1536, contextCells: 3072 });
    const odd = kvCacheLayout(dense(4, 2, 64), { contextLength: 1000, parallel: 3 });
    // pad(1000) = 1024 → 1024 / 3 = 341 → pad 512 per stream → 1536 cells.
    expect(odd).toMatchObject({ streams: 3, cellsPerStream: 512, contextCells: 1536 });
  });

  it("keeps one stream with a unified cache", () => {
    expect(kvCacheLayout(dense(4, 2, 64), { contextLength: 3072, parallel: 2, kvUnified: true })).toMatchObject({ streams: 1, cellsPerStream: 3072 });
  });

  it("limits the batch by the context and the ubatch by the batch", () => {
    expect(kvCacheLayout(dense(1, 1, 64), { contextLength: 256 })).toMatchObject({ batch: 256, ubatch: 256 });
    expect(kvCacheLayout(dense(1, 1, 64), { contextLength: 4096, batch: 128, ubatch: 512 })).toMatchObject({ batch: 128, ubatch: 128 });
  });

  it("rejects a context that is not a positive integer", () => {
    expect(() => kvCacheBytes(dense(1, 1, 64), { contextLength: 0 })).toThrow("contextLength must be a positive integer, got 0");
  });
});

describe("sliding-window layers", () => {
  const gemma2 = (layers: number): KvCacheShape => ({ layers, kvHeads: 4, keyLength: 64, valueLength: 64, slidingWindow: { size: 4096, period: 2 } });

  it("windows every other layer for gemma2, starting with layer 0", () => {
    expect([0, 1, 2, 3, 4].map((il) => isSwaLayer(il, 2))).toEqual([true, false, true, false, true]);
    expect([0, 5, 6, 11].map((il) => isSwaLayer(il, 6))).toEqual([true, false, true, false]);
  });

  it("gives windowed layers pad(window + ubatch) cells: 4096 + 513 → 4864 at context 8192", () => {
    const size = kvCacheBytes(gemma2(3), { contextLength: 8192, ubatch: 513, batch: 513 });
    expect(size.layout).toMatchObject({ swaLayers: 2, fullLayers: 1, swaCellsPerStream: 4864, cellsPerStream: 8192 });
    const row = 4 * 64 * 2;
    expect(size.keyBytes).toBe(8192 * row + 2 * 4864 * row);
    expect(size.caches.map((c) => [c.kind, c.layers, c.cellsPerStream])).toEqual([
      ["full", 1, 8192],
      ["swa", 2, 4864],
    ]);
  });

  it("never gives a windowed layer more cells than the context", () => {
    expect(kvCacheLayout(gemma2(4), { contextLength: 2048 }).swaCellsPerStream).toBe(2048);
  });

  it("sizes the window per stream when each sequence has its own", () => {
    // 5000 × 2 sequences: 5120 cells per stream; window 4096 + ubatch 257 → 4608.
    expect(kvCacheLayout(gemma2(3), { contextLength: 10_000, parallel: 2, ubatch: 257, batch: 257 })).toMatchObject({ cellsPerStream: 5120, swaCellsPerStream: 4608 });
  });

  it("gives windowed layers full caches with swaFull", () => {
    const full = kvCacheBytes(gemma2(4), { contextLength: 8192, swaFull: true });
    expect(full.totalBytes).toBe(kvCacheBytes({ ...gemma2(4), slidingWindow: null }, { contextLength: 8192 }).totalBytes);
  });
});
