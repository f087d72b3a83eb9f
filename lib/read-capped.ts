// Bounded reads of what a remote peer sends (inference hosts, registries): a body
// is read into memory only up to a cap, so a broken or hostile peer cannot make a
// worker buffer gigabytes.
import { AppError } from "./errors.ts";

type ByteChunks = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

async function* chunksOf(body: ByteChunks): AsyncGenerator<Uint8Array> {
  if (Symbol.asyncIterator in body) {
    // Leaving the loop early calls the iterator's return(), which destroys a Node stream.
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
 * Reads `body` whole, failing (non-retryable "io") once it passes `maxBytes`; the rest
 * is not read. With `truncate`, returns the first `maxBytes` instead (for error text).
 * `what` names the call in the message ("GET http://host/api/tags").
 */
export async function readCapped(body: ByteChunks, maxBytes: number, what: string, options: { truncate?: boolean } = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunksOf(body)) {
    if (size + chunk.length > maxBytes) {
      if (options.truncate) {
        chunks.push(Buffer.from(chunk.subarray(0, maxBytes - size)));
        return Buffer.concat(chunks);
      }
      throw new AppError("io", `${what}: the answer is larger than ${maxBytes} bytes, more than this kind of answer ever is`, { details: { limit: maxBytes } });
    }
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
  }
  return Buffer.concat(chunks);
}
