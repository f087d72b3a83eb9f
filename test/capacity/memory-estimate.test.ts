import { describe, expect, it } from "vitest";
import { CPU_RUNTIME_FOOTPRINT_BYTES, GPU_RUNTIME_FOOTPRINT_BYTES, estimateMemory } from "../../lib/capacity/memory-estimate.ts";
import { modelShapeFromGguf, modelShapeFromReference } from "../../lib/capacity/memory-shape.ts";
import { findReferenceModel } from "../../lib/capacity/reference-models.ts";
import { buildTinyModel, type TinyModelOptions } from "../../lib/gguf/build-tiny-model.ts";
import { readGgufHeaderFromBytes } from "../../lib/gguf/read-gguf-header.ts";
import { summarizeGguf } from "../../lib/gguf/summarize-gguf.ts";

const GiB = 1024 ** 3;

function tinyShape(options: TinyModelOptions = {}, withTensors = true) {
  const bytes = buildTinyModel({ seed: 1, ...options });
  const header = readGgufHeaderFromBytes(bytes, { fileLabel: "tiny.gguf" });
  const summary = summarizeGguf(header, bytes.length);
  return { summary, shape: modelShapeFromGguf(summary, withTensors ? header.tensors : undefined) };
}

function reference(id: string) {
  const model = findReferenceModel(id);
  if (!model) throw new Error(`no reference model ${id}`);
  return model;
}

describe("memory estimate: terms", () => {
  it("adds up: total = weights + KV + compute + overhead, overhead = its parts, and the devices sum to the same", () => {
    const { shape } = tinyShape({ embeddingLength: 512, headCount: 8, headCountKv: 2, blockCount: 4, feedForwardLength: 1024, contextLength: 4096 });
    for (const gpuLayers of [0, 2, 4]) {
      const estimate = estimateMemory(shape, { contextLength: 4096, gpuLayers });
      expect(estimate.totalBytes).toBe(estimate.weightsBytes + estimate.kvCacheBytes + estimate.computeBytes + estimate.overheadBytes);
      expect(Object.values(estimate.breakdown.overhead).reduce((sum, term) => sum + term.bytes, 0)).toBe(estimate.overheadBytes);
      expect(estimate.devices.reduce((sum, device) => sum + device.totalBytes, 0)).toBe(estimate.totalBytes);
      expect(estimate.kvCacheBytes).toBe(estimate.kvCache.keyBytes + estimate.kvCache.valueBytes);
    }
  });

  it("explains every term", () => {
    const { shape } = tinyShape();
    const estimate = estimateMemory(shape);
    for (const term of [estimate.breakdown.weights, estimate.breakdown.kvCache, estimate.breakdown.compute, ...Object.values(estimate.breakdown.overhead)]) {
      expect(term.explanation.length).toBeGreaterThan(10);
    }
    expect(Object.keys(estimate.breakdown.overhead)).toEqual(["runtime", "modelLoad", "header", "tokenizer", "outputBuffer", "graph"]);
  });

  it("counts a GGUF's weights as its tensor bytes and its header as the rest of the file", () => {
    const { summary, shape } = tinyShape({ fileType: "Q8_0" });
    const estimate = estimateMemory(shape);
    expect(estimate.weightsBytes).toBe(summary.tensorBytes);
    expect(estimate.breakdown.overhead.header?.bytes).toBe(summary.fileSizeBytes - summary.tensorBytes);
  });

  it("defaults to the model's native context, f16 caches and the CPU", () => {
    const { shape } = tinyShape({ contextLength: 2048 });
    const estimate = estimateMemory(shape);
    expect(estimate).toMatchObject({ contextLength: 2048, gpuLayers: 0, fullyOffloaded: false });
    expect(estimate.kvCache.layout).toMatchObject({ cacheTypeK: "f16", cacheTypeV: "f16", flashAttention: false, ubatch: 512 });
    expect(estimate.devices.map((d) => d.device)).toEqual(["cpu"]);
    expect(estimate.breakdown.overhead.runtime?.bytes).toBe(CPU_RUNTIME_FOOTPRINT_BYTES);
  });

  it("grows the attention scores with the context when flash attention is off, and not when it is on", () => {
    const { shape } = tinyShape({ embeddingLength: 512, headCount: 8, headCountKv: 2, blockCount: 4, feedForwardLength: 1024, contextLength: 8192 });
    const at = (contextLength: number, flashAttention: boolean) => estimateMemory(shape, { contextLength, flashAttention }).computeBytes;
    // 8 heads × 4096 more cells × 512 tokens × 4 B + the F32 mask row.
    expect(at(8192, false) - at(4096, false)).toBe((8 + 1) * 4096 * 512 * 4);
    expect(at(8192, true) - at(4096, true)).toBeLessThan(at(8192, false) - at(4096, false) / 4);
  });

  it("sizes the output buffer like llama.cpp: one row of logits per sequence", () => {
    const { shape } = tinyShape({ vocabSize: 1000 });
    expect(estimateMemory(shape, { contextLength: 1024, parallel: 2 }).breakdown.overhead.outputBuffer?.bytes).toBe(1000 * 2 * 4);
  });

  it("rejects a negative layer count", () => {
    const { shape } = tinyShape();
    expect(() => estimateMemory(shape, { gpuLayers: -1 })).toThrow("gpuLayers must be a non-negative integer, got -1");
  });
});

describe("memory estimate: devices", () => {
  it("keeps the token embeddings on the CPU and the rest on the GPU when fully offloaded", () => {
    const { shape } = tinyShape({ blockCount: 4 });
    const estimate = estimateMemory(shape, { gpuLayers: 4 });
    const [cpu, gpu] = estimate.devices;
    expect(estimate.fullyOffloaded).toBe(true);
    expect(cpu?.weights.bytes).toBe(shape.weights.inputBytes);
    expect(gpu?.weights.bytes).toBe(shape.weights.layerBytes + shape.weights.outputBytes);
    expect(gpu?.kvCache.bytes).toBe(estimate.kvCacheBytes);
    expect(gpu?.overhead.bytes).toBe(GPU_RUNTIME_FOOTPRINT_BYTES);
    expect(cpu?.compute.bytes).toBeLessThan(gpu?.compute.bytes ?? 0);
  });

  it("copies tied embeddings to the GPU as the output layer, as gguf-parser counts them", () => {
    const { shape } = tinyShape({ tiedEmbeddings: true });
    expect(shape.weights.tiedEmbeddings).toBe(true);
    const cpuOnly = estimateMemory(shape);
    const offloaded = estimateMemory(shape, { gpuLayers: shape.layers });
    expect(cpuOnly.weightsBytes).toBe(shape.weights.totalBytes);
    expect(offloaded.weightsBytes).toBe(shape.weights.totalBytes + shape.weights.inputBytes);
  });

  it("puts the first blocks on the CPU and the last ones on the GPU in a partial offload", () => {
    const { shape } = tinyShape({ blockCount: 4 });
    const estimate = estimateMemory(shape, { gpuLayers: 1 });
    expect(estimate.devices.map((d) => [d.device, d.layers, d.holdsOutputLayer])).toEqual([
      ["cpu", 3, true],
      ["gpu0", 1, false],
    ]);
    expect(estimate.devices[1]?.kvCache.bytes).toBe(estimate.kvCacheBytes / 4);
  });

  it("spreads offloaded layers over GPUs by the split, the output layer counting as one more on the last GPU (gguf-parser)", () => {
    const { shape } = tinyShape({ blockCount: 4 });
    const estimate = estimateMemory(shape, { gpuLayers: 4, gpuSplit: [1, 1] });
    expect(estimate.devices.map((d) => [d.layers, d.holdsOutputLayer])).toEqual([
      [0, false],
      [3, false],
      [1, true],
    ]);
  });
});

describe("memory estimate: reference models", () => {
  it("sizes Qwen2.5 7B at Q4_K_M from parameters × bits per weight", () => {
    const shape = modelShapeFromReference(reference("qwen2.5-7b"), "q4_k_m");
    expect(shape.quant).toBe("Q4_K_M");
    expect(shape.weights.totalBytes).toBe(Math.ceil((reference("qwen2.5-7b").parameters * 4.8944) / 8));
    const estimate = estimateMemory(shape, { contextLength: 32_768 });
    // 28 layers × 4 KV heads × 128 × 2 (K, V) × 2 B × 32768 cells.
    expect(estimate.kvCacheBytes).toBe(28 * 4 * 128 * 2 * 2 * 32_768);
    // Without flash attention the 28 heads' scores over 32768 cells for 512 tokens take 1.75 GiB more.
    expect(estimate.computeBytes).toBeGreaterThan(28 * 32_768 * 512 * 4);
    expect(estimate.totalBytes / GiB).toBeGreaterThan(7.5);
    expect(estimate.totalBytes / GiB).toBeLessThan(9);
    expect(estimateMemory(shape, { contextLength: 32_768, flashAttention: true }).totalBytes / GiB).toBeLessThan(7);
    expect(estimate.notes.join(" ")).toMatch(/bits per weight/);
  });

  it("applies Gemma 2's sliding window to every other layer", () => {
    const shape = modelShapeFromReference(reference("gemma2-9b"), "Q4_K_M");
    expect(shape.slidingWindow).toEqual({ size: 4096, period: 2 });
    const estimate = estimateMemory(shape, { contextLength: 8192 });
    expect(estimate.kvCache.layout.swaLayers).toBe(shape.layers / 2);
    expect(estimate.kvCacheBytes).toBeLessThan(estimateMemory({ ...shape, slidingWindow: null }, { contextLength: 8192 }).kvCacheBytes);
  });

  it("gives embedding models no KV cache", () => {
    const estimate = estimateMemory(modelShapeFromReference(reference("nomic-embed-text"), "F16"), { contextLength: 2048 });
    expect(estimate.kvCacheBytes).toBe(0);
    expect(estimate.notes.join(" ")).toMatch(/embedding model/);
  });

  it("names the unknown quantisation", () => {
    expect(() => modelShapeFromReference(reference("qwen2.5-7b"), "Q9_Z")).toThrow(/unknown quantisation "Q9_Z"/);
  });
});

describe("memory shape from a GGUF", () => {
  it("reads gemma2's window from the metadata", () => {
    const { shape } = tinyShape({ architecture: "gemma2", contextLength: 8192 });
    expect(shape.slidingWindow).toEqual({ size: 4096, period: 2 });
  });

  it("splits weights exactly with the tensor list, and estimates the split without it", () => {
    const exact = tinyShape({}, true).shape.weights;
    const estimated = tinyShape({}, false).shape.weights;
    expect(exact.exact).toBe(true);
    expect(estimated.exact).toBe(false);
    expect(exact.inputBytes + exact.layerBytes + exact.outputBytes).toBe(exact.totalBytes);
    expect(estimated.totalBytes).toBe(exact.totalBytes);
    expect(Math.abs(estimated.inputBytes - exact.inputBytes) / exact.inputBytes).toBeLessThan(0.2);
  });

  it("says which hyperparameter is missing", () => {
    const { summary } = tinyShape();
    expect(() => modelShapeFromGguf({ ...summary, blockCount: null })).toThrow("the GGUF header has no usable llama.block_count: the memory estimate needs it");
  });
});
