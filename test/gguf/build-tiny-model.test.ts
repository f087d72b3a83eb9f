import { describe, expect, it } from "vitest";
import {
  buildTinyModel,
  float32ToFloat16Bits,
  formatSizeLabel,
  ggufShardFileName,
  quantizeQ4_0,
  quantizeQ8_0,
  splitGguf,
} from "../../lib/gguf/build-tiny-model.ts";
import { GgufValueType, type GgufValue } from "../../lib/gguf/gguf-value-type.ts";
import { readGgufHeaderFromBytes, type GgufHeader } from "../../lib/gguf/read-gguf-header.ts";

const everything = { inlineArrayLength: 1_000_000, maxInlineArrayItems: 10_000_000 };
const parse = (bytes: Uint8Array): GgufHeader => readGgufHeaderFromBytes(bytes, { fileLabel: "tiny.gguf", limits: everything });
const items = (header: GgufHeader, key: string): GgufValue[] => {
  const value = header.metadata.get(key)?.value;
  return typeof value === "object" ? [...value.head] : [];
};
// Buffer.equals: vitest's deep equality walks typed arrays element by element.
const sameBytes = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && Buffer.from(a).equals(Buffer.from(b));
const get = (header: GgufHeader, key: string): GgufValue | undefined => header.metadata.get(key)?.value;

describe("buildTinyModel", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    expect(sameBytes(buildTinyModel({ seed: 7 }), buildTinyModel({ seed: 7 }))).toBe(true);
    expect(sameBytes(buildTinyModel({ seed: 7 }), buildTinyModel({ seed: 8 }))).toBe(false);
  });

  it("has llama's tensors in ggml order: [n_embd, n_vocab] embeddings, GQA-shaped K/V", () => {
    const header = parse(buildTinyModel());
    const dims = Object.fromEntries(header.tensors.map((t) => [t.name, t.dims]));
    expect(dims).toMatchObject({
      "token_embd.weight": [64, 320],
      "blk.0.attn_q.weight": [64, 64],
      "blk.0.attn_k.weight": [64, 32],
      "blk.0.attn_v.weight": [64, 32],
      "blk.0.attn_output.weight": [64, 64],
      "blk.1.ffn_gate.weight": [64, 128],
      "blk.1.ffn_down.weight": [128, 64],
      "output_norm.weight": [64],
      "output.weight": [64, 320],
    });
    expect(header.tensorCount).toBe(21);
  });

  it("quantises matrices but keeps 1-D norms and biases F32", () => {
    for (const [fileType, typeName, code] of [
      ["F32", "F32", 0],
      ["F16", "F16", 1],
      ["Q8_0", "Q8_0", 7],
      ["Q4_0", "Q4_0", 2],
    ] as const) {
      const header = parse(buildTinyModel({ architecture: "qwen2", fileType }));
      for (const tensor of header.tensors) expect(tensor.typeName).toBe(tensor.dims.length === 1 ? "F32" : typeName);
      expect(get(header, "general.file_type")).toBe(code);
      expect(header.metadata.has("general.quantization_version")).toBe(fileType === "Q8_0" || fileType === "Q4_0");
    }
  });

  it("labels the size from the real parameter count, gguf-py style", () => {
    expect(get(parse(buildTinyModel()), "general.size_label")).toBe("115K");
    // 2 × 512·320 embeddings + 4 layers × (2·512 norms + 2·512² + 2·512·128 + 3·512·1024) + 512 = 9,245,184
    const midSize = buildTinyModel({ embeddingLength: 512, headCount: 8, headCountKv: 2, blockCount: 4, feedForwardLength: 1024 });
    expect(get(parse(midSize), "general.size_label")).toBe("9.2M");
  });

  it("writes hyperparameters as UINT32 and FLOAT32, the types llama.cpp demands", () => {
    const header = parse(buildTinyModel());
    expect(header.metadata.get("llama.context_length")?.type).toBe(GgufValueType.UINT32);
    expect(header.metadata.get("llama.attention.layer_norm_rms_epsilon")?.type).toBe(GgufValueType.FLOAT32);
  });

  it("builds an SPM vocabulary with byte-fallback tokens and scores", () => {
    const header = parse(buildTinyModel({ tokenizer: "llama" }));
    const tokens = items(header, "tokenizer.ggml.tokens");
    expect(tokens).toHaveLength(320);
    expect(tokens.slice(0, 4)).toEqual(["<unk>", "<s>", "</s>", "<0x00>"]);
    expect(tokens[3 + 0x41]).toBe("<0x41>");
    expect(items(header, "tokenizer.ggml.scores")).toHaveLength(320);
    expect(new Set(tokens).size).toBe(320);
  });

  it("builds a byte-level BPE vocabulary whose merges only join existing tokens", () => {
    const header = parse(buildTinyModel({ architecture: "qwen2", tokenizer: "gpt2" }));
    const tokens = items(header, "tokenizer.ggml.tokens").map(String);
    const known = new Set(tokens);
    const merges = items(header, "tokenizer.ggml.merges").map(String);
    expect(get(header, "tokenizer.ggml.model")).toBe("gpt2");
    expect(get(header, "tokenizer.ggml.pre")).toBe("qwen2");
    expect(tokens).toHaveLength(320);
    expect(known.size).toBe(320);
    expect(merges.length).toBeGreaterThan(0);
    for (const merge of merges) {
      const [left, right] = merge.split(" ");
      expect(known.has(left ?? "") && known.has(right ?? "") && known.has(`${left}${right}`), merge).toBe(true);
    }
  });

  it("builds BPE vocabularies larger than the built-in merge list", () => {
    const tokens = items(parse(buildTinyModel({ tokenizer: "gpt2", vocabSize: 2000 })), "tokenizer.ggml.tokens");
    expect(new Set(tokens).size).toBe(2000);
  });

  it("omits output.weight for tied embeddings", () => {
    const names = parse(buildTinyModel({ tiedEmbeddings: true })).tensors.map((t) => t.name);
    expect(names).not.toContain("output.weight");
    expect(names).toContain("token_embd.weight");
  });

  it("writes the chat template, license and alignment it is given", () => {
    const header = parse(buildTinyModel({ chatTemplate: "{{ x }}", license: "apache-2.0", alignment: 64, version: 2 }));
    expect(get(header, "tokenizer.chat_template")).toBe("{{ x }}");
    expect(get(header, "general.license")).toBe("apache-2.0");
    expect(header.alignment).toBe(64);
    expect(header.version).toBe(2);
  });
});

describe("quantisation blocks", () => {
  it("converts to IEEE half precision with round-to-nearest-even", () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(0.1)).toBe(0x2e66);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(float32ToFloat16Bits(2 ** -26)).toBe(0);
    expect(float32ToFloat16Bits(Number.NaN) & 0x7e00).toBe(0x7e00);
  });

  it("encodes Q8_0 as an f16 scale and 32 int8 values", () => {
    const values = Float32Array.from({ length: 32 }, (_, i) => (i - 16) / 16);
    const block = quantizeQ8_0(values);
    const view = new DataView(block.buffer);
    expect(block.length).toBe(34);
    expect(view.getUint16(0, true)).toBe(float32ToFloat16Bits(1 / 127));
    expect(view.getInt8(2)).toBe(-127); // -1.0
    expect(view.getInt8(2 + 16)).toBe(0); // 0.0
    expect(view.getInt8(2 + 31)).toBe(Math.round((15 / 16) * 127));
  });

  it("encodes Q4_0 as an f16 scale and 16 bytes of nibble pairs", () => {
    const values = Float32Array.from({ length: 32 }, (_, i) => (i < 16 ? -8 : 7));
    const block = quantizeQ4_0(values);
    expect(block.length).toBe(18);
    expect(new DataView(block.buffer).getUint16(0, true)).toBe(float32ToFloat16Bits(1)); // d = -8 / -8
    // q = x/d + 8: -8 → 0 in the low nibble, 7 → 15 in the high nibble.
    expect(Array.from(block.subarray(2))).toEqual(Array.from({ length: 16 }, () => 0xf0));
  });
});

describe("formatSizeLabel", () => {
  it("matches gguf-py's rounded notation", () => {
    expect(formatSizeLabel(115_008)).toBe("115K");
    expect(formatSizeLabel(9_441_792)).toBe("9.4M");
    expect(formatSizeLabel(7_241_732_096)).toBe("7.2B");
    expect(formatSizeLabel(70_553_706_496)).toBe("71B");
    expect(formatSizeLabel(1.5e12)).toBe("1.5T");
    expect(formatSizeLabel(500)).toBe("0.50K");
  });
});

describe("splitGguf", () => {
  const model = buildTinyModel({ alignment: 64 });
  const original = parse(model);

  it("writes complete GGUF shards with gguf-split's keys and types", () => {
    const shards = splitGguf(model, 3).map(parse);
    shards.forEach((shard, i) => {
      expect(shard.metadata.get("split.no")).toEqual({ key: "split.no", type: GgufValueType.UINT16, value: i });
      expect(shard.metadata.get("split.count")).toEqual({ key: "split.count", type: GgufValueType.UINT16, value: 3 });
      expect(shard.metadata.get("split.tensors.count")).toEqual({ key: "split.tensors.count", type: GgufValueType.INT32, value: 21 });
    });
  });

  it("keeps all other metadata in the first shard only", () => {
    const [first, second] = splitGguf(model, 3).map(parse);
    expect(first?.metadataCount).toBe(original.metadataCount + 3);
    expect(Array.from(first?.metadata.values() ?? []).slice(0, original.metadataCount)).toEqual(Array.from(original.metadata.values()));
    expect(second?.metadataCount).toBe(3);
    expect(second?.alignment).toBe(32); // no general.alignment there, as with gguf-split
  });

  it("spreads the tensors in order, with identical data", () => {
    const shardBytes = splitGguf(model, 3);
    const collected = shardBytes.flatMap((bytes) => {
      const shard = parse(bytes);
      return shard.tensors.map((t) => {
        const start = shard.tensorDataOffset + Number(t.offset);
        return { name: t.name, dims: t.dims, data: bytes.subarray(start, start + Number(t.byteSize)) };
      });
    });
    expect(collected.map((t) => t.name)).toEqual(original.tensors.map((t) => t.name));
    original.tensors.forEach((t, i) => {
      const start = original.tensorDataOffset + Number(t.offset);
      expect(sameBytes(collected[i]?.data, model.subarray(start, start + Number(t.byteSize))), t.name).toBe(true);
    });
    expect(shardBytes.map((b) => parse(b).tensorCount)).toEqual([7, 7, 7]);
  });

  it("refuses more shards than tensors", () => {
    expect(() => splitGguf(model, 22)).toThrow(/shardCount must be an integer from 1 to the tensor count 21/);
  });

  it("names shards like llama.cpp, counting from 1", () => {
    expect(ggufShardFileName("tiny", 0, 3)).toBe("tiny-00001-of-00003.gguf");
  });
});
