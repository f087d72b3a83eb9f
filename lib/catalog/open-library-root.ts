// Opens a library root for a worker: a local (or kernel-mounted) path, or an
// nfs:// URL read through the built-in NFSv3 client. Either way the caller
// gets a ShareFs, the path to use with it, and the mount facts for the UI.
import path from "node:path";
import { errorMessage, isAppError } from "../errors.ts";
import type { ChunkReader } from "../hashing/chunk-reader.ts";
import { checkLibraryRoot, localShareFs, type MountReport, type ShareFs } from "../nfs/index.ts";
import { connectNfs, nfsChunkReader, parseNfsUrl, type NfsSession, type NfsUrl } from "../nfs/client/index.ts";
import { nfsShareFs } from "../nfs/nfs-share-fs.ts";
import { isNfsUrl } from "./library-path.ts";

export interface OpenedRoot {
  /** "local" for paths (including kernel NFS mounts), "nfs" for nfs:// URLs. */
  access: "local" | "nfs";
  /** The path to give the ShareFs functions for the root itself. */
  rootPath: string;
  fs: ShareFs;
  mount: MountReport;
  /** How to show a file of this root to an admin (absolute path or URL). */
  display(relPath: string): string;
  /** Streams a file for hashing (remote roots); null: hash the local path. */
  chunkReader(relPath: string): ChunkReader | null;
  /** Local path of a file (local roots only). */
  localPath(relPath: string): string | null;
  /** Gives the root back; `broken` drops a remote session that failed mid-use. */
  release(broken?: boolean): Promise<void>;
}

export type OpenRootResult = { ok: true; root: OpenedRoot } | { ok: false; code: "root" | "hung"; message: string };

export { isNfsUrl };

/** The share part of a URL, without query options (uid, ports), for display. */
export function displayNfsUrl(url: NfsUrl): string {
  return `nfs://${url.host}${url.path}`;
}

export async function openLibraryRoot(
  libraryPath: string,
  options: { timeoutMs: number; previousFsType?: string },
): Promise<OpenRootResult> {
  if (isNfsUrl(libraryPath)) return openNfsRoot(libraryPath, options.timeoutMs);
  const check = await checkLibraryRoot(libraryPath, { timeoutMs: options.timeoutMs, previousFsType: options.previousFsType });
  if (!check.ok) return { ok: false, code: check.reason === "hung" ? "hung" : "root", message: check.message };
  return {
    ok: true,
    root: {
      access: "local",
      rootPath: libraryPath,
      fs: localShareFs,
      mount: check.mount,
      display: (relPath) => path.join(libraryPath, relPath),
      chunkReader: () => null,
      localPath: (relPath) => path.join(libraryPath, relPath),
      release: async () => undefined,
    },
  };
}

// ---- nfs:// roots ---------------------------------------------------------

/** Sessions stay open this long after their last use: a scan and the
 * verifications that follow it reuse one mount instead of one per file. */
const SESSION_IDLE_MS = 60_000;

interface PooledSession {
  session: NfsSession;
  users: number;
  idleTimer: NodeJS.Timeout | undefined;
}

const sessions = new Map<string, Promise<PooledSession>>();

async function acquireSession(key: string, url: NfsUrl): Promise<PooledSession> {
  let pending = sessions.get(key);
  if (!pending) {
    const created: Promise<PooledSession> = connectNfs(url).then((session: NfsSession) => ({ session, users: 0, idleTimer: undefined }));
    created.catch(() => sessions.delete(key));
    sessions.set(key, created);
    pending = created;
  }
  const pooled = await pending;
  clearTimeout(pooled.idleTimer);
  pooled.users++;
  return pooled;
}

function releaseSession(key: string, pooled: PooledSession, broken = false): void {
  pooled.users--;
  const close = () => {
    if (sessions.get(key) !== undefined) sessions.delete(key);
    void pooled.session.close().catch(() => undefined);
  };
  if (broken) return close();
  if (pooled.users === 0) {
    pooled.idleTimer = setTimeout(close, SESSION_IDLE_MS);
    pooled.idleTimer.unref();
  }
}

async function openNfsRoot(libraryPath: string, timeoutMs: number): Promise<OpenRootResult> {
  let url: NfsUrl;
  try {
    url = parseNfsUrl(libraryPath);
  } catch (error) {
    return { ok: false, code: "root", message: errorMessage(error) };
  }
  // The URL's own timeout wins; otherwise the configured filesystem timeout.
  if (!/[?&]timeout=/.test(libraryPath)) url = { ...url, timeoutMs };
  const key = libraryPath;
  let pooled: PooledSession;
  try {
    pooled = await acquireSession(key, url);
  } catch (error) {
    return { ok: false, code: isHung(error) ? "hung" : "root", message: `${displayNfsUrl(url)}: ${errorMessage(error)}` };
  }
  try {
    const rootStat = await pooled.session.stat("");
    if (!rootStat || rootStat.type !== "dir") {
      releaseSession(key, pooled);
      return { ok: false, code: "root", message: `${displayNfsUrl(url)} is not a folder on the server` };
    }
    const fsstat = await pooled.session.fsstat();
    const fsinfo = await pooled.session.fsinfo();
    const mount: MountReport = {
      mountPoint: displayNfsUrl(url),
      source: `${url.host}:${pooled.session.exportPath}`,
      fsType: "nfs3 (built-in client)",
      isNetwork: true,
      nfsVersion: "3",
      options: {
        readOnly: true,
        failureMode: "soft",
        vers: "3",
        rsize: fsinfo.rtpref,
        wsize: fsinfo.wtpref,
        timeo: Math.round(url.timeoutMs / 100),
        retrans: null,
        actimeo: null,
        acregmin: null,
        acregmax: null,
        acdirmin: null,
        acdirmax: null,
        noac: true,
        proto: "tcp",
        lookupcache: null,
        nconnect: null,
        sec: `sys (uid ${url.uid}, gid ${url.gid})`,
        serverAddress: url.host,
        cache: null,
      },
      warnings: [],
      statfs: { totalBytes: fsstat.totalBytes, freeBytes: fsstat.freeBytes, availableBytes: fsstat.availableBytes },
    };
    const fs = nfsShareFs(pooled.session, url.path, `nfs://${url.host}`);
    let released = false;
    return {
      ok: true,
      root: {
        access: "nfs",
        rootPath: url.path,
        fs,
        mount,
        display: (relPath) => `nfs://${url.host}${path.posix.join(url.path, relPath)}`,
        chunkReader: (relPath) => nfsChunkReader(pooled.session, relPath),
        localPath: () => null,
        async release(broken = false) {
          if (released) return;
          released = true;
          releaseSession(key, pooled, broken);
        },
      },
    };
  } catch (error) {
    releaseSession(key, pooled, true);
    return { ok: false, code: isHung(error) ? "hung" : "root", message: `${displayNfsUrl(url)}: ${errorMessage(error)}` };
  }
}

function isHung(error: unknown): boolean {
  return isAppError(error) && (error.code === "timeout" || error.code === "unavailable");
}
