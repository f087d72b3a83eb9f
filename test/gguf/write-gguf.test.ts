import { describe, expect, it } from "vitest";
import { GgmlType } from "../../lib/gguf/ggml-types.ts";
import { GgufValueType } from "../../lib/gguf/gguf-value-type.ts";
import { readGgufHeaderFromBytes } from "../../lib/gguf/read-gguf-header.ts";
import { layoutGguf, writeGguf, writeGgufHeaderOnly, type WriteGgufOptions } from "../../lib/gguf/write-gguf.ts";
import { ALL_VALUE_TYPES_METADATA, SMALL_TENSORS } from "../helpers/gguf-fixtures.ts";

const T = GgufValueType;
const options: WriteGgufOptions = { metadata: ALL_VALUE_TYPES_METADATA, tensors: SMALL_TENSORS };
const pad = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;

describe("writeGguf", () => {
  it("lays tensor data out back to back, each padded to the alignment (llama.cpp's rule)", () => {
    for (const alignment of [32, 64]) {
      const layout = layoutGguf({ ...options, alignment });
      expect(layout.tensorByteSizes).toEqual([16, 68, 32]);
      expect(layout.tensorOffsets).toEqual([0, pad(16, alignment), pad(16, alignment) + pad(68, alignment)]);
      expect(layout.tensorDataOffset % alignment).toBe(0);
      expect(layout.fileSize).toBe(layout.tensorDataOffset + layout.tensorByteSizes.reduce((sum, n) => sum + pad(n, alignment), 0));
    }
  });

  it("puts each tensor's bytes at data start + offset", () => {
    const bytes = writeGguf(options);
    const layout = layoutGguf(options);
    expect(bytes.length).toBe(layout.fileSize);
    SMALL_TENSORS.forEach((tensor, i) => {
      const start = layout.tensorDataOffset + (layout.tensorOffsets[i] ?? 0);
      expect(bytes.subarray(start, start + (tensor.data?.length ?? 0))).toEqual(tensor.data);
    });
  });

  it("writes the magic, version and counts first", () => {
    const bytes = writeGguf({ ...options, version: 2 });
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("GGUF");
    expect(view.getUint32(4, true)).toBe(2);
    expect(view.getBigUint64(8, true)).toBe(3n);
    expect(view.getBigUint64(16, true)).toBe(BigInt(ALL_VALUE_TYPES_METADATA.length));
  });

  it("records a non-default alignment as general.alignment UINT32", () => {
    const header = readGgufHeaderFromBytes(writeGguf({ ...options, alignment: 64 }), { fileLabel: "a.gguf" });
    expect(header.metadata.get("general.alignment")).toEqual({ key: "general.alignment", type: T.UINT32, value: 64 });
  });

  it("writes only the header and the full size for sparse benchmark files", () => {
    const full = writeGguf(options);
    const { header, fileSize, tensorDataOffset } = writeGgufHeaderOnly(options);
    expect(header).toEqual(full.subarray(0, tensorDataOffset));
    expect(fileSize).toBe(full.length);
  });

  it("writes big-endian numbers when asked (to test that readers refuse them)", () => {
    const bytes = writeGguf({ ...options, bigEndian: true });
    expect(Array.from(bytes.subarray(4, 8))).toEqual([0, 0, 0, 3]);
  });

  it("rejects invalid input with a message naming the problem", () => {
    const cases: [WriteGgufOptions, RegExp][] = [
      [{ ...options, alignment: 48 }, /alignment must be a power of two/],
      [{ metadata: [{ key: "x", type: T.UINT8, value: 256 }], tensors: [] }, /x: 256 is not a valid UINT8/],
      [{ metadata: [{ key: "x", type: T.BOOL, value: 1 }], tensors: [] }, /x: 1 is not a valid BOOL/],
      [{ metadata: [{ key: "x", type: T.ARRAY, value: { elementType: T.INT8, items: [1, 200] } }], tensors: [] }, /x\[1\]: 200 is not a valid INT8/],
      [{ metadata: [], tensors: [{ name: "t", dims: [16], type: GgmlType.Q8_0 }] }, /not a multiple of the Q8_0 block size 32/],
      [{ metadata: [], tensors: [{ name: "t", dims: [4], type: GgmlType.F32, data: new Uint8Array(3) }] }, /data has 3 bytes, the shape needs 16/],
      [{ metadata: [], tensors: [{ name: "t", dims: [4], type: 99 }] }, /type 99 has no known size, so data is required/],
    ];
    for (const [input, message] of cases) {
      expect(() => writeGguf(input)).toThrow(message);
    }
  });
});
