// A byte range of a library file as a Node stream, from a local (or kernel-mounted)
// path or an nfs:// root: what the registry serves and what pushes upload. Reads are
// bounded chunks with an optional shared bandwidth cap; memory stays constant in
// the file size. Worker processes only (this touches the share).
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { AppError, errorMessage } from "../errors.ts";
import type { Throttle } from "../hashing/throttle.ts";
import { openLibraryRoot, type OpenedRoot } from "./open-library-root.ts";

/** Bytes per read: large enough for NFS pipelining, small enough to keep memory flat. */
export const STREAM_CHUNK_BYTES = 1024 * 1024;

export interface LibraryFileStreamOptions {
  /** First byte (default 0). */
  start?: number;
  /** Last byte, inclusive (default: end of file). */
  end?: number;
  /** Timeout for opening the root and for each remote read. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Shared bandwidth cap; null/undefined = unlimited. */
  throttle?: Throttle | null;
  /** Size the catalogue recorded: a file of another size is refused (it changed since indexing). */
  expectedSize?: number;
}

export interface LibraryFileStream {
  /** Size of the whole file. */
  size: number;
  /** Bytes this stream will deliver (end - start + 1). */
  length: number;
  start: number;
  end: number;
  /** How the file reads in messages. */
  display: string;
  body: Readable;
}

/**
 * Opens `relPath` under the library at `libraryPath` and returns a stream of the
 * requested range. The root is released when the stream ends or is destroyed.
 * Rejects with an AppError ("unavailable" for an unreachable root, "conflict" when the
 * file's size differs from `expectedSize`, "invalid-input" for a bad range).
 */
export async function openLibraryFileStream(
  libraryPath: string,
  relPath: string,
  options: LibraryFileStreamOptions,
): Promise<LibraryFileStream> {
  const opened = await openLibraryRoot(libraryPath, { timeoutMs: options.timeoutMs });
  if (!opened.ok) throw new AppError("unavailable", opened.message, { retryable: true });
  const root = opened.root;
  let released = false;
  const release = (broken = false) => {
    if (released) return;
    released = true;
    void root.release(broken).catch(() => undefined);
  };
  try {
    return await streamFromRoot(root, relPath, options, release);
  } catch (error) {
    release(true);
    throw error;
  }
}

async function streamFromRoot(
  root: OpenedRoot,
  relPath: string,
  options: LibraryFileStreamOptions,
  release: (broken?: boolean) => void,
): Promise<LibraryFileStream> {
  const display = root.display(relPath);
  const localPath = root.localPath(relPath);
  const reader = localPath === null ? root.chunkReader(relPath) : null;
  let size: number;
  if (localPath !== null) {
    const stat = await root.fs.stat(localPath).catch((error: unknown) => {
      throw new AppError("unavailable", `${display}: ${errorMessage(error)}`, { retryable: true, cause: error });
    });
    if (!stat.isFile()) throw new AppError("not-found", `${display} is not a file`);
    size = Number(stat.size);
  } else if (reader !== null) {
    size = (await reader.stat()).size;
  } else {
    throw new AppError("internal", `${display}: the library root offers neither a local path nor a reader`);
  }
  if (options.expectedSize !== undefined && size !== options.expectedSize) {
    await reader?.close().catch(() => undefined);
    throw new AppError("conflict", `${display} is ${size} bytes but the catalogue recorded ${options.expectedSize}: it changed since it was indexed (rescan it)`);
  }
  const start = options.start ?? 0;
  const end = options.end ?? size - 1;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start - 1 || end >= size) {
    await reader?.close().catch(() => undefined);
    throw new AppError("invalid-input", `Range ${start}-${end} is outside ${display} (${size} bytes)`);
  }
  const length = end - start + 1;
  const { throttle, signal } = options;

  let body: Readable;
  if (localPath !== null) {
    if (length === 0) {
      body = Readable.from([]);
    } else {
      const file = createReadStream(localPath, { start, end, highWaterMark: STREAM_CHUNK_BYTES, signal });
      body = throttle ? Readable.from(throttled(file, throttle, signal)) : file;
    }
  } else {
    const chunkReader = reader!;
    body = Readable.from(
      (async function* () {
        let position = start;
        try {
          while (position <= end) {
            signal?.throwIfAborted();
            const want = Math.min(STREAM_CHUNK_BYTES, end - position + 1);
            if (throttle) await throttle.acquire(want, signal);
            const buffer = Buffer.allocUnsafe(want);
            let filled = 0;
            while (filled < want) {
              const n = await chunkReader.read(buffer.subarray(filled), position + filled);
              if (n === 0) break;
              filled += n;
            }
            if (filled < want) throw new AppError("io", `${display} ended at byte ${position + filled}, expected ${end + 1}: the file shrank while being read`, { retryable: true });
            position += filled;
            yield buffer;
          }
        } finally {
          await chunkReader.close().catch(() => undefined);
        }
      })(),
      { objectMode: false },
    );
  }
  body.once("close", () => release(body.errored !== null));
  return { size, length, start, end, display, body };
}

async function* throttled(source: AsyncIterable<Buffer>, throttle: Throttle, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    await throttle.acquire(chunk.length, signal);
    yield chunk;
  }
}
