// Whether a library root is an Ollama model store or a plain folder of GGUF files.
import { promises as fsp } from "node:fs";
import path from "node:path";
import { AppError } from "../errors.ts";
import { requireTimeoutMs } from "./require-option.ts";
import { statRootDir } from "./stat-root-dir.ts";
import { errnoCode, fsError, withFsTimeout } from "./with-fs-timeout.ts";

export type LibraryKind = "ollama" | "gguf-dir";

async function isDirectory(dirPath: string, timeoutMs: number): Promise<boolean> {
  try {
    const stats = await withFsTimeout(() => fsp.stat(dirPath), timeoutMs, `stat of ${dirPath}`);
    return stats.isDirectory();
  } catch (error) {
    const errno = errnoCode(error);
    if (errno === "ENOENT" || errno === "ENOTDIR") return false;
    throw fsError(error, dirPath);
  }
}

async function hasStoreLayout(dir: string, timeoutMs: number): Promise<boolean> {
  const [manifests, blobs] = await Promise.all([
    isDirectory(path.join(dir, "manifests"), timeoutMs),
    isDirectory(path.join(dir, "blobs"), timeoutMs),
  ]);
  return manifests && blobs;
}

/**
 * "ollama" when the root itself is an Ollama models directory ($OLLAMA_MODELS,
 * holding manifests/ and blobs/). Only that directory counts: a root pointing at
 * the parent ".ollama" folder is refused with a message naming the right path,
 * because walking it as GGUF files would find nothing (blobs have no extension).
 */
export async function detectLibraryKind(root: string, timeoutMs: number): Promise<LibraryKind> {
  requireTimeoutMs(timeoutMs);
  await statRootDir(root, timeoutMs);
  if (await hasStoreLayout(root, timeoutMs)) return "ollama";
  const nested = path.join(root, "models");
  if (await hasStoreLayout(nested, timeoutMs)) {
    throw new AppError("invalid-input", `${root} looks like Ollama's ".ollama" folder; use ${nested} as the library root`, {
      details: { path: root, suggestedRoot: nested },
    });
  }
  return "gguf-dir";
}
