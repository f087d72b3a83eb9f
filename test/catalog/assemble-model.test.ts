import { describe, expect, it } from "vitest";
import { assembleModel, displayNameFor, type ModelFileInput, type StoredSummary } from "../../lib/catalog/assemble-model.ts";

function summary(extra: Partial<StoredSummary> = {}): StoredSummary {
  return {
    ggufVersion: 3, tensorCount: 10, metadataCount: 20, tensorDataOffset: 4096, tensorBytes: 1000, parameterCount: 500,
    architecture: "llama", name: "Tiny", basename: "tiny", sizeLabel: "500", finetune: null, version: null, organization: null,
    modelType: "model", fileType: "F16", fileTypeSource: "metadata", contextLength: 256, embeddingLength: 64, blockCount: 2,
    feedForwardLength: 128, headCount: 4, headCountKv: 2, keyLength: 16, valueLength: 16, vocabSize: 320, expertCount: null,
    tokenizerModel: "llama", chatTemplate: null, license: null, split: null,
    tensorTypes: { F16: { count: 8, bytes: 900 }, F32: { count: 2, bytes: 100 } }, metadata: { "general.name": "Tiny" },
    ...extra,
  };
}

const shard = (index: number, count: number, extra: Partial<StoredSummary> = {}): ModelFileInput => ({
  relPath: `m/base-${String(index + 1).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.gguf`,
  sizeBytes: 2000n,
  fingerprint: `fp${index}`,
  summary: summary({ split: { index, count, tensorsCount: 30 }, ...(index > 0 ? { metadata: null, architecture: null } : {}), ...extra }),
});

describe("assembleModel", () => {
  it("sums tensors, parameters and bytes over all shards of a split model", () => {
    const model = assembleModel([shard(2, 3), shard(0, 3), shard(1, 3)], 3);
    expect(model.tensorCount).toBe(30);
    expect(model.parameterCount).toBe(1500n);
    expect(model.totalBytes).toBe(6000n);
    expect(model.shardCount).toBe(3);
    expect(model.problems).toEqual([]);
    expect(JSON.parse(model.tensorTypesJson)).toEqual({ F16: { count: 24, bytes: 2700 }, F32: { count: 6, bytes: 300 } });
  });

  it("takes identity and metadata from the first shard", () => {
    const model = assembleModel([shard(1, 3), shard(0, 3)], 3);
    expect(model.fingerprint).toBe("fp0");
    expect(model.architecture).toBe("llama");
  });

  it("reports a missing shard by its file name", () => {
    const model = assembleModel([shard(0, 3), shard(2, 3)], 3);
    expect(model.problems).toContain("missing shard 2 of 3 (base-00002-of-00003.gguf)");
  });

  it("reports a missing first shard and still names the model after its files", () => {
    const model = assembleModel([shard(1, 3), shard(2, 3)], 3);
    expect(model.problems.some((p) => p.startsWith("missing shard 1 of 3"))).toBe(true);
    expect(model.problems).toContain("the first shard (with the model metadata) is missing");
    expect(model.displayName).toBe("base");
  });

  it("reports shards whose tensor total disagrees with split.tensors.count", () => {
    const model = assembleModel([shard(0, 2), shard(1, 2)], 2);
    expect(model.problems[0]).toContain("split.tensors.count says 30");
  });
});

describe("displayNameFor", () => {
  it("prefers general.name", () => {
    expect(displayNameFor(summary({ name: "Qwen2.5 7B Instruct" }), "x.gguf")).toBe("Qwen2.5 7B Instruct");
  });
  it("falls back to basename + size label + finetune", () => {
    expect(displayNameFor(summary({ name: null, basename: "Qwen2.5", sizeLabel: "7B", finetune: "Instruct" }), "x.gguf")).toBe("Qwen2.5 7B Instruct");
  });
  it("falls back to the file name without the shard suffix", () => {
    expect(displayNameFor(summary({ name: null, basename: null, sizeLabel: null }), "dir/big-model-00001-of-00004.gguf")).toBe("big-model");
  });
});
