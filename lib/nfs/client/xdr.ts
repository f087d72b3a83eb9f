// RFC 4506 XDR: big-endian 4-byte units, opaque data padded to a multiple of 4.
// The reader never trusts a length: every count is checked against the bytes
// that remain (and against a caller-given maximum) before anything is allocated,
// so a hostile reply fails with an AppError instead of a RangeError or a huge buffer.
import { AppError } from "../../errors.ts";

/** Pads `n` up to the next multiple of the XDR unit (4 bytes). */
export function xdrPadded(n: number): number {
  // Arithmetic, not `(n + 3) & ~3`: bit operations wrap lengths ≥ 2^31 to negative numbers.
  return n + ((4 - (n % 4)) % 4);
}

/** A malformed XDR stream: the reply is not what the RFC allows. */
export function malformedXdr(reason: string, offset: number): AppError {
  return new AppError("io", reason, { details: { reason, offset } });
}

const utf8 = new TextDecoder("utf-8", { fatal: false });
const utf8Encoder = new TextEncoder();

/** Decodes XDR from one complete record. Views it returns share the record's memory. */
export class XdrReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  #need(bytes: number, what: string): void {
    if (bytes > this.remaining) {
      throw malformedXdr(`${what} needs ${bytes} bytes at offset ${this.#offset}, only ${this.remaining} remain`, this.#offset);
    }
  }

  uint32(what = "uint32"): number {
    this.#need(4, what);
    const value = this.#view.getUint32(this.#offset);
    this.#offset += 4;
    return value;
  }

  int32(what = "int32"): number {
    this.#need(4, what);
    const value = this.#view.getInt32(this.#offset);
    this.#offset += 4;
    return value;
  }

  uint64(what = "uint64"): bigint {
    this.#need(8, what);
    const value = this.#view.getBigUint64(this.#offset);
    this.#offset += 8;
    return value;
  }

  /** A uint64 that must fit a JS number exactly (sizes, offsets). */
  safeUint64(what = "uint64"): number {
    const start = this.#offset;
    const value = this.uint64(what);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw malformedXdr(`${what} ${value} is larger than 2^53`, start);
    return Number(value);
  }

  bool(what = "bool"): boolean {
    const start = this.#offset;
    const value = this.uint32(what);
    if (value > 1) throw malformedXdr(`${what} must be 0 or 1, got ${value}`, start);
    return value === 1;
  }

  /** An enum restricted to `allowed` values. */
  enumOf<T extends number>(allowed: ReadonlySet<number>, what: string): T {
    const start = this.#offset;
    const value = this.int32(what);
    if (!allowed.has(value)) throw malformedXdr(`${what} has unknown value ${value}`, start);
    return value as T;
  }

  /** Fixed-length opaque (e.g. an 8-byte cookie verifier). */
  fixedOpaque(length: number, what = "opaque"): Uint8Array {
    this.#need(xdrPadded(length), what);
    const value = this.#bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += xdrPadded(length);
    return value;
  }

  /** Variable-length opaque of at most `max` bytes. */
  opaque(max: number, what = "opaque"): Uint8Array {
    const start = this.#offset;
    const length = this.uint32(`${what} length`);
    if (length > max) throw malformedXdr(`${what} is ${length} bytes, the limit is ${max}`, start);
    return this.fixedOpaque(length, what);
  }

  /** Variable-length string of at most `max` bytes, decoded as UTF-8 (invalid bytes become U+FFFD). */
  string(max: number, what = "string"): string {
    return utf8.decode(this.opaque(max, what));
  }

  /**
   * A counted array of at most `max` elements. Each element occupies at least
   * `minElementBytes` on the wire, so a count the remaining bytes cannot hold is
   * rejected before any element is decoded.
   */
  array<T>(max: number, minElementBytes: number, what: string, element: (r: XdrReader) => T): T[] {
    const start = this.#offset;
    const count = this.uint32(`${what} count`);
    if (count > max) throw malformedXdr(`${what} has ${count} elements, the limit is ${max}`, start);
    this.#need(count * minElementBytes, what);
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(element(this));
    return out;
  }

  /**
   * An XDR linked list ("*next" optional-data chain, as in portmap DUMP and
   * MOUNT EXPORT). Every element costs at least 4 bytes, so the loop ends with the
   * data; `max` bounds the result so a reply cannot grow an unbounded array.
   */
  list<T>(max: number, what: string, element: (r: XdrReader) => T): T[] {
    const out: T[] = [];
    while (this.bool(`${what} follows`)) {
      if (out.length >= max) throw malformedXdr(`${what} has more than ${max} entries`, this.#offset);
      out.push(element(this));
    }
    return out;
  }

  /** Fails unless every byte was consumed: trailing garbage means we misread the reply. */
  end(what = "reply"): void {
    if (this.remaining !== 0) throw malformedXdr(`${this.remaining} unexpected bytes after the ${what}`, this.#offset);
  }
}

/** Builds one XDR message in a growing buffer. */
export class XdrWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #length = 0;

  constructor(initialCapacity = 256) {
    this.#bytes = new Uint8Array(initialCapacity);
    this.#view = new DataView(this.#bytes.buffer);
  }

  #reserve(bytes: number): number {
    const at = this.#length;
    if (at + bytes > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, at + bytes));
      grown.set(this.#bytes.subarray(0, at));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length += bytes;
    return at;
  }

  uint32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
      throw new AppError("invalid-input", `XDR uint32 out of range: ${value}`);
    }
    const at = this.#reserve(4);
    this.#view.setUint32(at, value);
    return this;
  }

  int32(value: number): this {
    if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
      throw new AppError("invalid-input", `XDR int32 out of range: ${value}`);
    }
    const at = this.#reserve(4);
    this.#view.setInt32(at, value);
    return this;
  }

  uint64(value: bigint | number): this {
    const big = BigInt(value);
    if (big < 0n || big > 0xffff_ffff_ffff_ffffn) throw new AppError("invalid-input", `XDR uint64 out of range: ${big}`);
    const at = this.#reserve(8);
    this.#view.setBigUint64(at, big);
    return this;
  }

  bool(value: boolean): this {
    return this.uint32(value ? 1 : 0);
  }

  fixedOpaque(bytes: Uint8Array): this {
    const at = this.#reserve(xdrPadded(bytes.length));
    this.#bytes.set(bytes, at);
    // Padding must be zero (RFC 4506 §4.9); the buffer may hold bytes from before a grow.
    this.#bytes.fill(0, at + bytes.length, at + xdrPadded(bytes.length));
    return this;
  }

  opaque(bytes: Uint8Array, max: number): this {
    if (bytes.length > max) throw new AppError("invalid-input", `XDR opaque of ${bytes.length} bytes exceeds its limit of ${max}`);
    return this.uint32(bytes.length).fixedOpaque(bytes);
  }

  string(value: string, max: number): this {
    return this.opaque(utf8Encoder.encode(value), max);
  }

  /** The encoded bytes (a copy-free view of the internal buffer). */
  finish(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }
}

/** UTF-8 byte length of a string, for limits stated in bytes. */
export function utf8ByteLength(value: string): number {
  return utf8Encoder.encode(value).length;
}
