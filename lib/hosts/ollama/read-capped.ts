// Bounded reads of what a host sends: every body is read into memory only up to
// a cap, so a broken or hostile host cannot make the worker buffer gigabytes.
import { AppError } from "../../errors.ts";
import { ollamaErrorSchema } from "./ollama-schemas.ts";

/** Error answers are a line of JSON; 64 KiB holds any real one and a proxy page's head. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

type ByteChunks = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

async function* chunksOf(body: ByteChunks): AsyncGenerator<Uint8Array> {
  if (Symbol.asyncIterator in body) {
    yield* body as AsyncIterable<Uint8Array>;
    return;
  }
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * Reads `body` whole, failing once it passes `maxBytes` (the rest is not read).
 * With `truncate`, returns the first `maxBytes` instead of failing (for error text).
 */
export async function readCapped(body: ByteChunks, maxBytes: number, what: string, truncate = false): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunksOf(body)) {
    if (size + chunk.length > maxBytes) {
      if (truncate) {
        chunks.push(Buffer.from(chunk.subarray(0, maxBytes - size)));
        return Buffer.concat(chunks);
      }
      throw new AppError("io", `${what}: the answer is larger than ${maxBytes} bytes; an Ollama host never sends that much here`, { retryable: false });
    }
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
  }
  return Buffer.concat(chunks);
}

/** The message of an error answer: its {"error"} text, else the start of the body. */
export async function readErrorText(body: ByteChunks, what: string): Promise<string> {
  const text = (await readCapped(body, MAX_ERROR_BODY_BYTES, what, true)).toString("utf8");
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (a proxy page, a plain-text 404): the raw text is the message.
    json = null;
  }
  const parsed = ollamaErrorSchema.safeParse(json);
  return parsed.success ? parsed.data.error : text.trim() || "(empty answer)";
}
