// Streamed SHA-256 of any ChunkReader (e.g. a user-space NFS client): the reader
// runs in this thread, the hashing core in a worker thread, with the same
// timeouts, throttle, progress and cancellation as hashFile.
import type { ChunkReader } from "./chunk-reader.ts";
import { sharedHashPool, type HashOptions, type HashPool, type HashResult } from "./hash-pool.ts";

export interface HashReaderOptions extends HashOptions {
  pool?: HashPool;
}

export function hashReader(reader: ChunkReader, options: HashReaderOptions): Promise<HashResult> {
  return (options.pool ?? sharedHashPool()).hashReader(reader, options);
}
