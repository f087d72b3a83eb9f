// Streamed SHA-256 of one local file, in a worker thread of a shared pool
// (see hash-pool.ts for the design and the measurements behind it).
import { sharedHashPool, type HashOptions, type HashPool, type HashResult } from "./hash-pool.ts";

export type { HashOptions, HashResult, FileStamp } from "./hash-pool.ts";

export interface HashFileOptions extends HashOptions {
  /** Default: the process-wide pool (one thread per core). */
  pool?: HashPool;
}

/**
 * Hashes `absPath` with constant memory (two read buffers) whatever its size.
 * Rejects with AppError naming the file: not-found, forbidden, invalid-input (a
 * folder), io ("unreadable: I/O error at byte N"), timeout (retryable: a hung
 * mount), or a cancelled error when `signal` aborts (see isCancelledError).
 */
export function hashFile(absPath: string, options: HashFileOptions): Promise<HashResult> {
  return (options.pool ?? sharedHashPool()).hashFile(absPath, options);
}
