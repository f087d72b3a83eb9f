// Writes GGUF files in memory: fixtures for tests, the demo library, and
// sparse benchmark files (header only, the caller extends the file to full
// size). Layout follows llama.cpp's writer (formats.md 1.3/1.4): tensor data
// back to back in tensor-info order, each tensor padded to the alignment,
// offsets relative to the aligned data start.

import { AppError } from "../errors.ts";
import { ggmlTypeInfo, tensorByteSize } from "./ggml-types.ts";
import { GgufValueType, fixedValueSize, ggufValueTypeName, isGgufValueType } from "./gguf-value-type.ts";
import { GGUF_DEFAULT_ALIGNMENT } from "./read-gguf-header.ts";

/** A string may be given as raw bytes, written verbatim (used to build invalid-UTF-8 fixtures). */
export type GgufScalarInput = number | bigint | boolean | string | Uint8Array;

export interface GgufArrayInput {
  readonly elementType: GgufValueType;
  readonly items: ArrayLike<GgufValueInput>;
}

export type GgufValueInput = GgufScalarInput | GgufArrayInput;

export interface GgufKv {
  readonly key: string | Uint8Array;
  readonly type: GgufValueType;
  readonly value: GgufValueInput;
}

export interface GgufTensorInput {
  readonly name: string;
  /** ggml order: dims[0] is the contiguous row. */
  readonly dims: readonly number[];
  /** ggml_type id; an id unknown to ggml-types needs `data` (its size cannot be computed). */
  readonly type: number;
  /** Exactly the tensor's byte size; zeros when omitted. */
  readonly data?: Uint8Array;
}

export interface WriteGgufOptions {
  version?: 2 | 3;
  /** Written as general.alignment (UINT32) unless the metadata already has it. Default 32. */
  alignment?: number;
  metadata: readonly GgufKv[];
  tensors: readonly GgufTensorInput[];
  /** Every number big-endian (only to test that readers refuse such files). */
  bigEndian?: boolean;
}

export interface GgufLayout {
  /** Magic through tensor infos plus the zero padding up to the data start. */
  header: Uint8Array;
  tensorDataOffset: number;
  /** Per tensor, relative to tensorDataOffset. */
  tensorOffsets: number[];
  tensorByteSizes: number[];
  /** tensorDataOffset + Σ pad(byteSize): the size of the complete file. */
  fileSize: number;
}

/** A complete GGUF file. */
export function writeGguf(options: WriteGgufOptions): Uint8Array {
  const layout = layoutGguf(options);
  const out = new Uint8Array(layout.fileSize);
  out.set(layout.header);
  options.tensors.forEach((tensor, i) => {
    if (tensor.data) out.set(tensor.data, layout.tensorDataOffset + (layout.tensorOffsets[i] ?? 0));
  });
  return out;
}

/**
 * The header bytes and the size the whole file would have, without
 * allocating tensor data: write `header`, then truncate the file to `fileSize`
 * to get a sparse file of realistic size.
 */
export function writeGgufHeaderOnly(options: WriteGgufOptions): { header: Uint8Array; fileSize: number; tensorDataOffset: number } {
  const { header, fileSize, tensorDataOffset } = layoutGguf(options);
  return { header, fileSize, tensorDataOffset };
}

/** Computes offsets and encodes everything before the tensor data. */
export function layoutGguf(options: WriteGgufOptions): GgufLayout {
  const version = options.version ?? 3;
  if (version !== 2 && version !== 3) throw invalid(`version must be 2 or 3, got ${String(version)}`);
  const metadata = withAlignmentKey(options.metadata, options.alignment);
  const alignment = alignmentOf(metadata);

  const tensorByteSizes = options.tensors.map((tensor) => byteSizeOf(tensor));
  const tensorOffsets: number[] = [];
  let running = 0;
  for (const size of tensorByteSizes) {
    tensorOffsets.push(running);
    running += padTo(size, alignment);
  }

  const w = new ByteWriter(!options.bigEndian);
  w.raw(new Uint8Array([0x47, 0x47, 0x55, 0x46]));
  w.u32(version);
  w.u64(BigInt(options.tensors.length));
  w.u64(BigInt(metadata.length));
  for (const kv of metadata) {
    w.string(kv.key, "key");
    w.u32(kv.type);
    writeValue(w, kv.type, kv.value, keyLabel(kv.key));
  }
  options.tensors.forEach((tensor, i) => {
    w.string(tensor.name, "tensor name");
    w.u32(tensor.dims.length);
    for (const dim of tensor.dims) w.u64(BigInt(dim));
    w.u32(tensor.type);
    w.u64(BigInt(tensorOffsets[i] ?? 0));
  });
  const tensorDataOffset = options.tensors.length > 0 ? padTo(w.length, alignment) : w.length;
  w.raw(new Uint8Array(tensorDataOffset - w.length));
  return { header: w.finish(), tensorDataOffset, tensorOffsets, tensorByteSizes, fileSize: tensorDataOffset + running };
}

function withAlignmentKey(metadata: readonly GgufKv[], alignment: number | undefined): readonly GgufKv[] {
  if (alignment === undefined) return metadata;
  const existing = metadata.find((kv) => kv.key === "general.alignment");
  if (existing) {
    if (existing.value !== alignment) throw invalid(`alignment ${alignment} disagrees with general.alignment ${String(existing.value)}`);
    return metadata;
  }
  return [...metadata, { key: "general.alignment", type: GgufValueType.UINT32, value: alignment }];
}

function alignmentOf(metadata: readonly GgufKv[]): number {
  const entry = metadata.find((kv) => kv.key === "general.alignment");
  const alignment = entry === undefined ? GGUF_DEFAULT_ALIGNMENT : Number(entry.value);
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment > 2 ** 31 || (alignment & (alignment - 1)) !== 0) {
    throw invalid(`alignment must be a power of two, got ${String(entry?.value)}`);
  }
  return alignment;
}

function byteSizeOf(tensor: GgufTensorInput): number {
  for (const dim of tensor.dims) {
    if (!Number.isSafeInteger(dim) || dim < 0) throw invalid(`tensor ${tensor.name}: dimension ${dim} is not a non-negative integer`);
  }
  const info = ggmlTypeInfo(tensor.type);
  const size = tensorByteSize(tensor.type, tensor.dims);
  if (size === null) {
    if (info && info.blockSize > 0) {
      throw invalid(`tensor ${tensor.name}: dims[0] ${tensor.dims[0]} is not a multiple of the ${info.name} block size ${info.blockSize}`);
    }
    if (!tensor.data) throw invalid(`tensor ${tensor.name}: type ${tensor.type} has no known size, so data is required`);
    return tensor.data.length;
  }
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`tensor ${tensor.name}: ${size} bytes is too large`);
  if (tensor.data && BigInt(tensor.data.length) !== size) {
    throw invalid(`tensor ${tensor.name}: data has ${tensor.data.length} bytes, the shape needs ${size}`);
  }
  return Number(size);
}

function padTo(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function keyLabel(key: string | Uint8Array): string {
  return typeof key === "string" ? key : "(raw key)";
}

function invalid(message: string): AppError {
  return new AppError("invalid-input", `writeGguf: ${message}`);
}

const INTEGER_RANGES: Partial<Record<GgufValueType, readonly [number, number]>> = {
  [GgufValueType.UINT8]: [0, 0xff],
  [GgufValueType.INT8]: [-0x80, 0x7f],
  [GgufValueType.UINT16]: [0, 0xffff],
  [GgufValueType.INT16]: [-0x8000, 0x7fff],
  [GgufValueType.UINT32]: [0, 0xffffffff],
  [GgufValueType.INT32]: [-0x80000000, 0x7fffffff],
};

/** `index` names the array item in error messages; built lazily because token arrays have 256k items. */
function writeValue(w: ByteWriter, type: GgufValueType, value: GgufValueInput, label: string, index?: number): void {
  const mismatch = (): AppError =>
    invalid(`${label}${index === undefined ? "" : `[${index}]`}: ${describe(value)} is not a valid ${ggufValueTypeName(type)}`);
  switch (type) {
    case GgufValueType.STRING:
      if (typeof value !== "string" && !(value instanceof Uint8Array)) throw mismatch();
      w.string(value, label);
      return;
    case GgufValueType.ARRAY: {
      if (typeof value !== "object" || value instanceof Uint8Array || !isGgufValueType(value.elementType)) throw mismatch();
      w.u32(value.elementType);
      w.u64(BigInt(value.items.length));
      for (let i = 0; i < value.items.length; i++) {
        const item = value.items[i];
        if (item === undefined) throw invalid(`${label}[${i}]: missing array item`);
        if (value.elementType === GgufValueType.ARRAY) writeValue(w, value.elementType, item, `${label}[${i}]`);
        else writeValue(w, value.elementType, item, label, i);
      }
      return;
    }
    case GgufValueType.BOOL:
      if (typeof value !== "boolean") throw mismatch();
      w.u8(value ? 1 : 0);
      return;
    case GgufValueType.FLOAT32:
    case GgufValueType.FLOAT64:
      if (typeof value !== "number") throw mismatch();
      if (type === GgufValueType.FLOAT32) w.f32(value);
      else w.f64(value);
      return;
    case GgufValueType.UINT64:
    case GgufValueType.INT64: {
      if (typeof value !== "bigint" && !(typeof value === "number" && Number.isSafeInteger(value))) throw mismatch();
      const big = BigInt(value);
      if (type === GgufValueType.UINT64 ? big < 0n || big >= 2n ** 64n : big < -(2n ** 63n) || big >= 2n ** 63n) throw mismatch();
      if (type === GgufValueType.UINT64) w.u64(big);
      else w.i64(big);
      return;
    }
    default: {
      const range = INTEGER_RANGES[type];
      if (!range || typeof value !== "number" || !Number.isInteger(value) || value < range[0] || value > range[1]) throw mismatch();
      w.integer(value, fixedValueSize(type) ?? 1, range[0] < 0);
    }
  }
}

function describe(value: GgufValueInput): string {
  if (value instanceof Uint8Array) return `${value.length} raw bytes`;
  if (typeof value === "object") return "an array";
  return typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : String(value);
}

/** Growable little- (or big-) endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  private readonly encoder = new TextEncoder();
  length = 0;

  constructor(private readonly littleEndian: boolean) {}

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      let capacity = this.buf.length * 2;
      while (capacity < this.length + n) capacity *= 2;
      const next = new Uint8Array(capacity);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  raw(bytes: Uint8Array): void {
    // reserve() may replace this.buf, so it must run before the buffer is read.
    const at = this.reserve(bytes.length);
    this.buf.set(bytes, at);
  }
  u8(v: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
  }
  u32(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, this.littleEndian);
  }
  u64(v: bigint): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, v, this.littleEndian);
  }
  i64(v: bigint): void {
    const at = this.reserve(8);
    this.view.setBigInt64(at, v, this.littleEndian);
  }
  f32(v: number): void {
    const at = this.reserve(4);
    this.view.setFloat32(at, v, this.littleEndian);
  }
  f64(v: number): void {
    const at = this.reserve(8);
    this.view.setFloat64(at, v, this.littleEndian);
  }
  integer(v: number, size: number, signed: boolean): void {
    const at = this.reserve(size);
    if (size === 1) {
      if (signed) this.view.setInt8(at, v);
      else this.view.setUint8(at, v);
    } else if (size === 2) {
      if (signed) this.view.setInt16(at, v, this.littleEndian);
      else this.view.setUint16(at, v, this.littleEndian);
    } else if (signed) this.view.setInt32(at, v, this.littleEndian);
    else this.view.setUint32(at, v, this.littleEndian);
  }
  string(value: string | Uint8Array, label: string): void {
    const bytes = typeof value === "string" ? this.encoder.encode(value) : value;
    if (bytes.length > 0xffffffff) throw invalid(`${label}: string of ${bytes.length} bytes is too long`);
    this.u64(BigInt(bytes.length));
    this.raw(bytes);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
