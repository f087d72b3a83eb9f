// Puts one library file on an Ollama host as a blob (formats.md §4.1 steps 1–2):
// HEAD /api/blobs/sha256:<hex>, and on 404 POST the file streamed from the
// library (constant memory, shared bandwidth cap). The host checks the digest of
// what it received; only when it refuses is the library file hashed again, to
// tell a file that changed since it was verified from bytes broken on the way.
// (Hashing every upload on the way took half of the sender's CPU: bench/push.ts.)
// Ollama has no resumable upload: a broken upload leaves nothing on the host and
// the next attempt starts again from the HEAD check.
import { createHash } from "node:crypto";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { buildConnector, Client, request } from "undici";
import { AppError, errorMessage, isAppError } from "../../errors.ts";
import { chunkRecycler, openLibraryFileStream, STREAM_CHUNK_BYTES } from "../../catalog/library-file-stream.ts";
import type { HostTarget, PushContext, PushFile } from "../types.ts";
import { ollamaFailure, reportedFailure, timeoutFailure } from "./ollama-failure.ts";
import { readErrorText } from "./read-capped.ts";

/**
 * The shortest silence that fails an upload. Library reads arrive in 1 MiB chunks
 * and a bandwidth cap spaces them out (about 10 s apart at 100 KiB/s), so a
 * silence must outlast that before it means the host stopped taking bytes.
 */
export const UPLOAD_IDLE_FLOOR_MS = 60_000;
/** How often the upload watchdog looks at the clock. */
const WATCHDOG_INTERVAL_MS = 1000;
/**
 * Chunks sent and not yet known to be flushed, at most: past this the oldest is left to
 * the garbage collector instead of being reused. Two or three are in flight normally.
 */
const MAX_UNCONFIRMED_CHUNKS = 8;

/**
 * One connection for one upload, with its socket in view, so that a library buffer is
 * read into again only once the socket has certainly finished with it. Reusing buffers
 * instead of allocating 1 MiB per chunk spares V8 a full collection every few dozen MiB:
 * the sender's CPU fell from about 1 s to 0.3–0.5 s per GiB (bench/push.ts).
 */
function uploadConnection(baseUrl: string): { dispatcher: Client; flushedThrough(bodyEnd: number): boolean } {
  const connect = buildConnector({});
  let socket: Socket | null = null;
  const dispatcher = new Client(new URL(baseUrl).origin, {
    connect: (options, callback) =>
      connect(options, (...result) => {
        socket = result[0] === null ? result[1] : null;
        callback(...result);
      }),
  });
  return {
    dispatcher,
    // bytesWritten counts every byte handed to the socket (the request head too), and
    // writableLength every byte not yet taken by the kernel. So when the socket has been
    // handed `bodyEnd` bytes and holds none, a chunk ending at `bodyEnd` and larger than the
    // head has been written and let go of: had it not been handed over yet, bytesWritten
    // would be at most head + bodyEnd - chunk < bodyEnd.
    flushedThrough: (bodyEnd) => socket !== null && !socket.destroyed && socket.writableLength === 0 && (socket.bytesWritten ?? 0) >= bodyEnd,
  };
}

export type BlobUploadResult = "present" | "uploaded";

function blobDigest(file: PushFile): string {
  const hex = file.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new AppError("invalid-input", `${file.fileName}: "${file.sha256}" is not a SHA-256 digest`, { details: { file: file.relPath } });
  return `sha256:${hex}`;
}

/** HEAD /api/blobs/:digest → true (200) / false (404); anything else is an error. */
async function blobExists(host: HostTarget, digest: string, ctx: PushContext): Promise<boolean> {
  const what = `${host.name}: HEAD /api/blobs/${digest}`;
  try {
    const res = await request(`${host.baseUrl}/api/blobs/${digest}`, {
      method: "HEAD",
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]),
      headersTimeout: ctx.timeoutMs,
      bodyTimeout: ctx.timeoutMs,
    });
    await res.body.dump();
    if (res.statusCode === 200) return true;
    if (res.statusCode === 404) return false;
    throw reportedFailure(what, `HTTP ${res.statusCode}`, res.statusCode);
  } catch (error) {
    throw ollamaFailure(error, what, ctx.signal, ctx.timeoutMs);
  }
}

/**
 * Makes sure the host has `file` as a blob. `onBytes` is told every chunk sent.
 * Throws AppError: "corrupt-file" (not retryable) when the bytes do not hash to
 * file.sha256, "unavailable"/"timeout" (retryable) when the host goes away or stops
 * reading, "io" when its disk is full, or the library stream's own error.
 * `limits.idleFloorMs` lowers the silence floor (tests of a hung host).
 */
export async function uploadOllamaBlob(
  host: HostTarget,
  file: PushFile,
  ctx: PushContext,
  onBytes: (bytes: number) => void,
  limits: { idleFloorMs?: number } = {},
): Promise<BlobUploadResult> {
  const digest = blobDigest(file);
  if (await blobExists(host, digest, ctx)) return "present";

  const what = `${host.name}: POST /api/blobs/${digest} (${file.fileName})`;
  const stream = await openLibraryFileStream(file.libraryPath, file.relPath, {
    timeoutMs: ctx.fsTimeoutMs,
    signal: ctx.signal,
    throttle: ctx.throttle,
    expectedSize: file.sizeBytes,
  });
  const idleMs = Math.max(ctx.timeoutMs, limits.idleFloorMs ?? UPLOAD_IDLE_FLOOR_MS);
  let lastActivity = Date.now();
  let sourceError: unknown = null;
  const connection = uploadConnection(host.baseUrl);
  const recycler = chunkRecycler(stream.body);
  // Full chunks handed to undici, oldest first, with the body offset each ends at.
  const unconfirmed: { chunk: Buffer; end: number }[] = [];
  let handedOver = 0;
  // Pulled by undici as it writes: each chunk is counted when the previous one went out.
  async function* counted(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of stream.body as AsyncIterable<Buffer>) {
        while (unconfirmed.length > 0 && connection.flushedThrough(unconfirmed[0]!.end)) recycler?.reuse(unconfirmed.shift()!.chunk);
        if (unconfirmed.length >= MAX_UNCONFIRMED_CHUNKS) recycler?.forget(unconfirmed.shift()!.chunk);
        lastActivity = Date.now();
        onBytes(chunk.length);
        handedOver += chunk.length;
        // Only full chunks: the proof in uploadConnection needs a chunk larger than the request head.
        if (chunk.length === STREAM_CHUNK_BYTES) unconfirmed.push({ chunk, end: handedOver });
        yield chunk;
      }
    } catch (error) {
      sourceError = error;
      throw error;
    }
  }
  const stall = new AbortController();
  const watchdog = setInterval(() => {
    if (Date.now() - lastActivity > idleMs) stall.abort(timeoutFailure(`${what}: the host took no bytes and sent no answer`, idleMs));
  }, WATCHDOG_INTERVAL_MS);

  try {
    const res = await request(`${host.baseUrl}/api/blobs/${digest}`, {
      method: "POST",
      dispatcher: connection.dispatcher,
      // highWaterMark 1: no read-ahead beyond the chunk being written, so progress means "sent".
      body: Readable.from(counted(), { objectMode: false, highWaterMark: 1 }),
      headers: { "content-type": "application/octet-stream", "content-length": String(file.sizeBytes) },
      signal: AbortSignal.any([ctx.signal, stall.signal]),
      // undici's header timer only restarts on socket back-pressure, so a long throttled
      // upload would trip it; the watchdog above measures silence instead.
      headersTimeout: 0,
      bodyTimeout: ctx.timeoutMs,
    });
    lastActivity = Date.now();
    if (res.statusCode === 201 || res.statusCode === 200) {
      await res.body.dump();
      return "uploaded";
    }
    const message = await readErrorText(res.body, what);
    if (res.statusCode === 400 && /digest mismatch/i.test(message)) {
      // The request is over: the silence watchdog must not cut the (possibly long, capped) re-read.
      clearInterval(watchdog);
      stream.body.destroy();
      const now = await hashLibraryFile(file, ctx);
      const local = "sha256" in now ? now.sha256 : null;
      const changed = local !== null && local !== digest;
      throw new AppError(
        "corrupt-file",
        changed
          ? `${stream.display} no longer matches its verified SHA-256 (now ${local}, expected ${digest}); verify it again before pushing`
          : `${what}: the host received bytes that do not hash to ${digest} (${message})`,
        {
          retryable: false,
          details: { file: file.relPath, expected: digest, actual: local, hostMessage: message, ...("unreadable" in now ? { rereadError: now.unreadable } : {}) },
        },
      );
    }
    throw reportedFailure(what, message, res.statusCode);
  } catch (error) {
    if (stall.signal.aborted && !ctx.signal.aborted) throw stall.signal.reason;
    // A library read that failed (share gone, file shrank) is the reason, not the broken request.
    if (sourceError !== null && isAppError(sourceError) && !ctx.signal.aborted) throw sourceError;
    throw ollamaFailure(error, what, ctx.signal);
  } finally {
    clearInterval(watchdog);
    stream.body.destroy();
    await connection.dispatcher.destroy().catch(() => undefined);
  }
}

/**
 * "sha256:<hex>" of the library file as it is now (any size), or the reason it could
 * not be read again; the host's word then stands on its own.
 */
async function hashLibraryFile(file: PushFile, ctx: PushContext): Promise<{ sha256: string } | { unreadable: string }> {
  try {
    const again = await openLibraryFileStream(file.libraryPath, file.relPath, { timeoutMs: ctx.fsTimeoutMs, signal: ctx.signal, throttle: ctx.throttle });
    const hash = createHash("sha256");
    for await (const chunk of again.body as AsyncIterable<Buffer>) hash.update(chunk);
    return { sha256: `sha256:${hash.digest("hex")}` };
  } catch (error) {
    return { unreadable: errorMessage(error) };
  }
}
