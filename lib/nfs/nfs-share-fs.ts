// A ShareFs over a built-in NFSv3 session, so the walker, the GGUF reader and
// the Ollama store listing work on nfs:// roots exactly as on mounted paths.
// Paths are POSIX paths on the server below the session's root path.
import { AppError, isAppError } from "../errors.ts";
import type { NfsSession, NfsStat } from "./client/index.ts";
import type { ShareDirent, ShareFileHandle, ShareFs, ShareStats } from "./share-fs.ts";

/** READDIRPLUS already returned every entry's attributes: a walk's stat()
 * calls are answered from them instead of a LOOKUP chain per file. */
const ATTRIBUTE_CACHE_MS = 10_000;

/** NFS statuses that describe one entry (skip it) rather than the share (stop). */
const errnoByNfsStatus: Record<string, string> = {
  NFS3ERR_NOENT: "ENOENT",
  NFS3ERR_ACCES: "EACCES",
  NFS3ERR_PERM: "EPERM",
  NFS3ERR_IO: "EIO",
  NFS3ERR_NOTDIR: "ENOTDIR",
  NFS3ERR_ISDIR: "EISDIR",
  NFS3ERR_STALE: "ESTALE",
  NFS3ERR_NAMETOOLONG: "ENAMETOOLONG",
};

export function nfsShareFs(session: NfsSession, rootPath: string, label: string): ShareFs {
  const cache = new Map<string, { stat: NfsStat; at: number }>();
  const rel = (path: string): string => {
    if (path === rootPath) return "";
    if (path.startsWith(`${rootPath}/`)) return path.slice(rootPath.length + 1);
    throw new AppError("invalid-input", `${label}${path} is outside the library root ${label}${rootPath}`);
  };
  const call = async <T>(path: string, op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (error) {
      throw asErrno(error, `${label}${path}`);
    }
  };
  const statOf = async (path: string): Promise<NfsStat> => {
    const hit = cache.get(path);
    if (hit && Date.now() - hit.at < ATTRIBUTE_CACHE_MS) return hit.stat;
    const stat = await call(path, () => session.stat(rel(path)));
    if (!stat) throw errnoError("ENOENT", `${label}${path}: no such file or directory`);
    return stat;
  };
  const list = async (path: string): Promise<ShareDirent[]> => {
    const entries = await call(path, () => session.readdir(rel(path)));
    const now = Date.now();
    return entries
      .filter((entry) => entry.name !== "." && entry.name !== "..")
      .map((entry) => {
        if (entry.stat) cache.set(`${path === "/" ? "" : path}/${entry.name}`, { stat: entry.stat, at: now });
        return direntOf(entry.name, entry.stat);
      });
  };
  return {
    label,
    stat: async (path) => statsOf(await statOf(path)),
    readdir: list,
    async opendir(path) {
      const entries = await list(path);
      let next = 0;
      return { read: async () => entries[next++] ?? null, close: async () => undefined };
    },
    async open(path): Promise<ShareFileHandle> {
      const file = await call(path, () => session.openFile(rel(path)));
      return {
        stat: async () => statsOf(await call(path, () => file.stat())),
        async read(buffer, offset, length, position) {
          const bytes = await call(path, () => file.read(position, length));
          buffer.set(bytes, offset);
          return { bytesRead: bytes.byteLength };
        },
        close: () => file.close(),
      };
    },
  };
}

function direntOf(name: string, stat: NfsStat | null): ShareDirent {
  const type = stat?.type ?? "other";
  return { name, isFile: () => type === "file", isDirectory: () => type === "dir", isSymbolicLink: () => type === "symlink" };
}

function statsOf(stat: NfsStat): ShareStats {
  return {
    isFile: () => stat.type === "file",
    isDirectory: () => stat.type === "dir",
    size: BigInt(stat.size),
    mtimeMs: BigInt(Math.trunc(stat.mtimeMs)),
    ino: BigInt(stat.fileid),
    dev: 0n,
  };
}

function errnoError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** Per-entry NFS failures become errno errors (the walker skips that entry);
 * timeouts and lost connections stay AppErrors (the share is unavailable). */
function asErrno(error: unknown, where: string): unknown {
  if (!isAppError(error)) return error;
  const status = typeof error.details.nfsStatus === "string" ? error.details.nfsStatus : undefined;
  const code = status ? errnoByNfsStatus[status] : undefined;
  return code ? errnoError(code, `${where}: ${error.message}`) : error;
}
