// Reads an NDJSON progress stream (/api/create, /api/pull) line by line with
// bounded memory and an idle timeout: a host that stops talking fails the call
// instead of hanging the job. Lines that are not JSON are an error, never
// skipped (ollama-js's parser drops them with a console warning).
import { AppError } from "../../errors.ts";
import { garbageFailure, quote, timeoutFailure } from "./ollama-failure.ts";

/** Progress lines are ~200 bytes and error lines quote a path or two; a megabyte without a newline is not NDJSON. */
export const MAX_NDJSON_LINE_BYTES = 1024 * 1024;

export interface ReadNdjsonOptions {
  /** Names the call in errors ("POST http://host/api/create"). */
  what: string;
  /** Longest silence between two chunks. */
  idleTimeoutMs: number;
}

function parseLine(line: string, index: number, what: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw garbageFailure(what, `line ${index} is not JSON: "${quote(line)}"`);
  }
}

type ByteStream = AsyncIterable<Buffer | Uint8Array> & { destroy?(error?: Error): void; on?(event: "error", listener: () => void): unknown };

export async function* readNdjson(body: ByteStream, options: ReadNdjsonOptions): AsyncGenerator<unknown> {
  const iterator = body[Symbol.asyncIterator]();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineIndex = 0;
  const tooLong = () => new AppError("io", `${options.what}: a line of the progress stream exceeds ${MAX_NDJSON_LINE_BYTES} bytes`, { retryable: false });
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutFailure(options.what, options.idleTimeoutMs)), options.idleTimeoutMs);
      });
      const next = iterator.next();
      // The losing promise must not surface as an unhandled rejection.
      next.catch(() => undefined);
      let step: IteratorResult<Buffer | Uint8Array>;
      try {
        step = await Promise.race([next, idle]);
      } finally {
        clearTimeout(timer);
      }
      if (step.done) break;
      let chunk = Buffer.from(step.value.buffer, step.value.byteOffset, step.value.byteLength);
      for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10)) {
        const piece = chunk.subarray(0, nl);
        chunk = chunk.subarray(nl + 1);
        if (pendingBytes + piece.length > MAX_NDJSON_LINE_BYTES) throw tooLong();
        const line = Buffer.concat([...pending, piece]).toString("utf8");
        pending = [];
        pendingBytes = 0;
        lineIndex++;
        if (line.trim() !== "") yield parseLine(line, lineIndex, options.what);
      }
      if (pendingBytes + chunk.length > MAX_NDJSON_LINE_BYTES) throw tooLong();
      if (chunk.length > 0) {
        pending.push(Buffer.from(chunk));
        pendingBytes += chunk.length;
      }
    }
    const last = Buffer.concat(pending).toString("utf8");
    if (last.trim() !== "") yield parseLine(last, lineIndex + 1, options.what);
  } finally {
    // Stops the transfer when the consumer leaves early (error line, timeout, abort);
    // undici reports that abort as an error event, which is expected here.
    body.on?.("error", () => undefined);
    body.destroy?.();
    await iterator.return?.().catch(() => undefined);
  }
}
