// Whether a library root is an Ollama model store or a plain folder of GGUF files.
import path from "node:path";
import { AppError } from "../errors.ts";
import { requireTimeoutMs } from "./require-option.ts";
import { labelledPath, localShareFs, type ShareFs } from "./share-fs.ts";
import { statRootDir } from "./stat-root-dir.ts";
import { errnoCode, fsError, withFsTimeout } from "./with-fs-timeout.ts";

export type LibraryKind = "ollama" | "gguf-dir";

async function isDirectory(fs: ShareFs, dirPath: string, timeoutMs: number): Promise<boolean> {
  const shown = labelledPath(fs, dirPath);
  try {
    const stats = await withFsTimeout(() => fs.stat(dirPath), timeoutMs, `stat of ${shown}`);
    return stats.isDirectory();
  } catch (error) {
    const errno = errnoCode(error);
    if (errno === "ENOENT" || errno === "ENOTDIR") return false;
    throw fsError(error, shown);
  }
}

async function hasStoreLayout(fs: ShareFs, dir: string, timeoutMs: number): Promise<boolean> {
  const [manifests, blobs] = await Promise.all([
    isDirectory(fs, path.posix.join(dir, "manifests"), timeoutMs),
    isDirectory(fs, path.posix.join(dir, "blobs"), timeoutMs),
  ]);
  return manifests && blobs;
}

/**
 * "ollama" when the root itself is an Ollama models directory ($OLLAMA_MODELS,
 * holding manifests/ and blobs/). Only that directory counts: a root pointing at
 * the parent ".ollama" folder is refused with a message naming the right path,
 * because walking it as GGUF files would find nothing (blobs have no extension).
 */
export async function detectLibraryKind(root: string, timeoutMs: number, fs: ShareFs = localShareFs): Promise<LibraryKind> {
  requireTimeoutMs(timeoutMs);
  await statRootDir(root, timeoutMs, fs);
  if (await hasStoreLayout(fs, root, timeoutMs)) return "ollama";
  const nested = path.posix.join(root, "models");
  if (await hasStoreLayout(fs, nested, timeoutMs)) {
    const shownRoot = labelledPath(fs, root);
    const shownNested = labelledPath(fs, nested);
    throw new AppError("invalid-input", `${shownRoot} looks like Ollama's ".ollama" folder; use ${shownNested} as the library root`, {
      details: { path: shownRoot, suggestedRoot: shownNested },
    });
  }
  return "gguf-dir";
}
