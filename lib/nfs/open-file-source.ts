// Random-access reads of one file for the GGUF header reader, with a timeout on
// every call and a budget so a corrupt header cannot make us read gigabytes.
import { AppError } from "../errors.ts";
import { requireIntegerOption, requireTimeoutMs } from "./require-option.ts";
import { labelledPath, localShareFs, type ShareFileHandle, type ShareFs, type ShareStats } from "./share-fs.ts";
import { fsError, withFsTimeout } from "./with-fs-timeout.ts";

/** Structural twin of lib/gguf's ByteSource: lib/nfs must not import lib/gguf. */
export interface FileSource {
  /** File size when it was opened. */
  readonly size: number;
  /** Reads `length` bytes at `position`; fewer only at end of file. */
  read(position: number, length: number): Promise<Uint8Array>;
  /** Total bytes returned by read() so far. */
  readonly bytesRead: number;
  close(): Promise<void>;
}

/**
 * One read() is one buffer in memory and one timed call. A GGUF header is read in
 * pieces of KiB to a few MiB; 16 MiB is far above that yet small enough that a
 * slow NAS (≥ 10 MB/s) delivers it well within a timeout.
 */
export const MAX_SINGLE_READ_BYTES = 16 * 1024 * 1024;

/**
 * Total budget per opened file. Real headers (metadata + tensor index) stay below
 * ~100 MiB even with huge vocabularies; 1 GiB means a corrupt or hostile length field.
 */
export const DEFAULT_MAX_READ_BYTES = 1024 * 1024 * 1024;

export interface OpenFileSourceOptions {
  timeoutMs: number;
  maxReadBytes?: number;
  /** Where the file lives; node:fs by default. */
  fs?: ShareFs;
}

class TimedFileSource implements FileSource {
  readonly size: number;
  #bytesRead = 0;
  #closed = false;
  readonly #handle: ShareFileHandle;
  /** The labelled path, for messages. */
  readonly #path: string;
  readonly #timeoutMs: number;
  readonly #maxReadBytes: number;

  constructor(handle: ShareFileHandle, shownPath: string, size: number, timeoutMs: number, maxReadBytes: number) {
    this.#handle = handle;
    this.#path = shownPath;
    this.size = size;
    this.#timeoutMs = timeoutMs;
    this.#maxReadBytes = maxReadBytes;
  }

  get bytesRead(): number {
    return this.#bytesRead;
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    if (this.#closed) throw new AppError("internal", `read() after close() on ${this.#path}`);
    requireIntegerOption("position", position, 0);
    requireIntegerOption("length", length, 0, MAX_SINGLE_READ_BYTES);
    if (this.#bytesRead + length > this.#maxReadBytes) {
      throw new AppError(
        "corrupt-file",
        `Refusing to read more than ${this.#maxReadBytes} bytes of ${this.#path}: its header asks for far more data than any real model header`,
        { details: { path: this.#path, maxReadBytes: this.#maxReadBytes, bytesRead: this.#bytesRead, position, length } },
      );
    }
    const buffer = new Uint8Array(length);
    let filled = 0;
    // A positional read may return less than asked (network filesystems do); loop until full or EOF.
    while (filled < length) {
      const { bytesRead } = await withFsTimeout(
        () => this.#handle.read(buffer, filled, length - filled, position + filled),
        this.#timeoutMs,
        `Reading ${this.#path}`,
      ).catch((error: unknown) => {
        throw fsError(error, this.#path);
      });
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.#bytesRead += filled;
    return filled === length ? buffer : buffer.subarray(0, filled);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await withFsTimeout(() => this.#handle.close(), this.#timeoutMs, `Closing ${this.#path}`).catch((error: unknown) => {
      throw fsError(error, this.#path);
    });
  }
}

/** Opens a regular file on `options.fs` for positional reads. Throws AppError (not-found, forbidden, timeout, …). */
export async function openFileSource(absPath: string, options: OpenFileSourceOptions): Promise<FileSource> {
  const timeoutMs = requireTimeoutMs(options.timeoutMs);
  const maxReadBytes = requireIntegerOption("maxReadBytes", options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES, 0);
  const fs = options.fs ?? localShareFs;
  const shown = labelledPath(fs, absPath);
  const opening = fs.open(absPath);
  let handle: ShareFileHandle;
  try {
    handle = await withFsTimeout(() => opening, timeoutMs, `Opening ${shown}`);
  } catch (error) {
    // If the open completes after we gave up, close that descriptor instead of leaking it.
    opening.then((late) => late.close()).then(undefined, () => undefined);
    throw fsError(error, shown);
  }
  let stats: ShareStats;
  try {
    stats = await withFsTimeout(() => handle.stat(), timeoutMs, `stat of ${shown}`);
  } catch (error) {
    // The stat failure is what the caller needs to hear; a failing close adds nothing.
    handle.close().then(undefined, () => undefined);
    throw fsError(error, shown);
  }
  if (!stats.isFile()) {
    await handle.close();
    throw new AppError("invalid-input", `${shown} is not a regular file`, { details: { path: shown } });
  }
  return new TimedFileSource(handle, shown, Number(stats.size), timeoutMs, maxReadBytes);
}
