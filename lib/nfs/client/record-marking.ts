// RFC 5531 §11 record marking: over TCP every RPC message is a record made of
// fragments, each preceded by a 4-byte header (top bit = last fragment, low 31
// bits = fragment length). The decoder enforces a record size limit before it
// buffers anything, so a server cannot make us allocate gigabytes.
import { AppError } from "../../errors.ts";

const LAST_FRAGMENT_BIT = 0x8000_0000;
const FRAGMENT_LENGTH_MASK = 0x7fff_ffff;
const HEADER_BYTES = 4;

/**
 * A record may not be split into more fragments than this. Servers send one
 * fragment per reply (ganesha, Linux knfsd) or a handful; thousands of tiny or
 * empty fragments would only keep the parser busy while the call never completes.
 */
export const MAX_FRAGMENTS_PER_RECORD = 1024;

export interface RecordDecoderOptions {
  /** Largest record accepted, in bytes (all fragments together). */
  maxRecordBytes: number;
  maxFragments?: number;
}

/** Frames `payload` as one record of a single, last fragment. */
export function encodeRecord(payload: Uint8Array): Uint8Array {
  if (payload.length > FRAGMENT_LENGTH_MASK) throw new AppError("invalid-input", `RPC record of ${payload.length} bytes is too large to send`);
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  new DataView(out.buffer).setUint32(0, (LAST_FRAGMENT_BIT | payload.length) >>> 0);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Splits `payload` into fragments of at most `fragmentBytes` (tests and hostile-server fakes use this). */
export function encodeFragments(payload: Uint8Array, fragmentBytes: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  do {
    const length = Math.min(fragmentBytes, payload.length - offset);
    const header = new Uint8Array(HEADER_BYTES);
    const last = offset + length >= payload.length;
    new DataView(header.buffer).setUint32(0, ((last ? LAST_FRAGMENT_BIT : 0) | length) >>> 0);
    parts.push(header, payload.subarray(offset, offset + length));
    offset += length;
  } while (offset < payload.length);
  return Buffer.concat(parts);
}

/**
 * Reassembles records from a TCP byte stream. push() returns the records that
 * completed; it throws AppError("io") on a record above the limit, after which
 * the stream cannot be trusted and the connection must be dropped.
 */
export class RecordDecoder {
  readonly #maxRecordBytes: number;
  readonly #maxFragments: number;
  /** Header bytes collected so far (a header can straddle two TCP chunks). */
  readonly #header = new Uint8Array(HEADER_BYTES);
  #headerFilled = 0;
  /** Body of the fragment being read, allocated once its length is known and checked. */
  #fragment: Uint8Array | null = null;
  #fragmentFilled = 0;
  #fragmentIsLast = false;
  /** Earlier fragments of the current record. */
  #fragments: Uint8Array[] = [];
  #recordBytes = 0;

  constructor(options: RecordDecoderOptions) {
    this.#maxRecordBytes = options.maxRecordBytes;
    this.#maxFragments = options.maxFragments ?? MAX_FRAGMENTS_PER_RECORD;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    const records: Uint8Array[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      let fragment = this.#fragment;
      if (fragment === null) {
        const take = Math.min(HEADER_BYTES - this.#headerFilled, chunk.length - offset);
        this.#header.set(chunk.subarray(offset, offset + take), this.#headerFilled);
        this.#headerFilled += take;
        offset += take;
        if (this.#headerFilled < HEADER_BYTES) break;
        fragment = this.#startFragment();
      }
      // A zero-length fragment completes right here, without consuming body bytes.
      const take = Math.min(fragment.length - this.#fragmentFilled, chunk.length - offset);
      fragment.set(chunk.subarray(offset, offset + take), this.#fragmentFilled);
      this.#fragmentFilled += take;
      offset += take;
      if (this.#fragmentFilled === fragment.length) {
        const record = this.#finishFragment(fragment);
        if (record) records.push(record);
      }
    }
    return records;
  }

  #startFragment(): Uint8Array {
    const word = new DataView(this.#header.buffer).getUint32(0);
    const length = word & FRAGMENT_LENGTH_MASK;
    this.#headerFilled = 0;
    this.#fragmentIsLast = (word & LAST_FRAGMENT_BIT) !== 0;
    if (this.#fragments.length + 1 > this.#maxFragments) {
      throw new AppError("io", `RPC record split into more than ${this.#maxFragments} fragments; the server's stream is not valid`, {
        details: { maxFragments: this.#maxFragments },
      });
    }
    if (this.#recordBytes + length > this.#maxRecordBytes) {
      throw new AppError(
        "io",
        `RPC record of at least ${this.#recordBytes + length} bytes exceeds the limit of ${this.#maxRecordBytes}; the server's reply is not valid`,
        { details: { recordBytes: this.#recordBytes + length, maxRecordBytes: this.#maxRecordBytes } },
      );
    }
    this.#recordBytes += length;
    // Not zero-filled: every byte is overwritten from the stream before the record is
    // handed out (an incomplete fragment is never returned). Saves a memset per READ.
    this.#fragment = Buffer.allocUnsafe(length);
    this.#fragmentFilled = 0;
    return this.#fragment;
  }

  #finishFragment(fragment: Uint8Array): Uint8Array | null {
    this.#fragment = null;
    this.#fragmentFilled = 0;
    if (!this.#fragmentIsLast) {
      this.#fragments.push(fragment);
      return null;
    }
    const parts = this.#fragments;
    this.#fragments = [];
    this.#recordBytes = 0;
    if (parts.length === 0) return fragment;
    parts.push(fragment);
    const record = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of parts) {
      record.set(part, at);
      at += part.length;
    }
    return record;
  }
}
