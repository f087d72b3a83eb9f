// GGUF fixtures built in code: valid files covering every value type, and
// corrupt variants made by patching one field of a valid file. Corrupt
// fields are placed last in the file where possible, so the patch offset is
// simply "the last N bytes" and does not depend on the reader under test.

import type { ByteSource } from "../../lib/gguf/byte-source.ts";
import { GgmlType } from "../../lib/gguf/ggml-types.ts";
import { GgufValueType } from "../../lib/gguf/gguf-value-type.ts";
import { readGgufHeaderFromBytes } from "../../lib/gguf/read-gguf-header.ts";
import { writeGguf, type GgufKv, type GgufTensorInput } from "../../lib/gguf/write-gguf.ts";

const T = GgufValueType;

/** One key per value type (0..12), plus nested and empty arrays. */
export const ALL_VALUE_TYPES_METADATA: readonly GgufKv[] = [
  { key: "general.architecture", type: T.STRING, value: "llama" },
  { key: "test.uint8", type: T.UINT8, value: 200 },
  { key: "test.int8", type: T.INT8, value: -100 },
  { key: "test.uint16", type: T.UINT16, value: 60_000 },
  { key: "test.int16", type: T.INT16, value: -30_000 },
  { key: "test.uint32", type: T.UINT32, value: 4_000_000_000 },
  { key: "test.int32", type: T.INT32, value: -2_000_000_000 },
  { key: "test.float32", type: T.FLOAT32, value: 1.5 },
  { key: "test.bool", type: T.BOOL, value: true },
  { key: "test.string", type: T.STRING, value: "héllo wörld ✓ 😀" },
  { key: "test.array", type: T.ARRAY, value: { elementType: T.UINT32, items: [1, 2, 3] } },
  { key: "test.uint64", type: T.UINT64, value: 2n ** 63n + 5n },
  { key: "test.int64", type: T.INT64, value: -(2n ** 62n) },
  { key: "test.float64", type: T.FLOAT64, value: Math.PI },
  {
    key: "test.nested",
    type: T.ARRAY,
    value: {
      elementType: T.ARRAY,
      items: [
        { elementType: T.STRING, items: ["a", "bc"] },
        { elementType: T.INT16, items: [-1, 2, -3] },
        { elementType: T.ARRAY, items: [{ elementType: T.BOOL, items: [true, false] }] },
      ],
    },
  },
  { key: "test.empty", type: T.ARRAY, value: { elementType: T.FLOAT64, items: [] } },
];

/**
 * Three small tensors of different types; the last ends exactly on the
 * alignment, so cutting even one byte off the file loses tensor data.
 */
export const SMALL_TENSORS: readonly GgufTensorInput[] = [
  { name: "a.weight", dims: [4], type: GgmlType.F32, data: filled(16, 1) },
  { name: "q.weight", dims: [32, 2], type: GgmlType.Q8_0, data: filled(68, 2) },
  { name: "z.weight", dims: [8], type: GgmlType.F32, data: filled(32, 3) },
];

export function allValueTypesFile(options: { version?: 2 | 3; alignment?: number } = {}): Uint8Array {
  return writeGguf({ ...options, metadata: ALL_VALUE_TYPES_METADATA, tensors: SMALL_TENSORS });
}

function filled(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
}

/** A file with no tensors whose last metadata entry is `kv`: its value ends the file. */
export function fileEndingWith(kv: GgufKv): Uint8Array {
  return writeGguf({ metadata: [{ key: "general.architecture", type: T.STRING, value: "llama" }, kv], tensors: [] });
}

export function setU32(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(offset, value, true);
  return copy;
}

export function setU64(bytes: Uint8Array, offset: number, value: bigint): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setBigUint64(offset, value, true);
  return copy;
}

/** Each builder returns a file broken in exactly one way. */
export const corruptFiles = {
  badMagic: (): Uint8Array => {
    const bytes = allValueTypesFile();
    bytes.set([0x47, 0x47, 0x4a, 0x54], 0); // "GGJT", the pre-GGUF format
    return bytes;
  },
  tensorCount: (count: bigint): Uint8Array => setU64(allValueTypesFile(), 8, count),
  metadataCount: (count: bigint): Uint8Array => setU64(allValueTypesFile(), 16, count),
  /** An empty UINT8 array whose length field (the last 8 bytes) says `length`. */
  arrayLength: (length: bigint): Uint8Array => {
    const bytes = fileEndingWith({ key: "test.array", type: T.ARRAY, value: { elementType: T.UINT8, items: [] } });
    return setU64(bytes, bytes.length - 8, length);
  },
  /** An empty string value whose length field (the last 8 bytes) says `length`. */
  stringLength: (length: bigint): Uint8Array => {
    const bytes = fileEndingWith({ key: "test.string", type: T.STRING, value: "" });
    return setU64(bytes, bytes.length - 8, length);
  },
  invalidUtf8Key: (): Uint8Array => fileEndingWith({ key: new Uint8Array([0x74, 0x2e, 0xff, 0xfe]), type: T.UINT8, value: 1 }),
  invalidUtf8Value: (): Uint8Array => fileEndingWith({ key: "test.string", type: T.STRING, value: new Uint8Array([0x61, 0xc3, 0x28]) }),
  /** A UINT8 entry whose type field (5 bytes from the end) says `type`. */
  valueType: (type: number): Uint8Array => {
    const bytes = fileEndingWith({ key: "test.value", type: T.UINT8, value: 7 });
    return setU32(bytes, bytes.length - 5, type);
  },
  arrayElementType: (type: number): Uint8Array => {
    const bytes = fileEndingWith({ key: "test.array", type: T.ARRAY, value: { elementType: T.UINT8, items: [] } });
    return setU32(bytes, bytes.length - 12, type);
  },
  boolValue: (byte: number): Uint8Array => {
    const bytes = fileEndingWith({ key: "test.bool", type: T.BOOL, value: true });
    bytes[bytes.length - 1] = byte;
    return bytes;
  },
  alignment: (alignment: number): Uint8Array => {
    const bytes = fileEndingWith({ key: "general.alignment", type: T.UINT32, value: 64 });
    return setU32(bytes, bytes.length - 4, alignment);
  },
  duplicateKey: (): Uint8Array =>
    writeGguf({
      metadata: [
        { key: "general.name", type: T.STRING, value: "a" },
        { key: "general.name", type: T.STRING, value: "b" },
      ],
      tensors: [],
    }),
  /** Arrays nested `levels` deep. */
  nestedArrays: (levels: number): Uint8Array => {
    let value: GgufKv["value"] = { elementType: T.UINT8, items: [1] };
    for (let i = 1; i < levels; i++) value = { elementType: T.ARRAY, items: [value] };
    return fileEndingWith({ key: "test.deep", type: T.ARRAY, value });
  },
  /** The last tensor's offset field set to `offset`. */
  lastTensorOffset: (offset: bigint): Uint8Array => {
    const bytes = allValueTypesFile();
    const header = readGgufHeaderFromBytes(bytes, { fileLabel: "fixture" });
    return setU64(bytes, header.tensorInfoEnd - 8, offset);
  },
  /** The first tensor's n_dims field set to `dims`. */
  firstTensorDims: (dims: number): Uint8Array => {
    const bytes = allValueTypesFile();
    const header = readGgufHeaderFromBytes(bytes, { fileLabel: "fixture" });
    const nameLength = new TextEncoder().encode(SMALL_TENSORS[0]?.name ?? "").length;
    return setU32(bytes, header.tensorInfoStart + 8 + nameLength, dims);
  },
  version: (version: number): Uint8Array => setU32(allValueTypesFile(), 4, version),
};

export interface RecordingSource extends ByteSource {
  readonly reads: { position: number; length: number }[];
}

/**
 * A source of `size` bytes of which only `backed` exist, like a sparse file:
 * the header written, the rest a hole of zeros. Records every read.
 */
export function sparseSource(backed: Uint8Array, size: number): RecordingSource {
  const reads: { position: number; length: number }[] = [];
  return {
    size,
    reads,
    read(position: number, length: number): Promise<Uint8Array> {
      reads.push({ position, length });
      const end = Math.min(size, position + length);
      const out = new Uint8Array(Math.max(0, end - position));
      if (position < backed.length) out.set(backed.subarray(position, Math.min(backed.length, end)));
      return Promise.resolve(out);
    },
  };
}

/** Seeded PRNG for fixtures and fuzzing (mulberry32). */
export function seededRandom(seed: number): { next: () => number; int: (maxExclusive: number) => number } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (maxExclusive) => Math.floor(next() * maxExclusive) };
}

const INTERESTING_U64 = [0n, 1n, 0xffn, 0xffffffffn, 2n ** 32n, 2n ** 53n, 2n ** 62n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
const INTERESTING_U32 = [0, 1, 2, 5, 7, 9, 12, 13, 43, 255, 0x7fffffff, 0xffffffff];

/**
 * One random mutation of `bytes`, aimed at the first `hotEnd` bytes (the
 * header): a bit flip, 0xFF overwrite, a length or type field set to an
 * extreme value, or a truncation.
 */
export function mutate(bytes: Uint8Array, hotEnd: number, random: ReturnType<typeof seededRandom>): { bytes: Uint8Array; kind: string } {
  const copy = bytes.slice();
  const position = random.int(Math.min(hotEnd, copy.length));
  const view = new DataView(copy.buffer);
  switch (random.int(5)) {
    case 0: {
      copy[position] = (copy[position] ?? 0) ^ (1 << random.int(8));
      return { bytes: copy, kind: `bit flip at ${position}` };
    }
    case 1: {
      const run = 1 + random.int(8);
      copy.fill(0xff, position, Math.min(copy.length, position + run));
      return { bytes: copy, kind: `0xFF × ${run} at ${position}` };
    }
    case 2: {
      if (position + 8 > copy.length) return { bytes: copy.subarray(0, position), kind: `truncate at ${position}` };
      const value = INTERESTING_U64[random.int(INTERESTING_U64.length)] ?? 0n;
      view.setBigUint64(position, value, true);
      return { bytes: copy, kind: `u64 ${value} at ${position}` };
    }
    case 3: {
      if (position + 4 > copy.length) return { bytes: copy.subarray(0, position), kind: `truncate at ${position}` };
      const value = INTERESTING_U32[random.int(INTERESTING_U32.length)] ?? 0;
      view.setUint32(position, value, true);
      return { bytes: copy, kind: `u32 ${value} at ${position}` };
    }
    default:
      return { bytes: copy.subarray(0, position), kind: `truncate at ${position}` };
  }
}
