// Public API of lib/nfs: the only code that touches library roots.
export { withFsTimeout, fsError, errnoCode, formatSeconds, DEFAULT_FS_TIMEOUT_MS } from "./with-fs-timeout.ts";
export {
  parseMountInfo,
  findMountForPath,
  isNetworkFsType,
  describeMount,
  readMountSummary,
  SMALL_RSIZE_BYTES,
  LOW_ATTRIBUTE_CACHE_SECONDS,
  type MountEntry,
  type MountOptions,
  type MountSummary,
  type MountReport,
  type StatfsSummary,
  type ReadMountSummaryOptions,
} from "./mount-info.ts";
export {
  localShareFs,
  labelledPath,
  type ShareFs,
  type ShareDir,
  type ShareDirent,
  type ShareStats,
  type ShareFileHandle,
} from "./share-fs.ts";
export { classifyName, isSkippedDirName, isOllamaBlobName, parseShardName, type NameKind, type ShardName } from "./classify-name.ts";
export {
  walkLibrary,
  nodeWalkFs,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_ENTRIES,
  READDIR_BATCH_SIZE,
  STAT_CONCURRENCY,
  type WalkLibraryOptions,
  type WalkResult,
  type WalkedFile,
  type SkippedEntry,
  type SkipReason,
  type WalkFs,
} from "./walk-library.ts";
export { statFile, type FileStat } from "./stat-file.ts";
export {
  openFileSource,
  MAX_SINGLE_READ_BYTES,
  DEFAULT_MAX_READ_BYTES,
  type FileSource,
  type OpenFileSourceOptions,
} from "./open-file-source.ts";
export { readSmallFile, MAX_SMALL_FILE_BYTES } from "./read-small-file.ts";
export { detectLibraryKind, type LibraryKind } from "./detect-library-kind.ts";
export {
  listOllamaManifests,
  listOllamaBlobs,
  MAX_STORE_DIR_ENTRIES,
  type OllamaManifestEntry,
  type OllamaBlobEntry,
  type OllamaTempBlob,
  type OllamaBlobListing,
} from "./list-ollama-manifests.ts";
export {
  checkLibraryRoot,
  decideRootStatus,
  type RootProbe,
  type LibraryRootStatus,
  type CheckLibraryRootOptions,
} from "./check-library-root.ts";
export { rootProblem, type LibraryRootProblem, type RootProblem } from "./root-problem.ts";
export { statRootDir } from "./stat-root-dir.ts";
export {
  watchLibrary,
  DEFAULT_POLL_INTERVAL_MS,
  type WatchLibraryOptions,
  type LibraryWatcher,
  type LibraryChange,
} from "./watch-library.ts";
