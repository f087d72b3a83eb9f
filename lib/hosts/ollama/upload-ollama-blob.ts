// Puts one library file on an Ollama host as a blob (formats.md §4.1 steps 1–2):
// HEAD /api/blobs/sha256:<hex>, and on 404 POST the file streamed from the
// library (constant memory, shared bandwidth cap) while hashing it on the way.
// Ollama has no resumable upload: a broken upload leaves nothing on the host and
// the next attempt starts again from the HEAD check.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { request } from "undici";
import { AppError, isAppError } from "../../errors.ts";
import { openLibraryFileStream } from "../../catalog/library-file-stream.ts";
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
  const hash = createHash("sha256");
  const idleMs = Math.max(ctx.timeoutMs, limits.idleFloorMs ?? UPLOAD_IDLE_FLOOR_MS);
  let lastActivity = Date.now();
  let sourceError: unknown = null;
  // Pulled by undici as it writes: each chunk is counted when the previous one went out.
  async function* counted(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of stream.body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        lastActivity = Date.now();
        onBytes(chunk.length);
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
      const local = stream.body.readableEnded ? `sha256:${hash.digest("hex")}` : null;
      const changed = local !== null && local !== digest;
      throw new AppError(
        "corrupt-file",
        changed
          ? `${stream.display} no longer matches its verified SHA-256 (now ${local}, expected ${digest}); verify it again before pushing`
          : `${what}: the host received bytes that do not hash to ${digest} (${message})`,
        { retryable: false, details: { file: file.relPath, expected: digest, actual: local, hostMessage: message } },
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
  }
}
