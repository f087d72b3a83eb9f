// Reads a GGUF header (metadata and tensor infos, never tensor data) from any
// ByteSource. Files on the share are untrusted: every count and length is
// checked against a named limit and against the bytes actually left before
// anything is allocated or iterated, so a hostile or truncated file ends in an
// AppError("corrupt-file") with a byte offset, never a crash, a huge
// allocation or a long loop. Layout: formats.md 1.1–1.5.

import { AppError, errorMessage } from "../errors.ts";
import type { ByteSource } from "./byte-source.ts";
import { ggmlTypeInfo, ggmlTypeName, tensorByteSize } from "./ggml-types.ts";
import {
  GgufValueType,
  fixedValueSize,
  ggufValueTypeName,
  isGgufValueType,
  isIntegerValueType,
  minValueSize,
  type GgufArray,
  type GgufMetadataEntry,
  type GgufValue,
} from "./gguf-value-type.ts";

const MiB = 1024 * 1024;

// Real files have at most a few thousand tensors (unfused MoE experts); each
// tensor info is kept in memory, so a count far beyond that is an attack.
export const MAX_TENSOR_COUNT = 1 << 20;
// Real files carry 20–200 keys; every entry is kept in memory.
export const MAX_METADATA_COUNT = 1 << 16;
// The longest real strings are chat templates (tens of KB); llama.cpp allows
// 1 GiB, but a materialised string that size is an attack, not a template.
export const MAX_STRING_LENGTH = 16 * MiB;
// The spec's limit for keys; also applied to tensor names (llama.cpp: 63).
export const MAX_KEY_LENGTH = 65_535;
// llama.cpp's GGUF_MAX_ARRAY_ELEMENTS: a longer array would not load anyway.
// Real maxima are token lists of ~256k entries. Counts are also bounded by
// the bytes left in the file (n × smallest element size).
export const MAX_ARRAY_LENGTH = 2 ** 30;
// llama.cpp rejects nested arrays and @huggingface/gguf stops at 4 levels;
// the limit bounds recursion on hostile input.
export const MAX_NESTING_DEPTH = 4;
// GGML_MAX_DIMS.
export const MAX_DIMS = 4;
// A 256k-token vocabulary with its merges is ~10 MB of header; the limit
// bounds the I/O and time any header can cost.
export const MAX_HEADER_BYTES = 512 * MiB;
// Arrays up to this length are kept whole: per-layer hyperparameters have one
// entry per block (≤ ~200 in real models). Longer ones keep ARRAY_HEAD_LENGTH items.
export const INLINE_ARRAY_LENGTH = 512;
// Items kept from a long array (token lists, merges, scores) to show in the UI.
export const ARRAY_HEAD_LENGTH = 8;
// Budget of array items materialised per file: each costs ~50× its smallest
// encoding in memory, so nested short arrays could otherwise multiply a
// hostile header into gigabytes. Real files use a few thousand.
export const MAX_INLINE_ARRAY_ITEMS = 1 << 16;

export const GGUF_DEFAULT_ALIGNMENT = 32;
const GGUF_MAGIC = [0x47, 0x47, 0x55, 0x46]; // "GGUF"
// Headers usually fit in 64 KiB; long token lists are then read sequentially
// in windows growing to 1 MiB, never all at once.
const INITIAL_READ_BYTES = 64 * 1024;
const MAX_READ_BYTES = MiB;
// Smallest encodings, to bound counts before iterating (formats.md 1.1).
const MIN_KV_BYTES = 8 + 1 + 4 + 1; // key length, 1-byte key, type, 1-byte value
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8; // name length, n_dims, type, offset
const INT64_LIMIT = 2n ** 63n;

export interface GgufLimits {
  maxTensorCount: number;
  maxMetadataCount: number;
  maxStringLength: number;
  maxKeyLength: number;
  maxArrayLength: number;
  maxNestingDepth: number;
  maxDims: number;
  maxHeaderBytes: number;
  inlineArrayLength: number;
  maxInlineArrayItems: number;
}

export const DEFAULT_GGUF_LIMITS: Readonly<GgufLimits> = Object.freeze({
  maxTensorCount: MAX_TENSOR_COUNT,
  maxMetadataCount: MAX_METADATA_COUNT,
  maxStringLength: MAX_STRING_LENGTH,
  maxKeyLength: MAX_KEY_LENGTH,
  maxArrayLength: MAX_ARRAY_LENGTH,
  maxNestingDepth: MAX_NESTING_DEPTH,
  maxDims: MAX_DIMS,
  maxHeaderBytes: MAX_HEADER_BYTES,
  inlineArrayLength: INLINE_ARRAY_LENGTH,
  maxInlineArrayItems: MAX_INLINE_ARRAY_ITEMS,
});

export interface GgufTensorInfo {
  readonly name: string;
  /** ggml order: dims[0] is the contiguous row, e.g. token_embd is [n_embd, n_vocab]. */
  readonly dims: readonly number[];
  /** ggml_type id; ids this reader does not know are kept (typeName "unknown(N)"). */
  readonly type: number;
  readonly typeName: string;
  /** Relative to tensorDataOffset. */
  readonly offset: bigint;
  readonly elementCount: bigint;
  /** null when the type is unknown or removed: its block size is not known. */
  readonly byteSize: bigint | null;
}

export interface GgufHeader {
  readonly version: 2 | 3;
  readonly tensorCount: number;
  readonly metadataCount: number;
  /** In file order. */
  readonly metadata: ReadonlyMap<string, GgufMetadataEntry>;
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  readonly tensorInfoStart: number;
  /** First byte after the last tensor info (before padding). */
  readonly tensorInfoEnd: number;
  /** Start of tensor data: tensorInfoEnd padded to the alignment if there are tensors. */
  readonly tensorDataOffset: number;
  /** Σ byteSize over tensors of known type. */
  readonly tensorBytes: bigint;
  /** Tensors whose type is unknown, so tensorBytes leaves them out. */
  readonly unknownSizeTensorCount: number;
  readonly fileSize: number;
  /** Bytes actually fetched from the source: proves a scan read only the header. */
  readonly bytesRead: number;
}

export interface ReadGgufHeaderOptions {
  /** Names the file in error messages (a path relative to the library root). */
  fileLabel: string;
  limits?: Partial<GgufLimits>;
}

/**
 * Parses the header of a little-endian GGUF v2/v3 file. Throws AppError:
 * "corrupt-file" (details { file, offset }) for anything malformed,
 * "unsupported" for big-endian or v1 files, "io" when the source fails.
 */
export async function readGgufHeader(source: ByteSource, options: ReadGgufHeaderOptions): Promise<GgufHeader> {
  const limits = resolveLimits(options, source.size);
  const cursor = new HeaderCursor(source.size, options.fileLabel, limits);
  const parser = parseHeader(cursor, limits);
  try {
    let step = parser.next();
    while (!step.done) step = parser.next(await readSource(source, step.value, options.fileLabel));
    return step.value;
  } catch (error) {
    throw asAppError(error, cursor);
  }
}

/** The same parser over bytes already in memory (e.g. a file just written), synchronously. */
export function readGgufHeaderFromBytes(bytes: Uint8Array, options: ReadGgufHeaderOptions): GgufHeader {
  const limits = resolveLimits(options, bytes.length);
  const cursor = new HeaderCursor(bytes.length, options.fileLabel, limits);
  const parser = parseHeader(cursor, limits);
  try {
    let step = parser.next();
    while (!step.done) step = parser.next(bytes.subarray(step.value.position, step.value.position + step.value.length));
    return step.value;
  } catch (error) {
    throw asAppError(error, cursor);
  }
}

/** A read the parser needs before it can continue. */
interface ReadRequest {
  position: number;
  length: number;
}

/** Parser steps: yield a read request, resume with the bytes read. */
type Reads<T> = Generator<ReadRequest, T, Uint8Array>;

async function readSource(source: ByteSource, request: ReadRequest, fileLabel: string): Promise<Uint8Array> {
  try {
    return await source.read(request.position, request.length);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("io", `${fileLabel}: read of ${request.length} bytes at byte ${request.position} failed: ${errorMessage(error)}`, {
      cause: error,
      retryable: true,
      details: { file: fileLabel, offset: request.position },
    });
  }
}

function asAppError(error: unknown, cursor: HeaderCursor): AppError {
  if (error instanceof AppError) return error;
  // Safety net: every malformation has an explicit check, but one odd file
  // must never take down a library scan. `unexpected` flags it for tests.
  return new AppError("corrupt-file", `${cursor.fileLabel}: unreadable GGUF header (${errorMessage(error)}) at byte ${cursor.pos}`, {
    cause: error,
    details: { file: cursor.fileLabel, offset: cursor.pos, unexpected: true },
  });
}

function resolveLimits(options: ReadGgufHeaderOptions, size: number): GgufLimits {
  if (typeof options.fileLabel !== "string" || options.fileLabel === "") {
    throw new AppError("invalid-input", "readGgufHeader: fileLabel must be a non-empty string");
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new AppError("invalid-input", `${options.fileLabel}: source size ${size} is not a byte count`);
  }
  const limits: GgufLimits = { ...DEFAULT_GGUF_LIMITS, ...options.limits };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new AppError("invalid-input", `readGgufHeader: limits.${name} must be a non-negative integer, got ${String(value)}`);
    }
  }
  return limits;
}

function* parseHeader(cursor: HeaderCursor, limits: GgufLimits): Reads<GgufHeader> {
  yield* cursor.ensure(4, "magic");
  const magic = cursor.bytes(4);
  if (!GGUF_MAGIC.every((byte, i) => magic[i] === byte)) {
    throw cursor.corrupt(`not a GGUF file (magic ${hex(magic)}, expected 47 47 55 46)`, 0);
  }
  const version = yield* cursor.readU32("version");
  if (version === 0) throw cursor.corrupt("invalid GGUF version 0", 4);
  if ((version & 0xffff) === 0) {
    // A big-endian file's version 3 reads as 0x03000000 here; llama.cpp reports it the same way.
    throw cursor.unsupported(`big-endian GGUF (version bytes ${hex(cursor.bytesAt(4, 4))}) is not supported`, 4);
  }
  if (version === 1) throw cursor.unsupported("GGUF v1 is not supported (llama.cpp dropped it; re-convert the model)", 4);
  if (version > 3) throw cursor.unsupported(`GGUF version ${version} is newer than the supported 3`, 4);

  const tensorCount = yield* cursor.readU64("tensor count");
  if (tensorCount > BigInt(limits.maxTensorCount)) {
    throw cursor.corrupt(`tensor count ${tensorCount} exceeds the limit of ${limits.maxTensorCount}`, 8);
  }
  const metadataCount = yield* cursor.readU64("metadata count");
  if (metadataCount > BigInt(limits.maxMetadataCount)) {
    throw cursor.corrupt(`metadata count ${metadataCount} exceeds the limit of ${limits.maxMetadataCount}`, 16);
  }
  const nTensors = Number(tensorCount);
  const nKv = Number(metadataCount);
  const minimum = nKv * MIN_KV_BYTES + nTensors * MIN_TENSOR_INFO_BYTES;
  if (minimum > cursor.remaining()) {
    throw cursor.corrupt(
      `${nTensors} tensors and ${nKv} metadata entries need at least ${minimum} bytes but only ${cursor.remaining()} are left`,
      8,
    );
  }

  const reader = new ValueReader(cursor, limits);
  const metadata = new Map<string, GgufMetadataEntry>();
  let alignmentOffset = 0;
  for (let i = 0; i < nKv; i++) {
    const keyOffset = cursor.pos;
    const key = yield* reader.readString(limits.maxKeyLength, `metadata key #${i}`);
    if (key === "") throw cursor.corrupt(`metadata key #${i} is empty`, keyOffset);
    if (metadata.has(key)) throw cursor.corrupt(`duplicate metadata key ${quote(key)}`, keyOffset);
    const typeOffset = cursor.pos;
    const typeId = yield* cursor.readU32(`type of ${quote(key)}`);
    if (!isGgufValueType(typeId)) throw cursor.corrupt(`unknown value type ${typeId} for ${quote(key)}`, typeOffset);
    if (key === "general.alignment") alignmentOffset = cursor.pos;
    const value = yield* reader.readValue(typeId, quote(key), 1);
    metadata.set(key, { key, type: typeId, value });
  }

  const alignment = resolveAlignment(metadata, cursor, alignmentOffset);
  const tensorInfoStart = cursor.pos;
  const tensors: GgufTensorInfo[] = [];
  const offsetFieldPositions: number[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const nameOffset = cursor.pos;
    const name = yield* reader.readString(limits.maxKeyLength, `tensor #${i} name`);
    if (names.has(name)) throw cursor.corrupt(`duplicate tensor name ${quote(name)}`, nameOffset);
    names.add(name);
    const label = `tensor ${quote(name)}`;

    const dimsOffset = cursor.pos;
    const nDims = yield* cursor.readU32(`dimension count of ${label}`);
    if (nDims > limits.maxDims) throw cursor.corrupt(`${label} has ${nDims} dimensions, more than ${limits.maxDims}`, dimsOffset);
    const dims: number[] = [];
    let elementCount = 1n;
    for (let d = 0; d < nDims; d++) {
      const dimOffset = cursor.pos;
      const dim = yield* cursor.readU64(`dimension ${d} of ${label}`);
      if (dim > BigInt(Number.MAX_SAFE_INTEGER)) throw cursor.corrupt(`${label} dimension ${d} is ${dim}, too large`, dimOffset);
      dims.push(Number(dim));
      elementCount *= dim;
    }
    if (elementCount >= INT64_LIMIT) throw cursor.corrupt(`${label} has ${elementCount} elements, more than int64 holds`, dimsOffset);

    const typeOffset = cursor.pos;
    const type = yield* cursor.readU32(`type of ${label}`);
    const info = ggmlTypeInfo(type);
    if (info && info.blockSize > 0 && (dims[0] ?? 1) % info.blockSize !== 0) {
      throw cursor.corrupt(
        `${label} rows of ${dims[0] ?? 1} elements are not a multiple of the ${info.name} block size ${info.blockSize}`,
        typeOffset,
      );
    }
    offsetFieldPositions.push(cursor.pos);
    const offset = yield* cursor.readU64(`data offset of ${label}`);
    tensors.push({ name, dims, type, typeName: ggmlTypeName(type), offset, elementCount, byteSize: tensorByteSize(type, dims) });
  }
  const tensorInfoEnd = cursor.pos;
  // gguf_get_data_offset: padded "if and only if the gguf_context contains at least one tensor".
  const tensorDataOffset = nTensors > 0 ? alignUp(tensorInfoEnd, alignment) : tensorInfoEnd;

  let tensorBytes = 0n;
  let unknownSizeTensorCount = 0;
  const fileSize = BigInt(cursor.fileSize);
  const alignmentBig = BigInt(alignment);
  for (const [i, tensor] of tensors.entries()) {
    const fieldOffset = offsetFieldPositions[i] ?? tensorInfoEnd;
    if (tensor.offset % alignmentBig !== 0n) {
      throw cursor.corrupt(`tensor ${quote(tensor.name)} offset ${tensor.offset} is not a multiple of the alignment ${alignment}`, fieldOffset);
    }
    const start = BigInt(tensorDataOffset) + tensor.offset;
    const end = start + (tensor.byteSize ?? 0n);
    if (end > fileSize) {
      throw cursor.corrupt(
        `tensor ${quote(tensor.name)} data (bytes ${start}..${end}) extends past the end of the file (${fileSize} bytes)`,
        fieldOffset,
      );
    }
    if (tensor.byteSize === null) unknownSizeTensorCount++;
    else tensorBytes += tensor.byteSize;
  }

  return {
    version: version as 2 | 3,
    tensorCount: nTensors,
    metadataCount: nKv,
    metadata,
    tensors,
    alignment,
    tensorInfoStart,
    tensorInfoEnd,
    tensorDataOffset,
    tensorBytes,
    unknownSizeTensorCount,
    fileSize: cursor.fileSize,
    bytesRead: cursor.bytesRead,
  };
}

function resolveAlignment(metadata: ReadonlyMap<string, GgufMetadataEntry>, cursor: HeaderCursor, offset: number): number {
  const entry = metadata.get("general.alignment");
  if (!entry) return GGUF_DEFAULT_ALIGNMENT;
  // llama.cpp demands UINT32; any integer type is accepted here, but the value decides where data starts.
  if (!isIntegerValueType(entry.type) || (typeof entry.value !== "number" && typeof entry.value !== "bigint")) {
    throw cursor.corrupt(`general.alignment must be an integer, found ${ggufValueTypeName(entry.type)}`, offset);
  }
  const value = BigInt(entry.value);
  if (value <= 0n || value > 0xffffffffn || (value & (value - 1n)) !== 0n) {
    throw cursor.corrupt(`general.alignment ${value} is not a power of two`, offset);
  }
  return Number(value);
}

function alignUp(position: number, alignment: number): number {
  return Math.ceil(position / alignment) * alignment;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** A key or name for an error message: quoted, and short even when the file's is not. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * Buffered positional reader: a window over the file that refills from the
 * current position, growing to MAX_READ_BYTES; skips past the window cost no I/O.
 * Refills are requested from the driver by yielding a ReadRequest.
 */
class HeaderCursor {
  pos = 0;
  bytesRead = 0;
  private buf = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private bufStart = 0;
  private chunk = INITIAL_READ_BYTES;
  private readonly end: number;

  constructor(
    readonly fileSize: number,
    readonly fileLabel: string,
    private readonly limits: GgufLimits,
  ) {
    this.end = Math.min(fileSize, limits.maxHeaderBytes);
  }

  corrupt(what: string, offset: number): AppError {
    return new AppError("corrupt-file", `${this.fileLabel}: ${what} at byte ${offset}`, {
      details: { file: this.fileLabel, offset },
    });
  }

  unsupported(what: string, offset: number): AppError {
    return new AppError("unsupported", `${this.fileLabel}: ${what} at byte ${offset}`, {
      details: { file: this.fileLabel, offset },
    });
  }

  /** Bytes that may still be read: up to the end of the file or the header limit. */
  remaining(): number {
    return Math.max(0, this.end - this.pos);
  }

  /** Buffered bytes from pos on; negative after a skip past the window. */
  available(): number {
    return this.bufStart + this.buf.length - this.pos;
  }

  /** Makes [pos, pos + n) readable synchronously. */
  *ensure(n: number, what: string): Reads<void> {
    if (this.available() >= n) return;
    this.checkReach(n, what);
    const keep = this.available() > 0 ? this.buf.subarray(this.pos - this.bufStart) : new Uint8Array(0);
    const readFrom = this.pos + keep.length;
    const want = Math.min(Math.max(n - keep.length, this.chunk), this.end - readFrom);
    const received = yield { position: readFrom, length: want };
    const got = received.length > want ? received.subarray(0, want) : received;
    this.bytesRead += got.length;
    this.chunk = Math.min(this.chunk * 2, MAX_READ_BYTES);
    const merged = new Uint8Array(keep.length + got.length);
    merged.set(keep);
    merged.set(got, keep.length);
    this.buf = merged;
    this.bufStart = this.pos;
    this.view = new DataView(merged.buffer, merged.byteOffset, merged.byteLength);
    // The source was shorter than its size said (e.g. the file shrank mid-scan).
    if (merged.length < n) throw this.corrupt(`unexpected end of file in ${what}`, this.pos + merged.length);
  }

  /** Moves past n bytes without reading them. */
  skip(n: number, what: string): void {
    this.checkReach(n, what);
    this.pos += n;
  }

  private checkReach(n: number, what: string): void {
    if (this.pos + n > this.fileSize) throw this.corrupt(`unexpected end of file in ${what}`, this.pos);
    if (this.pos + n > this.limits.maxHeaderBytes) {
      throw this.corrupt(`header is larger than the ${this.limits.maxHeaderBytes}-byte limit in ${what}`, this.pos);
    }
  }

  // Synchronous reads; callers ensure() first.
  private at(): number {
    return this.pos - this.bufStart;
  }
  bytes(n: number): Uint8Array {
    const out = this.buf.subarray(this.at(), this.at() + n);
    this.pos += n;
    return out;
  }
  bytesAt(position: number, n: number): Uint8Array {
    return this.buf.subarray(position - this.bufStart, position - this.bufStart + n);
  }
  u8(): number {
    const v = this.view.getUint8(this.at());
    this.pos += 1;
    return v;
  }
  i8(): number {
    const v = this.view.getInt8(this.at());
    this.pos += 1;
    return v;
  }
  u16(): number {
    const v = this.view.getUint16(this.at(), true);
    this.pos += 2;
    return v;
  }
  i16(): number {
    const v = this.view.getInt16(this.at(), true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.view.getUint32(this.at(), true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    const v = this.view.getInt32(this.at(), true);
    this.pos += 4;
    return v;
  }
  f32(): number {
    const v = this.view.getFloat32(this.at(), true);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.view.getBigUint64(this.at(), true);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    const v = this.view.getBigInt64(this.at(), true);
    this.pos += 8;
    return v;
  }
  f64(): number {
    const v = this.view.getFloat64(this.at(), true);
    this.pos += 8;
    return v;
  }

  *readU32(what: string): Reads<number> {
    if (this.available() < 4) yield* this.ensure(4, what);
    return this.u32();
  }
  *readU64(what: string): Reads<bigint> {
    if (this.available() < 8) yield* this.ensure(8, what);
    return this.u64();
  }
}

/** Metadata values: materialises short arrays, summarises and skips long ones. */
class ValueReader {
  private inlineBudget: number;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private readonly maxStringLength: bigint;

  constructor(
    private readonly cursor: HeaderCursor,
    private readonly limits: GgufLimits,
  ) {
    this.inlineBudget = limits.maxInlineArrayItems;
    this.maxStringLength = BigInt(limits.maxStringLength);
  }

  *readString(maxLength: number, what: string): Reads<string> {
    const cursor = this.cursor;
    const offset = cursor.pos;
    const length = yield* cursor.readU64(`${what} length`);
    if (length > BigInt(maxLength)) throw cursor.corrupt(`${what} length ${length} exceeds the ${maxLength}-byte limit`, offset);
    const n = Number(length);
    if (n > cursor.remaining()) {
      const end = cursor.pos + n > cursor.fileSize ? "the end of the file" : `the ${this.limits.maxHeaderBytes}-byte header limit`;
      throw cursor.corrupt(`${what} length ${n} runs past ${end}`, offset);
    }
    if (cursor.available() < n) yield* cursor.ensure(n, what);
    const bytes = cursor.bytes(n);
    try {
      return this.decoder.decode(bytes);
    } catch (error) {
      throw cursor.corrupt(`invalid UTF-8 in ${what} (${errorMessage(error)})`, offset + 8);
    }
  }

  *readValue(type: GgufValueType, what: string, level: number): Reads<GgufValue> {
    const cursor = this.cursor;
    if (type === GgufValueType.STRING) return yield* this.readString(this.limits.maxStringLength, what);
    if (type === GgufValueType.ARRAY) return yield* this.readArray(what, level);
    const size = fixedValueSize(type) ?? 1;
    if (cursor.available() < size) yield* cursor.ensure(size, what);
    switch (type) {
      case GgufValueType.UINT8:
        return cursor.u8();
      case GgufValueType.INT8:
        return cursor.i8();
      case GgufValueType.UINT16:
        return cursor.u16();
      case GgufValueType.INT16:
        return cursor.i16();
      case GgufValueType.UINT32:
        return cursor.u32();
      case GgufValueType.INT32:
        return cursor.i32();
      case GgufValueType.FLOAT32:
        return cursor.f32();
      case GgufValueType.BOOL: {
        const offset = cursor.pos;
        const byte = cursor.u8();
        if (byte > 1) throw cursor.corrupt(`bool ${what} has value ${byte}, not 0 or 1`, offset);
        return byte === 1;
      }
      case GgufValueType.UINT64:
        return cursor.u64();
      case GgufValueType.INT64:
        return cursor.i64();
      case GgufValueType.FLOAT64:
        return cursor.f64();
    }
  }

  private *readArray(what: string, level: number): Reads<GgufArray> {
    const { elementType, length } = yield* this.readArrayHeader(what, level);
    const wanted = length <= this.limits.inlineArrayLength ? length : Math.min(ARRAY_HEAD_LENGTH, length);
    const headLength = Math.min(wanted, this.inlineBudget);
    this.inlineBudget -= headLength;
    const head: GgufValue[] = [];
    for (let i = 0; i < headLength; i++) head.push(yield* this.readValue(elementType, `${what}[${i}]`, level + 1));
    yield* this.skipValues(elementType, length - headLength, what, level + 1);
    return { kind: "array", elementType, length, head, truncated: headLength < length };
  }

  /** Reads an array's element type and length, checked against the limits and the bytes left. */
  private *readArrayHeader(what: string, level: number): Reads<{ elementType: GgufValueType; length: number }> {
    const cursor = this.cursor;
    const typeOffset = cursor.pos;
    if (level > this.limits.maxNestingDepth) {
      throw cursor.corrupt(`${what} nests arrays deeper than ${this.limits.maxNestingDepth} levels`, typeOffset);
    }
    const elementType = yield* cursor.readU32(`element type of ${what}`);
    if (!isGgufValueType(elementType)) throw cursor.corrupt(`unknown element type ${elementType} in array ${what}`, typeOffset);
    const lengthOffset = cursor.pos;
    const count = yield* cursor.readU64(`length of ${what}`);
    if (count > BigInt(this.limits.maxArrayLength)) {
      throw cursor.corrupt(`array ${what} length ${count} exceeds the limit of ${this.limits.maxArrayLength}`, lengthOffset);
    }
    const length = Number(count);
    const minimum = length * minValueSize(elementType);
    if (minimum > cursor.remaining()) {
      throw cursor.corrupt(
        `array ${what} of ${length} ${ggufValueTypeName(elementType)} needs at least ${minimum} bytes but only ${cursor.remaining()} are left`,
        lengthOffset,
      );
    }
    return { elementType, length };
  }

  /**
   * Moves past `count` values without materialising them: fixed-size values
   * arithmetically (no I/O), strings by walking their lengths, arrays recursively.
   * Skipped strings are length-checked but not UTF-8 decoded.
   */
  private *skipValues(type: GgufValueType, count: number, what: string, level: number): Reads<void> {
    if (count === 0) return;
    const cursor = this.cursor;
    const size = fixedValueSize(type);
    if (size !== undefined) {
      cursor.skip(count * size, what);
      return;
    }
    if (type === GgufValueType.ARRAY) {
      for (let i = 0; i < count; i++) {
        const inner = yield* this.readArrayHeader(`${what}[…]`, level);
        yield* this.skipValues(inner.elementType, inner.length, what, level + 1);
      }
      return;
    }
    let i = 0;
    while (i < count) {
      // Tight loop while length fields are buffered: token lists have 256k strings.
      while (i < count && cursor.available() >= 8) {
        const offset = cursor.pos;
        const length = cursor.u64();
        if (length > this.maxStringLength) {
          throw cursor.corrupt(`string in ${what} length ${length} exceeds the ${this.limits.maxStringLength}-byte limit`, offset);
        }
        cursor.skip(Number(length), `string in ${what}`);
        i++;
      }
      if (i < count) yield* cursor.ensure(8, `string length in ${what}`);
    }
  }
}
