import { describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors.ts";
import { bufferSource } from "../../lib/gguf/byte-source.ts";
import { readGgufHeader, type GgufLimits } from "../../lib/gguf/read-gguf-header.ts";
import { writeGguf } from "../../lib/gguf/write-gguf.ts";
import { allValueTypesFile, corruptFiles } from "../helpers/gguf-fixtures.ts";

/** What the reader threw for these bytes (fails the test if it returned). */
async function failure(bytes: Uint8Array, limits?: Partial<GgufLimits>): Promise<AppError> {
  const outcome = await readGgufHeader(bufferSource(bytes), { fileLabel: "bad.gguf", limits }).then(
    () => new Error("parsed without error"),
    (error: unknown) => error,
  );
  if (!(outcome instanceof AppError)) throw outcome instanceof Error ? outcome : new Error(String(outcome));
  return outcome;
}

/** Asserts a corrupt-file error whose message names the file, the problem and the byte offset. */
async function expectCorrupt(bytes: Uint8Array, pattern: RegExp, limits?: Partial<GgufLimits>): Promise<AppError> {
  const error = await failure(bytes, limits);
  expect(error.code).toBe("corrupt-file");
  expect(error.message).toMatch(/^bad\.gguf: /);
  expect(error.message).toMatch(pattern);
  expect(error.message).toMatch(/ at byte \d+$/);
  expect(error.details).toMatchObject({ file: "bad.gguf", offset: expect.any(Number) });
  expect(error.details.unexpected).toBeUndefined();
  return error;
}

describe("readGgufHeader on corrupt files", () => {
  it("reports a file truncated at every byte position as corrupt, with the offset where data ran out", async () => {
    const bytes = allValueTypesFile();
    for (let length = 0; length < bytes.length; length++) {
      const error = await failure(bytes.subarray(0, length));
      expect(error.code, `truncated to ${length} bytes: ${error.message}`).toBe("corrupt-file");
      expect(error.details.unexpected, `truncated to ${length} bytes`).toBeUndefined();
      expect(error.details.offset, `truncated to ${length} bytes`).toEqual(expect.any(Number));
      expect(Number(error.details.offset)).toBeLessThanOrEqual(bytes.length);
    }
  });

  it("rejects a file that does not start with the GGUF magic", async () => {
    const error = await expectCorrupt(corruptFiles.badMagic(), /not a GGUF file \(magic 47 47 4a 54/);
    expect(error.details.offset).toBe(0);
  });

  it("rejects an empty file", async () => {
    await expectCorrupt(new Uint8Array(0), /unexpected end of file/);
  });

  it("rejects an absurd tensor count at once, without allocating", async () => {
    const started = performance.now();
    const error = await expectCorrupt(corruptFiles.tensorCount(2n ** 62n), /tensor count 4611686018427387904 exceeds the limit/);
    expect(error.details.offset).toBe(8);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it("rejects an absurd metadata count at once", async () => {
    const error = await expectCorrupt(corruptFiles.metadataCount(2n ** 62n), /metadata count 4611686018427387904 exceeds the limit/);
    expect(error.details.offset).toBe(16);
  });

  it("rejects counts within the limits that cannot fit in the bytes left", async () => {
    await expectCorrupt(corruptFiles.tensorCount(100_000n), /100000 tensors and \d+ metadata entries need at least \d+ bytes but only \d+ are left/);
  });

  it("rejects an absurd array length before iterating", async () => {
    const started = performance.now();
    await expectCorrupt(corruptFiles.arrayLength(2n ** 62n), /length 4611686018427387904 exceeds the limit of 1073741824/);
    await expectCorrupt(corruptFiles.arrayLength(1_000_000n), /of 1000000 UINT8 needs at least 1000000 bytes but only 0 are left/);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it("rejects an absurd string length before allocating", async () => {
    await expectCorrupt(corruptFiles.stringLength(2n ** 62n), /length 4611686018427387904 exceeds the 16777216-byte limit/);
    await expectCorrupt(corruptFiles.stringLength(1000n), /length 1000 runs past the end of the file/);
  });

  it("rejects invalid UTF-8 in a key", async () => {
    await expectCorrupt(corruptFiles.invalidUtf8Key(), /invalid UTF-8 in metadata key #1/);
  });

  it("rejects invalid UTF-8 in a string value", async () => {
    await expectCorrupt(corruptFiles.invalidUtf8Value(), /invalid UTF-8 in "test.string"/);
  });

  it("rejects an unknown value type", async () => {
    await expectCorrupt(corruptFiles.valueType(13), /unknown value type 13 for "test.value"/);
  });

  it("rejects an unknown array element type", async () => {
    await expectCorrupt(corruptFiles.arrayElementType(99), /unknown element type 99 in array "test.array"/);
  });

  it("rejects a bool that is neither 0 nor 1", async () => {
    const bytes = corruptFiles.boolValue(2);
    const error = await expectCorrupt(bytes, /bool "test.bool" has value 2, not 0 or 1/);
    expect(error.details.offset).toBe(bytes.length - 1);
  });

  it("rejects an alignment that is not a power of two", async () => {
    await expectCorrupt(corruptFiles.alignment(48), /general.alignment 48 is not a power of two/);
    await expectCorrupt(corruptFiles.alignment(0), /general.alignment 0 is not a power of two/);
  });

  it("rejects duplicate keys, as llama.cpp does", async () => {
    await expectCorrupt(corruptFiles.duplicateKey(), /duplicate metadata key "general.name"/);
  });

  it("rejects arrays nested deeper than the limit", async () => {
    await expectCorrupt(corruptFiles.nestedArrays(5), /nests arrays deeper than 4 levels/);
    await expect(readGgufHeader(bufferSource(corruptFiles.nestedArrays(4)), { fileLabel: "ok.gguf" })).resolves.toBeDefined();
  });

  it("rejects a tensor with more than 4 dimensions", async () => {
    await expectCorrupt(corruptFiles.firstTensorDims(5), /tensor "a.weight" has 5 dimensions, more than 4/);
  });

  it("rejects a tensor whose data would lie beyond the end of the file", async () => {
    await expectCorrupt(corruptFiles.lastTensorOffset(2n ** 40n), /tensor "z.weight" data \(bytes \d+\.\.\d+\) extends past the end of the file/);
  });

  it("rejects a tensor offset that is not a multiple of the alignment", async () => {
    await expectCorrupt(corruptFiles.lastTensorOffset(16n), /tensor "z.weight" offset 16 is not a multiple of the alignment 32/);
  });

  it("rejects rows that are not a whole number of quantisation blocks", async () => {
    const bytes = writeGguf({ metadata: [], tensors: [{ name: "q", dims: [16], type: 99, data: new Uint8Array(17) }] });
    // Retype the unknown tensor as Q8_0 (block 32): 16 elements per row cannot be valid.
    const patched = bytes.slice();
    const typeOffset = 24 + 8 + 1 + 4 + 8;
    new DataView(patched.buffer).setUint32(typeOffset, 8, true);
    await expectCorrupt(patched, /tensor "q" rows of 16 elements are not a multiple of the Q8_0 block size 32/);
  });

  it("rejects a header larger than the configured limit", async () => {
    await expectCorrupt(allValueTypesFile(), /header is larger than the 100-byte limit|only \d+ are left/, { maxHeaderBytes: 100 });
  });

  it("refuses big-endian files as unsupported, naming the byte order", async () => {
    const bytes = writeGguf({ metadata: [{ key: "general.name", type: 8, value: "x" }], tensors: [], bigEndian: true });
    const error = await failure(bytes);
    expect(error.code).toBe("unsupported");
    expect(error.message).toBe("bad.gguf: big-endian GGUF (version bytes 00 00 00 03) is not supported at byte 4");
  });

  it("refuses GGUF v1 as unsupported", async () => {
    const error = await failure(corruptFiles.version(1));
    expect(error.code).toBe("unsupported");
    expect(error.message).toMatch(/GGUF v1 is not supported/);
  });

  it("refuses versions newer than 3 as unsupported and version 0 as corrupt", async () => {
    expect((await failure(corruptFiles.version(4))).code).toBe("unsupported");
    await expectCorrupt(corruptFiles.version(0), /invalid GGUF version 0/);
  });
});
