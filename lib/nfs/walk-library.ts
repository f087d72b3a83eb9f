// Bounded walk of a library root. Every filesystem call has a timeout; the
// walk is iterative (no recursion), never follows directory symlinks, and
// stops with a clear error instead of eating memory on a wrongly chosen root.
import { mapLimit } from "../concurrency.ts";
import path from "node:path";
import { AppError } from "../errors.ts";
import { classifyName, isSkippedDirName, type NameKind } from "./classify-name.ts";
import { requireIntegerOption, requireTimeoutMs } from "./require-option.ts";
import { labelledPath, localShareFs, type ShareDir, type ShareDirent, type ShareFs, type ShareStats } from "./share-fs.ts";
import { rootUnavailableError, statRootDir } from "./stat-root-dir.ts";
import { errnoCode, fsError, withFsTimeout } from "./with-fs-timeout.ts";

/** Real libraries nest a few levels (vendor/model/quant); 32 only stops pathological trees. */
export const DEFAULT_MAX_DEPTH = 32;

/**
 * A model library holds hundreds to a few thousand entries. 200,000 means the root
 * points at a whole share or home directory; stop before the walk's memory and time grow unbounded.
 */
export const DEFAULT_MAX_ENTRIES = 200_000;

/** Directory entries fetched per timed batch: one timer per batch, not per entry. */
export const READDIR_BATCH_SIZE = 256;

/** libuv runs fs calls on 4 threads by default; more parallel stats only queue up. */
export const STAT_CONCURRENCY = 4;

export interface WalkedFile {
  /** Relative to the root, with forward slashes. */
  relPath: string;
  name: string;
  kind: "gguf" | "temp" | "checksum";
  sizeBytes: number;
  mtimeMs: number;
  /** Inode and device as decimal strings (64-bit values do not fit a JS number). */
  ino: string;
  dev: string;
  /** The entry is a symlink; size, mtime, inode describe its target. */
  viaSymlink: boolean;
}

export type SkipReason = "unreadable-dir" | "unreadable-file" | "max-depth" | "symlinked-dir" | "broken-symlink";

export interface SkippedEntry {
  relPath: string;
  reason: SkipReason;
  errno?: string;
  message?: string;
}

export interface WalkResult {
  files: WalkedFile[];
  /**
   * Parts of the tree the walk could not see. Their contents are unknown, not
   * absent: callers must not mark files under these paths as missing.
   */
  skipped: SkippedEntry[];
  counts: {
    /** Every directory entry seen, including folders and skipped names. */
    entries: number;
    directories: number;
    /** Files that are neither GGUF nor temp (README.md, blobs, …): counted, not listed. */
    otherFiles: number;
    /** NAS housekeeping folders (@eaDir, #recycle, …) not entered. */
    skippedDirs: number;
  };
}

/**
 * The filesystem calls the walk makes: every ShareFs is one. The label is optional
 * so a fake with just opendir and stat (simulating EACCES or a hang) still fits.
 */
export type WalkFs = Pick<ShareFs, "opendir" | "stat"> & { readonly label?: string };

/** The node:fs walk filesystem (the same object as localShareFs). */
export const nodeWalkFs: ShareFs = localShareFs;

export interface WalkLibraryOptions {
  /** Budget for each single filesystem call (not for the whole walk). */
  timeoutMs: number;
  maxDepth?: number;
  maxEntries?: number;
  /** Called after each batch with the number of entries seen so far. */
  onProgress?: (entriesSeen: number) => void;
  signal?: AbortSignal;
  /** Where the root lives; node:fs by default. Messages name paths as `fs.label + path`. */
  fs?: WalkFs;
}

interface PendingDir {
  absPath: string;
  relPath: string;
  depth: number;
}

interface FileToStat {
  absPath: string;
  relPath: string;
  name: string;
  kind: NameKind;
  viaSymlink: boolean;
}

function joinRel(parent: string, name: string): string {
  return parent === "" ? name : `${parent}/${name}`;
}


function isErrnoError(error: unknown): boolean {
  return errnoCode(error) !== undefined;
}

/**
 * Walks `root` and lists GGUF and temp files. Throws AppError("unavailable") when
 * the root itself is missing, not a folder, unreadable or hung; throws the timeout
 * AppError when any later call hangs (a half-seen tree is not a result).
 */
export async function walkLibrary(root: string, options: WalkLibraryOptions): Promise<WalkResult> {
  const timeoutMs = requireTimeoutMs(options.timeoutMs);
  const maxDepth = requireIntegerOption("maxDepth", options.maxDepth ?? DEFAULT_MAX_DEPTH, 0, 10_000);
  const maxEntries = requireIntegerOption("maxEntries", options.maxEntries ?? DEFAULT_MAX_ENTRIES, 1);
  const fs = options.fs ?? localShareFs;
  const shownRoot = labelledPath(fs, root);
  const { signal, onProgress } = options;
  signal?.throwIfAborted();

  await statRootDir(root, timeoutMs, fs);

  const files: WalkedFile[] = [];
  const skipped: SkippedEntry[] = [];
  const counts = { entries: 0, directories: 0, otherFiles: 0, skippedDirs: 0 };
  const stack: PendingDir[] = [{ absPath: root, relPath: "", depth: 0 }];

  const skip = (relPath: string, reason: SkipReason, error?: unknown): void => {
    const errno = errnoCode(error);
    const message = error === undefined ? undefined : fsError(error, labelledPath(fs, path.posix.join(root, relPath))).message;
    skipped.push({ relPath, reason, ...(errno ? { errno } : {}), ...(message ? { message } : {}) });
  };

  const statEntry = async (file: FileToStat): Promise<void> => {
    let stats: ShareStats;
    try {
      stats = await withFsTimeout(() => fs.stat(file.absPath), timeoutMs, `stat of ${labelledPath(fs, file.absPath)}`);
    } catch (error) {
      if (!isErrnoError(error)) throw error;
      if (file.viaSymlink) skip(file.relPath, "broken-symlink", error);
      // Renamed or deleted between readdir and stat (rsync finishing a temp file): gone, nothing to report.
      else if (errnoCode(error) !== "ENOENT") skip(file.relPath, "unreadable-file", error);
      return;
    }
    // A symlink to a folder is reported, never followed (loops, duplicate trees).
    if (file.viaSymlink && stats.isDirectory()) skip(file.relPath, "symlinked-dir");
    else if (!stats.isFile() || file.kind === "other") counts.otherFiles++;
    else {
      files.push({
        relPath: file.relPath,
        name: file.name,
        kind: file.kind,
        sizeBytes: Number(stats.size),
        mtimeMs: Number(stats.mtimeMs),
        ino: stats.ino.toString(),
        dev: stats.dev.toString(),
        viaSymlink: file.viaSymlink,
      });
    }
  };

  /** Sorts one batch of entries into sub-folders to visit and files to stat. */
  const processBatch = async (current: PendingDir, batch: readonly ShareDirent[]): Promise<void> => {
    const toStat: FileToStat[] = [];
    for (const entry of batch) {
      const name = entry.name;
      const absPath = path.posix.join(current.absPath, name);
      const relPath = joinRel(current.relPath, name);
      if (entry.isDirectory()) {
        if (isSkippedDirName(name)) counts.skippedDirs++;
        else if (current.depth + 1 > maxDepth) skip(relPath, "max-depth");
        else stack.push({ absPath, relPath, depth: current.depth + 1 });
      } else if (entry.isSymbolicLink()) {
        // Every link is stat'ed: one pointing at a folder must be reported whatever its name.
        toStat.push({ absPath, relPath, name, kind: classifyName(name), viaSymlink: true });
      } else {
        const kind = classifyName(name);
        if (entry.isFile() && kind !== "other") toStat.push({ absPath, relPath, name, kind, viaSymlink: false });
        else counts.otherFiles++;
      }
    }
    await mapLimit(toStat, STAT_CONCURRENCY, statEntry);
  };

  const readBatch = (dir: ShareDir, current: PendingDir): Promise<ShareDirent[]> =>
    withFsTimeout(
      async () => {
        const entries: ShareDirent[] = [];
        while (entries.length < READDIR_BATCH_SIZE) {
          const entry = await dir.read();
          if (entry === null) break;
          entries.push(entry);
        }
        return entries;
      },
      timeoutMs,
      `Listing ${labelledPath(fs, current.absPath)}`,
    );

  while (stack.length > 0) {
    signal?.throwIfAborted();
    const current = stack.pop() as PendingDir;
    const isRoot = current.relPath === "";
    let dir: ShareDir;
    try {
      dir = await withFsTimeout(
        () => fs.opendir(current.absPath, { bufferSize: READDIR_BATCH_SIZE }),
        timeoutMs,
        `Listing ${labelledPath(fs, current.absPath)}`,
      );
    } catch (error) {
      if (isRoot) throw rootUnavailableError(shownRoot, error, timeoutMs);
      if (!isErrnoError(error)) throw error;
      // ENOENT: deleted while we walked, so it is gone rather than unreadable.
      if (errnoCode(error) !== "ENOENT") skip(current.relPath, "unreadable-dir", error);
      continue;
    }
    counts.directories++;

    try {
      for (;;) {
        let batch: ShareDirent[];
        try {
          batch = await readBatch(dir, current);
        } catch (error) {
          if (isRoot) throw rootUnavailableError(shownRoot, error, timeoutMs);
          if (!isErrnoError(error)) throw error;
          // Entries read before the failure stay listed; the folder is marked incomplete.
          skip(current.relPath, "unreadable-dir", error);
          break;
        }
        counts.entries += batch.length;
        if (counts.entries > maxEntries) {
          throw new AppError(
            "invalid-input",
            `Library root ${shownRoot} holds more than ${maxEntries} entries; stopped walking. Check that the root ` +
              "points at the model folder (not a whole share or home directory), or raise maxEntries.",
            { details: { path: shownRoot, maxEntries } },
          );
        }
        await processBatch(current, batch);
        onProgress?.(counts.entries);
        signal?.throwIfAborted();
        if (batch.length < READDIR_BATCH_SIZE) break;
      }
    } catch (error) {
      // The walk fails with `error`; close() would wait behind a hung read, so it is
      // started but not awaited, and its own outcome adds nothing to that failure.
      dir.close().then(undefined, () => undefined);
      throw error;
    }
    await withFsTimeout(() => dir.close(), timeoutMs, `Closing ${labelledPath(fs, current.absPath)}`);
  }

  const byPath = (a: { relPath: string }, b: { relPath: string }): number =>
    a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0;
  files.sort(byPath);
  skipped.sort(byPath);
  onProgress?.(counts.entries);
  return { files, skipped, counts };
}
