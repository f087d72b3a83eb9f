// Read-only listing of an Ollama model store: manifests/<host>/<namespace>/<model>/<tag>
// files and the blobs/ folder, with the same timeouts as every other root access.
import { mapLimit } from "../concurrency.ts";
import path from "node:path";
import { AppError } from "../errors.ts";
import { classifyName, isOllamaBlobName } from "./classify-name.ts";
import { requireTimeoutMs } from "./require-option.ts";
import { rootFailureOf } from "./root-problem.ts";
import { labelledPath, localShareFs, type ShareDirent, type ShareFs, type ShareStats } from "./share-fs.ts";
import { rootUnavailableError, statRootDir } from "./stat-root-dir.ts";
import { errnoCode, fsError, withFsTimeout } from "./with-fs-timeout.ts";

/** A store holds tens to a few thousand blobs; more means the root is not an Ollama store we should list in memory. */
export const MAX_STORE_DIR_ENTRIES = 100_000;

/** libuv runs fs calls on 4 threads by default; more parallel stats only queue up. */
const STAT_CONCURRENCY = 4;

export interface OllamaManifestEntry {
  /** Relative to the library root: "manifests/registry.ollama.ai/library/qwen2.5/latest". */
  relPath: string;
  host: string;
  namespace: string;
  model: string;
  tag: string;
  sizeBytes: number;
  mtimeMs: number;
}

export interface OllamaBlobEntry {
  name: string;
  /** The 64 hex digits after "sha256-": the SHA-256 of the blob's content. */
  digestHex: string;
  sizeBytes: number;
  mtimeMs: number;
  ino: string;
}

export interface OllamaTempBlob {
  name: string;
  sizeBytes: number;
  mtimeMs: number;
  ino: string;
}

export interface OllamaBlobListing {
  blobs: OllamaBlobEntry[];
  /** Downloads or creations in progress ("sha256-<hex>-partial", Go temp files). */
  temps: OllamaTempBlob[];
  /** Entries that are neither (counted so an admin can be told about strays). */
  otherCount: number;
}

/** One store listing: the filesystem it reads and the per-call budget. */
interface StoreReader {
  fs: ShareFs;
  timeoutMs: number;
}

async function listDir({ fs, timeoutMs }: StoreReader, dirPath: string): Promise<ShareDirent[]> {
  const shown = labelledPath(fs, dirPath);
  const entries = await withFsTimeout(() => fs.readdir(dirPath), timeoutMs, `Listing ${shown}`).catch((error: unknown) => {
    throw fsError(error, shown);
  });
  if (entries.length > MAX_STORE_DIR_ENTRIES) {
    throw new AppError("invalid-input", `${shown} holds ${entries.length} entries, more than the ${MAX_STORE_DIR_ENTRIES} an Ollama store would`, {
      details: { path: shown, entries: entries.length },
    });
  }
  return entries;
}

/** stat() following symlinks; null when the entry vanished or is a dangling link. */
async function statOrNull({ fs, timeoutMs }: StoreReader, filePath: string): Promise<ShareStats | null> {
  const shown = labelledPath(fs, filePath);
  try {
    return await withFsTimeout(() => fs.stat(filePath), timeoutMs, `stat of ${shown}`);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return null;
    throw fsError(error, shown);
  }
}


/**
 * Ollama's names start with a letter, digit or "_" (types/model/name.go), so hidden
 * entries and temp names are never manifests (editor swap files, rsync temps).
 */
function isCandidateName(name: string): boolean {
  return !name.startsWith(".") && classifyName(name) !== "temp";
}

/** Sub-folders of `dirPath`, following symlinks (safe: the depth is fixed at four). */
async function subDirs(reader: StoreReader, dirPath: string): Promise<string[]> {
  const entries = (await listDir(reader, dirPath)).filter((e) => isCandidateName(e.name));
  const isDir = await mapLimit(entries, STAT_CONCURRENCY, async (entry) => {
    if (entry.isDirectory()) return true;
    if (!entry.isSymbolicLink()) return false;
    return (await statOrNull(reader, path.posix.join(dirPath, entry.name)))?.isDirectory() ?? false;
  });
  return entries.filter((_entry, i) => isDir[i]).map((entry) => entry.name);
}

/** A missing, hung or unreadable manifests/ or blobs/ folder makes the store unavailable; other errors pass. */
function storeDirError({ fs, timeoutMs }: StoreReader, dirPath: string, error: unknown): unknown {
  return rootFailureOf(error) === "unknown" ? error : rootUnavailableError(labelledPath(fs, dirPath), error, timeoutMs, "Ollama store folder");
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Lists manifest files exactly four levels below manifests/ (host, namespace,
 * model, tag), the same four-level glob Ollama uses. Any unreadable folder fails
 * the whole listing: a partial list would make models look deleted. Reads through `fs`.
 */
export async function listOllamaManifests(root: string, timeoutMs: number, fs: ShareFs = localShareFs): Promise<OllamaManifestEntry[]> {
  requireTimeoutMs(timeoutMs);
  await statRootDir(root, timeoutMs, fs);
  const reader: StoreReader = { fs, timeoutMs };
  const manifestsDir = path.posix.join(root, "manifests");
  const result: OllamaManifestEntry[] = [];
  let hosts: string[];
  try {
    hosts = await subDirs(reader, manifestsDir);
  } catch (error) {
    throw storeDirError(reader, manifestsDir, error);
  }
  for (const host of hosts) {
    for (const namespace of await subDirs(reader, path.posix.join(manifestsDir, host))) {
      for (const model of await subDirs(reader, path.posix.join(manifestsDir, host, namespace))) {
        const modelDir = path.posix.join(manifestsDir, host, namespace, model);
        const tags = (await listDir(reader, modelDir)).filter((e) => isCandidateName(e.name) && !e.isDirectory());
        const stats = await mapLimit(tags, STAT_CONCURRENCY, (tag) => statOrNull(reader, path.posix.join(modelDir, tag.name)));
        tags.forEach((tag, i) => {
          const s = stats[i];
          if (!s?.isFile()) return;
          result.push({
            relPath: ["manifests", host, namespace, model, tag.name].join("/"),
            host,
            namespace,
            model,
            tag: tag.name,
            sizeBytes: Number(s.size),
            mtimeMs: Number(s.mtimeMs),
          });
        });
      }
    }
  }
  return result.sort((a, b) => byName(a.relPath, b.relPath));
}

/** Lists blobs/ on `fs`: finished "sha256-<hex>" blobs and in-progress temp files, separately. */
export async function listOllamaBlobs(root: string, timeoutMs: number, fs: ShareFs = localShareFs): Promise<OllamaBlobListing> {
  requireTimeoutMs(timeoutMs);
  await statRootDir(root, timeoutMs, fs);
  const reader: StoreReader = { fs, timeoutMs };
  const blobsDir = path.posix.join(root, "blobs");
  let entries: ShareDirent[];
  try {
    entries = await listDir(reader, blobsDir);
  } catch (error) {
    throw storeDirError(reader, blobsDir, error);
  }
  const listing: OllamaBlobListing = { blobs: [], temps: [], otherCount: 0 };
  const wanted = entries.filter((e) => {
    const relevant = (e.isFile() || e.isSymbolicLink()) && (isOllamaBlobName(e.name) || classifyName(e.name) === "temp");
    if (!relevant) listing.otherCount++;
    return relevant;
  });
  const stats = await mapLimit(wanted, STAT_CONCURRENCY, (entry) => statOrNull(reader, path.posix.join(blobsDir, entry.name)));
  wanted.forEach((entry, i) => {
    const s = stats[i];
    if (!s?.isFile()) {
      if (s) listing.otherCount++;
      return;
    }
    if (isOllamaBlobName(entry.name)) {
      listing.blobs.push({
        name: entry.name,
        digestHex: entry.name.slice("sha256-".length),
        sizeBytes: Number(s.size),
        mtimeMs: Number(s.mtimeMs),
        ino: s.ino.toString(),
      });
    } else {
      listing.temps.push({ name: entry.name, sizeBytes: Number(s.size), mtimeMs: Number(s.mtimeMs), ino: s.ino.toString() });
    }
  });
  listing.blobs.sort((a, b) => byName(a.name, b.name));
  listing.temps.sort((a, b) => byName(a.name, b.name));
  return listing;
}
