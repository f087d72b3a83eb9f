// Public API of lib/hashing's building blocks: streamed SHA-256 in worker
// threads, the shared bandwidth throttle, checksum-file parsing, scrub timing.
export { hashFile, type HashFileOptions } from "./hash-file.ts";
export { hashReader, type HashReaderOptions } from "./hash-reader.ts";
export {
  createHashPool,
  sharedHashPool,
  DEFAULT_CHUNK_BYTES,
  MIN_CHUNK_BYTES,
  MAX_CHUNK_BYTES,
  PROGRESS_INTERVAL_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  MAX_POOL_SIZE,
  type HashPool,
  type HashPoolOptions,
  type HashOptions,
  type HashResult,
} from "./hash-pool.ts";
export type { ChunkReader, FileStamp } from "./chunk-reader.ts";
export { cancelledError, isCancelledError, CANCELLED_REASON } from "./cancelled-error.ts";
export { describeHashFailure, describeReaderError, type HashFailure, type HashOp } from "./describe-hash-failure.ts";
export { createThrottle, BURST_SECONDS, type Throttle, type ThrottleOptions } from "./throttle.ts";
export {
  parseChecksumFile,
  parseSidecar,
  isChecksumFileName,
  sidecarTarget,
  MAX_CHECKSUM_FILE_BYTES,
  MAX_SIDECAR_BYTES,
  MAX_CHECKSUM_LINE_CHARS,
  type ChecksumEntry,
  type ChecksumProblem,
  type ParsedChecksumFile,
  type ParsedSidecar,
} from "./parse-checksum-file.ts";
export {
  parseScrubWindow,
  isWithinWindow,
  nextWindowStart,
  pickScrubBatch,
  type ScrubWindow,
  type PickScrubBatchOptions,
} from "./scrub-window.ts";
