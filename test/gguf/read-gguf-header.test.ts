import { describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors.ts";
import { bufferSource } from "../../lib/gguf/byte-source.ts";
import { GgmlType } from "../../lib/gguf/ggml-types.ts";
import { GgufValueType, type GgufArray, type GgufValue } from "../../lib/gguf/gguf-value-type.ts";
import { readGgufHeader, readGgufHeaderFromBytes, type GgufHeader } from "../../lib/gguf/read-gguf-header.ts";
import { layoutGguf, writeGguf, writeGgufHeaderOnly, type GgufKv } from "../../lib/gguf/write-gguf.ts";
import { ALL_VALUE_TYPES_METADATA, SMALL_TENSORS, allValueTypesFile, sparseSource } from "../helpers/gguf-fixtures.ts";

const T = GgufValueType;

async function read(bytes: Uint8Array, limits?: Parameters<typeof readGgufHeader>[1]["limits"]): Promise<GgufHeader> {
  return readGgufHeader(bufferSource(bytes), { fileLabel: "test.gguf", limits });
}

function value(header: GgufHeader, key: string): GgufValue | undefined {
  return header.metadata.get(key)?.value;
}

function array(header: GgufHeader, key: string): GgufArray {
  const v = value(header, key);
  if (typeof v !== "object") throw new Error(`${key} is not an array`);
  return v;
}

describe("readGgufHeader", () => {
  it("reads a scalar of every value type with its exact value", async () => {
    const header = await read(allValueTypesFile());
    expect(value(header, "test.uint8")).toBe(200);
    expect(value(header, "test.int8")).toBe(-100);
    expect(value(header, "test.uint16")).toBe(60_000);
    expect(value(header, "test.int16")).toBe(-30_000);
    expect(value(header, "test.uint32")).toBe(4_000_000_000);
    expect(value(header, "test.int32")).toBe(-2_000_000_000);
    expect(value(header, "test.float32")).toBe(1.5);
    expect(value(header, "test.bool")).toBe(true);
    expect(value(header, "test.string")).toBe("héllo wörld ✓ 😀");
    expect(value(header, "test.uint64")).toBe(2n ** 63n + 5n);
    expect(value(header, "test.int64")).toBe(-(2n ** 62n));
    expect(value(header, "test.float64")).toBe(Math.PI);
  });

  it("keeps every metadata entry in file order with its declared type", async () => {
    const header = await read(allValueTypesFile());
    expect(header.metadataCount).toBe(ALL_VALUE_TYPES_METADATA.length);
    expect(Array.from(header.metadata.values(), (e) => [e.key, e.type])).toEqual(ALL_VALUE_TYPES_METADATA.map((kv) => [kv.key, kv.type]));
  });

  it("reads nested arrays of mixed element types", async () => {
    const header = await read(allValueTypesFile());
    expect(array(header, "test.array")).toEqual({ kind: "array", elementType: T.UINT32, length: 3, head: [1, 2, 3], truncated: false });
    expect(array(header, "test.nested")).toEqual({
      kind: "array",
      elementType: T.ARRAY,
      length: 3,
      truncated: false,
      head: [
        { kind: "array", elementType: T.STRING, length: 2, head: ["a", "bc"], truncated: false },
        { kind: "array", elementType: T.INT16, length: 3, head: [-1, 2, -3], truncated: false },
        {
          kind: "array",
          elementType: T.ARRAY,
          length: 1,
          truncated: false,
          head: [{ kind: "array", elementType: T.BOOL, length: 2, head: [true, false], truncated: false }],
        },
      ],
    });
    expect(array(header, "test.empty")).toEqual({ kind: "array", elementType: T.FLOAT64, length: 0, head: [], truncated: false });
  });

  it("reads version 2 and version 3 files alike", async () => {
    const v2 = await read(allValueTypesFile({ version: 2 }));
    const v3 = await read(allValueTypesFile({ version: 3 }));
    expect(v2.version).toBe(2);
    expect(v3.version).toBe(3);
    expect(v2.tensors).toEqual(v3.tensors);
    expect(v2.tensorDataOffset).toBe(v3.tensorDataOffset);
  });

  it("reads tensor infos: names, ggml-order dims, types and offsets", async () => {
    const header = await read(allValueTypesFile());
    expect(header.tensors.map((t) => [t.name, t.dims, t.typeName, t.offset, t.byteSize])).toEqual([
      ["a.weight", [4], "F32", 0n, 16n],
      ["q.weight", [32, 2], "Q8_0", 32n, 68n],
      ["z.weight", [8], "F32", 128n, 32n],
    ]);
  });

  it("finds the tensor data where the writer put it, with alignment 32 and 64", async () => {
    for (const alignment of [32, 64]) {
      const options = { alignment, metadata: ALL_VALUE_TYPES_METADATA, tensors: SMALL_TENSORS };
      const layout = layoutGguf(options);
      const header = await read(writeGguf(options));
      expect(header.alignment).toBe(alignment);
      expect(header.tensorDataOffset).toBe(layout.tensorDataOffset);
      expect(header.tensorDataOffset % alignment).toBe(0);
      expect(header.tensors.map((t) => Number(t.offset))).toEqual(layout.tensorOffsets);
      expect(header.tensorBytes).toBe(16n + 68n + 32n);
    }
  });

  it("pads the data start only when the file has tensors", async () => {
    const noTensors = writeGguf({ metadata: [{ key: "general.name", type: T.STRING, value: "x" }], tensors: [] });
    const header = await read(noTensors);
    expect(header.tensorCount).toBe(0);
    expect(header.tensorDataOffset).toBe(header.tensorInfoEnd);
    expect(header.tensorDataOffset).toBe(noTensors.length);
  });

  it("keeps tensors of an unknown ggml type instead of failing the file", async () => {
    const bytes = writeGguf({
      metadata: [],
      tensors: [
        { name: "future.weight", dims: [16], type: 99, data: new Uint8Array(12) },
        { name: "known.weight", dims: [8], type: GgmlType.F16 },
      ],
    });
    const header = await read(bytes);
    expect(header.tensors[0]).toMatchObject({ name: "future.weight", type: 99, typeName: "unknown(99)", byteSize: null });
    expect(header.unknownSizeTensorCount).toBe(1);
    expect(header.tensorBytes).toBe(16n);
  });

  it("keeps tensors of a removed ggml type (Q4_2) with an unknown size", async () => {
    const bytes = writeGguf({ metadata: [], tensors: [{ name: "old.weight", dims: [32], type: 4, data: new Uint8Array(20) }] });
    const header = await read(bytes);
    expect(header.tensors[0]).toMatchObject({ typeName: "Q4_2", byteSize: null });
  });

  it("summarises a 100k-entry token list to its length and first 8 tokens", async () => {
    const tokens = Array.from({ length: 100_000 }, (_, i) => `tok${i}`);
    const bytes = writeGguf({
      metadata: [
        { key: "tokenizer.ggml.tokens", type: T.ARRAY, value: { elementType: T.STRING, items: tokens } },
        { key: "after", type: T.STRING, value: "still read" },
      ],
      tensors: [],
    });
    const header = await read(bytes);
    expect(array(header, "tokenizer.ggml.tokens")).toEqual({
      kind: "array",
      elementType: T.STRING,
      length: 100_000,
      head: tokens.slice(0, 8),
      truncated: true,
    });
    expect(value(header, "after")).toBe("still read");
  });

  it("keeps short arrays (per-layer hyperparameters) whole", async () => {
    const perLayer = Array.from({ length: 80 }, (_, i) => (i % 4 === 0 ? 0 : 8));
    const bytes = writeGguf({
      metadata: [{ key: "x.attention.head_count_kv", type: T.ARRAY, value: { elementType: T.UINT32, items: perLayer } }],
      tensors: [],
    });
    expect(array(await read(bytes), "x.attention.head_count_kv").head).toEqual(perLayer);
  });

  it("skips long numeric arrays without reading their bytes", async () => {
    const scores = new Float32Array(4_000_000); // 16 MB the reader must not fetch
    const bytes = writeGguf({
      metadata: [
        { key: "tokenizer.ggml.scores", type: T.ARRAY, value: { elementType: T.FLOAT32, items: scores } },
        { key: "after", type: T.UINT32, value: 42 },
      ],
      tensors: [],
    });
    const source = sparseSource(bytes, bytes.length);
    const header = await readGgufHeader(source, { fileLabel: "scores.gguf" });
    expect(value(header, "after")).toBe(42);
    expect(array(header, "tokenizer.ggml.scores").length).toBe(4_000_000);
    expect(header.bytesRead).toBeLessThan(1024 * 1024);
  });

  it("reads only the header of a 30 GB file whose tensor data is a hole", async () => {
    const tensors = Array.from({ length: 30 }, (_, i) => ({ name: `blk.${i}.ffn_up.weight`, dims: [8192, 65_536], type: GgmlType.F16 }));
    const { header: headerBytes, fileSize, tensorDataOffset } = writeGgufHeaderOnly({
      metadata: [{ key: "general.architecture", type: T.STRING, value: "llama" }],
      tensors,
    });
    expect(fileSize).toBeGreaterThan(30e9);
    const source = sparseSource(headerBytes, fileSize);

    const header = await readGgufHeader(source, { fileLabel: "huge.gguf" });

    expect(header.tensorCount).toBe(30);
    expect(header.tensorDataOffset).toBe(tensorDataOffset);
    expect(header.tensorBytes).toBe(BigInt(fileSize - tensorDataOffset));
    expect(header.bytesRead).toBe(source.reads.reduce((sum, r) => sum + Math.min(r.length, fileSize - r.position), 0));
    expect(header.bytesRead).toBeLessThanOrEqual(64 * 1024);
    // Reads may prefetch past the header, but none starts inside the tensor data.
    expect(source.reads.every((r) => r.position < tensorDataOffset)).toBe(true);
  });

  it("reads in growing windows, never the whole file at once", async () => {
    const tokens = Array.from({ length: 200_000 }, (_, i) => `token-${i}`); // ~3.4 MB of header
    const bytes = writeGguf({
      metadata: [{ key: "tokenizer.ggml.tokens", type: T.ARRAY, value: { elementType: T.STRING, items: tokens } }],
      tensors: [],
    });
    const source = sparseSource(bytes, bytes.length);
    await readGgufHeader(source, { fileLabel: "tokens.gguf" });
    expect(Math.max(...source.reads.map((r) => r.length))).toBeLessThanOrEqual(1024 * 1024);
    expect(source.reads.length).toBeGreaterThan(3);
  });

  it("parses bytes in memory synchronously with the same result", async () => {
    const bytes = allValueTypesFile({ alignment: 64 });
    const fromBytes = readGgufHeaderFromBytes(bytes, { fileLabel: "mem.gguf" });
    const fromSource = await read(bytes);
    expect(fromBytes).toEqual(fromSource);
  });

  it("reports a failing source as a retryable io error", async () => {
    const source = { size: 1000, read: (): Promise<Uint8Array> => Promise.reject(new Error("EIO: stale NFS handle")) };
    const error = await readGgufHeader(source, { fileLabel: "nas/model.gguf" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "io", retryable: true, details: { file: "nas/model.gguf", offset: 0 } });
  });

  it("rejects invalid options up front", async () => {
    const bytes = allValueTypesFile();
    await expect(readGgufHeader(bufferSource(bytes), { fileLabel: "" })).rejects.toMatchObject({ code: "invalid-input" });
    await expect(readGgufHeader(bufferSource(bytes), { fileLabel: "x", limits: { maxDims: -1 } })).rejects.toMatchObject({
      code: "invalid-input",
      message: "readGgufHeader: limits.maxDims must be a non-negative integer, got -1",
    });
  });

  it("reads metadata written with every KV type the writer accepts (round trip)", async () => {
    const metadata: GgufKv[] = [
      { key: "u8", type: T.UINT8, value: 0 },
      { key: "i8max", type: T.INT8, value: 127 },
      { key: "u64max", type: T.UINT64, value: 2n ** 64n - 1n },
      { key: "i64min", type: T.INT64, value: -(2n ** 63n) },
      { key: "f32", type: T.FLOAT32, value: -0.25 },
      { key: "bool", type: T.BOOL, value: false },
      { key: "emptyString", type: T.STRING, value: "" },
    ];
    const header = await read(writeGguf({ metadata, tensors: [] }));
    expect(Array.from(header.metadata.values(), (e) => e.value)).toEqual([0, 127, 2n ** 64n - 1n, -(2n ** 63n), -0.25, false, ""]);
  });
});

describe("readGgufHeader memory bounds", () => {
  it("stops materialising array items once the per-file budget is spent, keeping lengths", async () => {
    const short = (n: number): GgufKv["value"] => ({ elementType: T.UINT16, items: Array.from({ length: n }, (_, i) => i) });
    const bytes = writeGguf({
      metadata: [
        { key: "first", type: T.ARRAY, value: short(6) },
        { key: "second", type: T.ARRAY, value: short(6) },
        { key: "third", type: T.ARRAY, value: short(6) },
      ],
      tensors: [],
    });
    const header = await read(bytes, { maxInlineArrayItems: 10 });
    expect(["first", "second", "third"].map((key) => [array(header, key).head.length, array(header, key).length])).toEqual([
      [6, 6],
      [4, 6],
      [0, 6],
    ]);
    expect(array(header, "second").truncated).toBe(true);
  });
});
