// One timed stat of a known file, for stability checks between scans.
import { AppError } from "../errors.ts";
import { requireTimeoutMs } from "./require-option.ts";
import { labelledPath, localShareFs, type ShareFs } from "./share-fs.ts";
import { errnoCode, fsError, withFsTimeout } from "./with-fs-timeout.ts";

export interface FileStat {
  sizeBytes: number;
  mtimeMs: number;
  /** Decimal strings: 64-bit inode and device numbers do not fit a JS number. */
  ino: string;
  dev: string;
}

/**
 * Stats `absPath` on `fs` (following symlinks). Returns null when the file does not
 * exist (ENOENT, or ENOTDIR: a parent turned into a file); other failures throw AppError.
 */
export async function statFile(absPath: string, timeoutMs: number, fs: ShareFs = localShareFs): Promise<FileStat | null> {
  requireTimeoutMs(timeoutMs);
  const shown = labelledPath(fs, absPath);
  try {
    const stats = await withFsTimeout(() => fs.stat(absPath), timeoutMs, `stat of ${shown}`);
    if (!stats.isFile()) {
      throw new AppError("invalid-input", `${shown} is not a regular file`, { details: { path: shown } });
    }
    return {
      sizeBytes: Number(stats.size),
      mtimeMs: Number(stats.mtimeMs),
      ino: stats.ino.toString(),
      dev: stats.dev.toString(),
    };
  } catch (error) {
    const errno = errnoCode(error);
    if (errno === "ENOENT" || errno === "ENOTDIR") return null;
    throw fsError(error, shown);
  }
}
