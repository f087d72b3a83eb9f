import { describe, expect, it } from "vitest";
import { bufferSource } from "../../lib/gguf/byte-source.ts";
import { buildTinyModel, splitGguf } from "../../lib/gguf/build-tiny-model.ts";
import { GgmlType } from "../../lib/gguf/ggml-types.ts";
import { GgufValueType } from "../../lib/gguf/gguf-value-type.ts";
import { readGgufHeader } from "../../lib/gguf/read-gguf-header.ts";
import { summarizeGguf, type GgufSummary } from "../../lib/gguf/summarize-gguf.ts";
import { writeGguf, type GgufKv, type GgufTensorInput } from "../../lib/gguf/write-gguf.ts";
import { allValueTypesFile } from "../helpers/gguf-fixtures.ts";

const T = GgufValueType;

async function summarize(bytes: Uint8Array): Promise<GgufSummary> {
  const header = await readGgufHeader(bufferSource(bytes), { fileLabel: "model.gguf" });
  return summarizeGguf(header, bytes.length);
}

const matrix = (name: string, type: number): GgufTensorInput => ({ name, dims: [256, 2], type });
const norm = (name: string): GgufTensorInput => ({ name, dims: [256], type: GgmlType.F32 });

describe("summarizeGguf", () => {
  it("summarises the default tiny llama model like llama.cpp describes it", async () => {
    const summary = await summarize(buildTinyModel({ name: "Tiny Llama", license: "mit" }));
    expect(summary).toMatchObject({
      ggufVersion: 3,
      tensorCount: 21,
      architecture: "llama",
      name: "Tiny Llama",
      basename: "tiny-llama",
      sizeLabel: "115K",
      modelType: "model",
      license: "mit",
      parameterCount: 115_008,
      fileType: "F16",
      fileTypeSource: "metadata",
      fileTypeCode: 1,
      contextLength: 256,
      embeddingLength: 64,
      blockCount: 2,
      feedForwardLength: 128,
      headCount: 4,
      headCountKv: 2,
      keyLength: 16,
      valueLength: 16,
      vocabSize: 320,
      expertCount: null,
      tokenizerModel: "llama",
      split: null,
      tensorBytes: 230_656, // formats.md 1.7: what llama.cpp reports as model size
      tensorTypes: { F16: { count: 16, bytes: 229_376 }, F32: { count: 5, bytes: 1280 } },
    });
    expect(summary.chatTemplate).toContain("<|im_start|>");
  });

  it("gives the file size as data start plus every tensor padded to the alignment", async () => {
    for (const alignment of [32, 64]) {
      const bytes = buildTinyModel({ fileType: "Q8_0", alignment });
      const summary = await summarize(bytes);
      expect(summary.alignment).toBe(alignment);
      expect(summary.expectedFileSizeBytes).toBe(bytes.length);
      expect(summary.fileSizeBytes).toBe(bytes.length);
    }
  });

  it("labels the quantisation from general.file_type", async () => {
    expect((await summarize(buildTinyModel({ fileType: "Q8_0" }))).fileType).toBe("Q8_0");
    expect((await summarize(buildTinyModel({ fileType: "Q4_0" }))).fileType).toBe("Q4_0");
    const q4km = writeGguf({ metadata: [{ key: "general.file_type", type: T.UINT32, value: 15 }], tensors: [] });
    expect(await summarize(q4km)).toMatchObject({ fileType: "Q4_K_M", fileTypeSource: "metadata", fileTypeCode: 15 });
  });

  it("treats general.file_type 0 as F32, as llama.cpp does", async () => {
    const summary = await summarize(buildTinyModel({ fileType: "F32" }));
    expect(summary).toMatchObject({ fileType: "F32", fileTypeSource: "metadata", fileTypeCode: 0 });
  });

  it("labels an unknown general.file_type code as unknown without failing", async () => {
    const bytes = writeGguf({ metadata: [{ key: "general.file_type", type: T.UINT32, value: 999 }], tensors: [] });
    expect(await summarize(bytes)).toMatchObject({ fileType: "unknown", fileTypeSource: "metadata", fileTypeCode: 999 });
  });

  it("falls back to the dominant type of the weight matrices when general.file_type is absent", async () => {
    const bytes = writeGguf({
      metadata: [],
      tensors: [
        matrix("a", GgmlType.Q4_K),
        matrix("b", GgmlType.Q4_K),
        matrix("c", GgmlType.Q6_K),
        // More 1-D F32 norms than matrices: llama.cpp would count them, but they never carry the quantisation.
        norm("n1"),
        norm("n2"),
        norm("n3"),
        norm("n4"),
      ],
    });
    expect(await summarize(bytes)).toMatchObject({ fileType: "Q4_K_M", fileTypeSource: "dominant-tensor-type", fileTypeCode: 15 });
  });

  it("formats a guessed Q8_0 like llama.cpp", async () => {
    const bytes = writeGguf({ metadata: [], tensors: [matrix("a", GgmlType.Q8_0), matrix("b", GgmlType.F16), matrix("c", GgmlType.Q8_0)] });
    expect(await summarize(bytes)).toMatchObject({ fileType: "Q8_0", fileTypeSource: "dominant-tensor-type" });
  });

  it("reports an unknown file type when there are no tensors and no general.file_type", async () => {
    const bytes = writeGguf({ metadata: [], tensors: [] });
    expect(await summarize(bytes)).toMatchObject({ fileType: "unknown", fileTypeSource: "unknown", fileTypeCode: null });
  });

  it("lists tensors of unknown type with an unknown byte count", async () => {
    const bytes = writeGguf({ metadata: [], tensors: [{ name: "x", dims: [8], type: 77, data: new Uint8Array(5) }] });
    const summary = await summarize(bytes);
    expect(summary.tensorTypes).toEqual({ "unknown(77)": { count: 1, bytes: null } });
    expect(summary.expectedFileSizeBytes).toBeNull();
    expect(summary.parameterCount).toBe(8);
  });

  it("counts parameters as the sum over tensors of the product of their dims", async () => {
    const bytes = writeGguf({
      metadata: [],
      tensors: [
        { name: "a", dims: [64, 10], type: GgmlType.F16 },
        { name: "b", dims: [32, 2, 3], type: GgmlType.F32 },
        { name: "c", dims: [7], type: GgmlType.F32 },
      ],
    });
    expect((await summarize(bytes)).parameterCount).toBe(640 + 192 + 7);
  });

  it("accepts UINT32, UINT64 and INT32 for counts and ignores wrongly typed optional keys", async () => {
    const metadata: GgufKv[] = [
      { key: "general.architecture", type: T.STRING, value: "llama" },
      { key: "general.name", type: T.UINT32, value: 7 },
      { key: "llama.context_length", type: T.UINT64, value: 131_072n },
      { key: "llama.embedding_length", type: T.INT32, value: 4096 },
      { key: "llama.block_count", type: T.STRING, value: "32" },
      { key: "llama.attention.head_count", type: T.UINT32, value: 32 },
      { key: "llama.feed_forward_length", type: T.INT32, value: -5 },
    ];
    const summary = await summarize(writeGguf({ metadata, tensors: [] }));
    expect(summary).toMatchObject({
      name: null,
      contextLength: 131_072,
      embeddingLength: 4096,
      blockCount: null,
      feedForwardLength: null,
      headCount: 32,
      headCountKv: 32, // defaults to head_count
      keyLength: 128, // defaults to embedding_length / head_count
      valueLength: 128,
    });
  });

  it("reduces per-layer hyperparameter arrays to their largest entry", async () => {
    const perLayer = (items: number[]): GgufKv["value"] => ({ elementType: T.INT32, items });
    const metadata: GgufKv[] = [
      { key: "general.architecture", type: T.STRING, value: "hybrid" },
      { key: "hybrid.attention.head_count", type: T.ARRAY, value: perLayer([32, 32, 32, 32]) },
      { key: "hybrid.attention.head_count_kv", type: T.ARRAY, value: perLayer([0, 8, 0, 8]) },
      { key: "hybrid.feed_forward_length", type: T.ARRAY, value: perLayer([8192, 14336, 8192, 0]) },
    ];
    const summary = await summarize(writeGguf({ metadata, tensors: [] }));
    expect(summary).toMatchObject({ headCount: 32, headCountKv: 8, feedForwardLength: 14_336 });
  });

  it("prefers {arch}.vocab_size over the length of the token list", async () => {
    const bytes = buildTinyModel({ extraMetadata: [{ key: "llama.vocab_size", type: T.UINT32, value: 512 }] });
    expect((await summarize(bytes)).vocabSize).toBe(512);
  });

  it("reports split shards with their 0-based index", async () => {
    const shards = splitGguf(buildTinyModel(), 3);
    const first = await summarize(shards[0] ?? new Uint8Array());
    const last = await summarize(shards[2] ?? new Uint8Array());
    expect(first.split).toEqual({ index: 0, count: 3, tensorsCount: 21 });
    expect(first.architecture).toBe("llama");
    expect(last.split).toEqual({ index: 2, count: 3, tensorsCount: 21 });
    expect(last.architecture).toBeNull();
  });

  it("turns every metadata value into JSON-safe data", async () => {
    const summary = await summarize(allValueTypesFile());
    expect(summary.metadata).toMatchObject({
      "test.uint64": "9223372036854775813", // beyond 2^53: kept exact as a string
      "test.int64": "-4611686018427387904",
      "test.float32": 1.5,
      "test.nested": {
        type: "array",
        elementType: "ARRAY",
        length: 3,
        head: [
          { type: "array", elementType: "STRING", length: 2, head: ["a", "bc"] },
          { type: "array", elementType: "INT16", length: 3, head: [-1, 2, -3] },
          { type: "array", elementType: "ARRAY", length: 1, head: [{ type: "array", elementType: "BOOL", length: 2, head: [true, false] }] },
        ],
      },
    });
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  it("summarises long arrays in metadata to 8 items and shows float32 values as written", async () => {
    const summary = await summarize(buildTinyModel());
    expect(summary.metadata["tokenizer.ggml.tokens"]).toEqual({
      type: "array",
      elementType: "STRING",
      length: 320,
      head: ["<unk>", "<s>", "</s>", "<0x00>", "<0x01>", "<0x02>", "<0x03>", "<0x04>"],
    });
    expect(summary.metadata["llama.attention.layer_norm_rms_epsilon"]).toBe(0.000001);
  });

  it("keeps a hostile __proto__ key as plain data", async () => {
    const bytes = writeGguf({ metadata: [{ key: "__proto__", type: T.STRING, value: "x" }], tensors: [] });
    const summary = await summarize(bytes);
    expect(Object.keys(summary.metadata)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(summary.metadata)).toBe(Object.prototype);
  });
});
