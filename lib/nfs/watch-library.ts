// File-change hints for a library root. A hint only says "look at this path
// soon": the scanner decides what changed and whether a file is stable. Network
// filesystems deliver no inotify events for other clients' writes, so they are polled.
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { AppError } from "../errors.ts";
import { classifyName, isSkippedDirName } from "./classify-name.ts";
import { requireIntegerOption, MAX_TIMER_MS } from "./require-option.ts";
import { DEFAULT_MAX_DEPTH } from "./walk-library.ts";
import { errnoCode, fsError } from "./with-fs-timeout.ts";

/**
 * Polling stats every watched file and folder once per interval; on NFS each is a
 * GETATTR. 10 s keeps a few thousand files at a few hundred cheap calls per second
 * and still hints long before the next scheduled scan.
 */
export const DEFAULT_POLL_INTERVAL_MS = 10_000;

export type LibraryChange = "add" | "change" | "unlink" | "addDir" | "unlinkDir";

export interface WatchLibraryOptions {
  /** "events": inotify (local disks). "poll": stat polling (NFS, SMB and other network filesystems). */
  mode: "events" | "poll";
  pollIntervalMs?: number;
  /** Folder levels below the root to watch. */
  depth?: number;
  /** `relPath` is relative to the root with forward slashes ("" for the root itself). Must not touch the DB. */
  onHint: (relPath: string, event: LibraryChange) => void;
  onError: (error: AppError) => void;
}

export interface LibraryWatcher {
  /** Settles once the initial tree has been read (no hints are sent for it). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

const hintEvents = new Set<string>(["add", "change", "unlink", "addDir", "unlinkDir"]);

function isHintEvent(event: string): event is LibraryChange {
  return hintEvents.has(event);
}

function toAppError(error: unknown, root: string): AppError {
  if (errnoCode(error) !== undefined) return fsError(error, root);
  if (error instanceof AppError) return error;
  return new AppError("io", `Watching ${root} failed: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
    retryable: true,
  });
}

/** Starts watching `root`. Temp files and NAS housekeeping folders never produce hints. */
export function watchLibrary(root: string, options: WatchLibraryOptions): LibraryWatcher {
  const pollIntervalMs = requireIntegerOption("pollIntervalMs", options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, 1, MAX_TIMER_MS);
  const depth = requireIntegerOption("depth", options.depth ?? DEFAULT_MAX_DEPTH, 0, 10_000);
  const absRoot = path.resolve(root);
  const { onHint, onError } = options;

  const ignored = (candidate: string): boolean => {
    if (path.resolve(candidate) === absRoot) return false;
    const name = path.basename(candidate);
    return isSkippedDirName(name) || classifyName(name) === "temp";
  };

  const watcher: FSWatcher = watch(absRoot, {
    ignoreInitial: true,
    ignored,
    // The scanner decides stability itself (size + mtime unchanged); waiting here would only delay the hint.
    awaitWriteFinish: false,
    // Following directory links risks loops and duplicate trees, as in walkLibrary.
    followSymlinks: false,
    depth,
    usePolling: options.mode === "poll",
    interval: pollIntervalMs,
    // GGUF is not on chokidar's binary list, but blobs and odd extensions may be; poll them equally.
    binaryInterval: pollIntervalMs,
    // Unreadable folders are reported by the scan (walkLibrary's `skipped`), not by the watcher.
    ignorePermissionErrors: true,
    persistent: true,
  });

  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  watcher.once("ready", () => markReady());

  watcher.on("all", (event, changedPath) => {
    if (!isHintEvent(event)) return;
    const relPath = path.relative(absRoot, changedPath).split(path.sep).join("/");
    try {
      onHint(relPath, event);
    } catch (error) {
      // A failing hint handler must not kill the watcher; report it like any other watch error.
      onError(toAppError(error, absRoot));
    }
  });
  watcher.on("error", (error) => onError(toAppError(error, absRoot)));

  let closing: Promise<void> | undefined;
  return {
    ready,
    close(): Promise<void> {
      closing ??= watcher.close().then(() => markReady());
      return closing;
    },
  };
}
