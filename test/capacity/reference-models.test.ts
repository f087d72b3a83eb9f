// Built-in reference models: the list, its hyperparameters (checked against the parameter counts) and lookups.
import { describe, expect, it } from "vitest";
import { REFERENCE_MODELS, findReferenceModel, nominalParameters, type ReferenceModel } from "../../lib/capacity/reference-models.ts";

/**
 * Parameter count implied by the hyperparameters, per architecture (HF modelling code): attention,
 * gated FFN (3 matrices; BERT: 2 with biases), norms, embeddings. If a transcribed number were wrong,
 * the total would not match the published safetensors count.
 */
function parametersFromShape(m: ReferenceModel): number {
  const q = m.heads * m.headDim;
  const kv = m.kvHeads * m.headDim;
  const e = m.embedding;
  switch (m.architecture) {
    case "qwen2":
    case "llama": {
      const qkvBias = m.architecture === "qwen2" ? q + 2 * kv : 0;
      const layer = e * q + 2 * e * kv + qkvBias + q * e + 3 * e * m.feedForward + 2 * e;
      return m.layers * layer + m.vocab * e * (m.tiedEmbeddings ? 1 : 2) + e;
    }
    case "gemma2": {
      const layer = e * q + 2 * e * kv + q * e + 3 * e * m.feedForward + 4 * e;
      return m.layers * layer + m.vocab * e + e;
    }
    case "nomic-bert": {
      // Fused QKV and output without biases, SwiGLU FFN without biases, two LayerNorms; token types + LayerNorm; rotary positions.
      const layer = 3 * e * e + e * e + 3 * e * m.feedForward + 4 * e;
      return m.layers * layer + m.vocab * e + 2 * e + 2 * e;
    }
    case "bert": {
      // Q, K, V, output with biases; FFN with biases; two LayerNorms; positions, token types, LayerNorm; pooler.
      const layer = 4 * (e * e + e) + (e * m.feedForward + m.feedForward) + (m.feedForward * e + e) + 4 * e;
      return m.layers * layer + m.vocab * e + m.contextLength * e + 2 * e + 2 * e + (e * e + e);
    }
    default:
      return Number.NaN;
  }
}

describe("reference models", () => {
  it("include the models planning starts from", () => {
    const ids = REFERENCE_MODELS.map((model) => model.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "qwen2.5-0.5b", "qwen2.5-1.5b", "qwen2.5-3b", "qwen2.5-7b", "qwen2.5-14b", "qwen2.5-32b", "qwen2.5-72b",
        "llama3.1-8b", "llama3.1-70b", "llama3.2-1b", "llama3.2-3b", "llama3.3-70b",
        "deepseek-r1-7b", "deepseek-r1-14b", "deepseek-r1-32b", "mistral-7b",
        "gemma2-2b", "gemma2-9b", "gemma2-27b", "nomic-embed-text", "mxbai-embed-large",
      ]),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(REFERENCE_MODELS.map((model) => [model.id, model] as const))("%s: the hyperparameters reproduce the published parameter count", (_id, model) => {
    expect(parametersFromShape(model)).toBe(model.parameters);
  });

  it("cite the official config.json for every model", () => {
    for (const model of REFERENCE_MODELS) expect(model.source).toMatch(/^[\w.-]+\/[\w.-]+ config\.json \(huggingface\.co\//);
  });

  it("have consistent attention shapes", () => {
    for (const model of REFERENCE_MODELS) {
      expect(model.heads % model.kvHeads, model.id).toBe(0);
      if (model.architecture !== "gemma2") expect(model.heads * model.headDim, model.id).toBe(model.embedding);
    }
  });

  it("give Gemma 2 a 4096-token window on alternating layers, and nobody else a window", () => {
    for (const model of REFERENCE_MODELS) {
      expect(model.slidingWindow, model.id).toEqual(model.family === "gemma2" ? { size: 4096, everyNthLayer: 2 } : null);
    }
  });

  it("record the native context each converter stores", () => {
    expect(findReferenceModel("qwen2.5-7b")?.contextLength).toBe(32_768);
    expect(findReferenceModel("llama3.1-8b")?.contextLength).toBe(131_072);
    expect(findReferenceModel("deepseek-r1-14b")?.contextLength).toBe(131_072);
    expect(findReferenceModel("gemma2-9b")?.contextLength).toBe(8192);
    expect(findReferenceModel("nomic-embed-text")?.contextLength).toBe(2048);
    expect(findReferenceModel("mxbai-embed-large")?.contextLength).toBe(512);
  });

  it("mark embedding models and GGUF architectures", () => {
    expect(findReferenceModel("nomic-embed-text")).toMatchObject({ kind: "embedding", architecture: "nomic-bert", parameters: 136_731_648 });
    expect(findReferenceModel("mxbai-embed-large")).toMatchObject({ kind: "embedding", architecture: "bert" });
    expect(findReferenceModel("mistral-7b")).toMatchObject({ kind: "chat", architecture: "llama", vocab: 32_768 });
    expect(findReferenceModel("deepseek-r1-7b")).toMatchObject({ architecture: "qwen2" });
  });

  it("expose exactly the agreed fields", () => {
    expect(Object.keys(REFERENCE_MODELS[0] ?? {}).sort()).toEqual(
      [
        "id", "name", "family", "architecture", "parameters", "layers", "heads", "kvHeads", "headDim", "embedding",
        "feedForward", "vocab", "contextLength", "slidingWindow", "tiedEmbeddings", "kind", "source",
      ].sort(),
    );
  });
});

describe("finding a reference model", () => {
  it.each([
    ["qwen2.5-7b", "qwen2.5-7b"],
    ["Qwen2.5 7B Instruct", "qwen2.5-7b"],
    ["QWEN2.5-7B", "qwen2.5-7b"],
    ["qwen2.5:7b", "qwen2.5-7b"],
    ["qwen2.5:7b-instruct-q4_K_M", "qwen2.5-7b"],
    ["library/qwen2.5:latest", "qwen2.5-7b"],
    ["qwen2.5", "qwen2.5-7b"],
    ["Qwen/Qwen2.5-14B-Instruct", "qwen2.5-14b"],
    ["qwen2.5:0.5b", "qwen2.5-0.5b"],
    ["llama3.2", "llama3.2-3b"],
    ["llama3.3:70b-instruct-q4_K_M", "llama3.3-70b"],
    ["deepseek-r1:14b", "deepseek-r1-14b"],
    ["mistral:7b-instruct-v0.3-q4_K_M", "mistral-7b"],
    ["gemma2:27b", "gemma2-27b"],
    ["nomic-embed-text", "nomic-embed-text"],
    ["nomic-embed-text:v1.5", "nomic-embed-text"],
    ["mxbai-embed-large:335m", "mxbai-embed-large"],
  ])("%s → %s", (query, id) => {
    expect(findReferenceModel(query)?.id).toBe(id);
  });

  it("finds nothing for unknown names, and does not guess deepseek-r1:latest (a later Qwen3 distill)", () => {
    expect(findReferenceModel("qwen9:7b")).toBeUndefined();
    expect(findReferenceModel("qwen2.5:8b")).toBeUndefined();
    expect(findReferenceModel("deepseek-r1")).toBeUndefined();
    expect(findReferenceModel("")).toBeUndefined();
  });

  it("reads the size class from the name for rules of thumb", () => {
    const model = (id: string) => findReferenceModel(id) ?? REFERENCE_MODELS[0]!;
    expect(nominalParameters(model("qwen2.5-7b"))).toBe(7e9);
    expect(nominalParameters(model("qwen2.5-0.5b"))).toBe(0.5e9);
    expect(nominalParameters(model("nomic-embed-text"))).toBe(136_731_648);
  });
});
