// Positional reads from something GGUF-shaped: a file on the share (lib/nfs
// implements this), an HTTP range reader, or bytes in memory. The header
// reader only ever asks for what it needs, so a source never has to hold a
// whole multi-gigabyte model.

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Bytes [position, position + length); fewer only when the range crosses the end. */
  read(position: number, length: number): Promise<Uint8Array>;
}

/** A ByteSource over bytes already in memory (tests, freshly written files). */
export function bufferSource(buf: Uint8Array): ByteSource {
  return {
    size: buf.length,
    read(position: number, length: number): Promise<Uint8Array> {
      const start = Math.min(Math.max(0, position), buf.length);
      const end = Math.min(buf.length, start + Math.max(0, length));
      return Promise.resolve(buf.subarray(start, end));
    },
  };
}
