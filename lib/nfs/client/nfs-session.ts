// A mounted nfs:// root: finds the export that holds the URL's path, mounts it,
// looks up the sub-path, and then answers stat / readdir / open relative to that
// root. Paths are resolved with LOOKUP from the root; folder handles are cached
// briefly for the parents of a path, while its last name is always looked up
// afresh (a replaced file or folder must be seen at once).
import { AppError, isAppError } from "../../errors.ts";
import { requireIntegerOption } from "../require-option.ts";
import { authSys } from "./auth-sys.ts";
import { mountExport, type MountedExport } from "./mount-export.ts";
import { mount3Mnt, mount3Umnt, MOUNT_PROGRAM, MOUNT_VERSION } from "./mount3.ts";
import { isNfsError, NfsError } from "./nfs3-errors.ts";
import { openNfsFile, type NfsFile } from "./nfs-file.ts";
import { openNfsFileWriter, type NfsWritableFile } from "./nfs-file-writer.ts";
import { CreateMode, MAX_WRITE_BYTES_PER_CALL, nfs3Create, nfs3Mkdir, nfs3Remove, nfs3Rename, nfs3Rmdir } from "./nfs3-write.ts";
import {
  ACCESS3_DELETE,
  ACCESS3_EXECUTE,
  ACCESS3_EXTEND,
  ACCESS3_LOOKUP,
  ACCESS3_MODIFY,
  ACCESS3_READ,
  MAX_NAME_BYTES,
  MAX_READ_BYTES_PER_CALL,
  NF3DIR,
  NF3REG,
  NFS_PROGRAM,
  NFS_VERSION,
  NFS3_COOKIEVERFSIZE,
  nfs3Access,
  nfs3Fsinfo,
  nfs3Fsstat,
  nfs3Getattr,
  nfs3Lookup,
  nfs3Null,
  nfs3Readdirplus,
  type Fattr3,
  type FsinfoResult,
} from "./nfs3.ts";
import { nfsDisplayPath, type NfsUrl } from "./nfs-url.ts";
import { resolvePort } from "./portmap.ts";
import { DEFAULT_MAX_OUTSTANDING, MAX_OUTSTANDING_LIMIT, RpcClient } from "./rpc-client.ts";
import { toNfsStat, type NfsStat } from "./to-nfs-stat.ts";

/**
 * Entries one readdir() returns at most. A single folder with more entries than a
 * whole library walk allows (lib/nfs DEFAULT_MAX_ENTRIES) is not a model folder, and
 * 200,000 entries with attributes already hold ~60 MB.
 */
export const MAX_DIR_ENTRIES = 200_000;
/**
 * Directory handles kept for path lookups. ~100 bytes each; 10,000 covers the
 * folders of a large library, so a scan does not LOOKUP every parent again.
 */
export const MAX_CACHED_DIR_HANDLES = 10_000;
/**
 * How long a cached directory handle is trusted before its path is looked up
 * again. A folder renamed on the NAS is noticed within this time (Linux's client
 * trusts directory attributes for up to 60 s: acdirmax).
 */
export const DIR_HANDLE_TTL_MS = 30_000;
/** UMNT at close is a courtesy to the server's mount list; a dead server must not hold up close(). */
export const UMNT_TIMEOUT_MS = 2_000;
/** MOUNT calls are few and sequential. */
const MOUNT_MAX_OUTSTANDING = 2;
/** Used when a server reports rtmax 0 (broken): the RFC 1094-era safe size. */
const FALLBACK_READ_BYTES = 32 * 1024;
/** The same for a wtmax of 0. */
const FALLBACK_WRITE_BYTES = 32 * 1024;
/**
 * WRITE calls one open file keeps in flight. Each holds up to two copies of a
 * wtmax piece (≤ 1 MiB) until the server answers, so 8 bounds a copy at ~16 MiB
 * while hiding the round trip (a NAS commits 1 MiB in a few ms; 8 in flight
 * keep a 1 Gbit/s link busy at 10 ms latency).
 */
export const WRITE_PIPELINE_DEPTH = 8;
/** Permissions of files and folders we create: what a models folder needs to be readable by the host. */
export const DEFAULT_FILE_MODE = 0o644;
export const DEFAULT_DIR_MODE = 0o755;

export interface NfsDirEntry {
  name: string;
  /** Attributes of the entry itself (a symlink is not followed); null if the server sent none. */
  stat: NfsStat | null;
}

export interface NfsFsstat {
  totalBytes: number;
  freeBytes: number;
  availableBytes: number;
  totalFiles: number;
  freeFiles: number;
}

export interface NfsFsinfo {
  rtmax: number;
  rtpref: number;
  wtmax: number;
  wtpref: number;
  dtpref: number;
  maxFileSize: number;
}

export interface NfsAccess {
  read: boolean;
  lookup: boolean;
  modify: boolean;
  extend: boolean;
  delete: boolean;
  execute: boolean;
}

export interface NfsSession {
  readonly host: string;
  /** The export that was mounted ("/volume1/models"). */
  readonly exportPath: string;
  /** The URL's path below the export ("" when the URL names the export itself). */
  readonly subPath: string;
  /** Bytes per READ call (the server's rtmax, at most 1 MiB). */
  readonly readSize: number;
  /** Bytes per WRITE call (the server's wtmax, at most 1 MiB). */
  readonly writeSize: number;
  /** relPath (relative to the URL's path) as an admin reads it: nfs://host/export/sub/rel. */
  displayPath(relPath: string): string;
  /** Attributes of relPath ("" = the root), following no symlinks; null when it does not exist. */
  stat(relPath: string): Promise<NfsStat | null>;
  /** Every entry of a folder (READDIRPLUS, all pages), without "." and "..". */
  readdir(relPath: string, options?: { maxEntries?: number }): Promise<NfsDirEntry[]>;
  /** Opens a regular file for positional reads. */
  openFile(relPath: string): Promise<NfsFile>;
  /** What the server lets our credentials do with relPath (ACCESS). */
  access(relPath: string): Promise<NfsAccess>;
  fsstat(): Promise<NfsFsstat>;
  fsinfo(): Promise<NfsFsinfo>;
  /** NFS NULL round trip, in milliseconds. */
  ping(): Promise<number>;
  /**
   * Creates a regular file for writing (CREATE). `guarded` fails with a "conflict"
   * NfsError (NFS3ERR_EXIST) when the name exists; otherwise an existing file is
   * truncated to 0 bytes.
   */
  createFile(relPath: string, options?: { guarded?: boolean; mode?: number }): Promise<NfsWritableFile>;
  /** Creates a folder (MKDIR); NFS3ERR_EXIST ("conflict") when the name exists. */
  mkdir(relPath: string, options?: { mode?: number }): Promise<void>;
  /** Removes a file (REMOVE); NFS3ERR_NOENT ("not-found") when it is not there. */
  remove(relPath: string): Promise<void>;
  /** Removes an empty folder (RMDIR); NFS3ERR_NOTEMPTY ("conflict") when it is not empty. */
  rmdir(relPath: string): Promise<void>;
  /**
   * Renames atomically (RENAME), also between folders of the export. An existing
   * file at `toRelPath` is replaced; an existing non-empty folder is an error.
   */
  rename(fromRelPath: string, toRelPath: string): Promise<void>;
  /** UMNT and close the connections. Later calls fail. */
  close(): Promise<void>;
}

export interface ConnectNfsOptions {
  /** AUTH_SYS machine name; defaults to this host's name. */
  machineName?: string;
  /** Supplementary groups sent with AUTH_SYS; defaults to [url.gid]. */
  gids?: number[];
  /** Calls in flight on the NFS connection (READ pipelining depth); default 16. */
  maxOutstanding?: number;
  /** Portmapper port when the URL gives no NFS or MOUNT port; default 111. */
  portmapPort?: number;
}

/** Splits a root-relative path into names; "" and "/" are the root itself. */
export function splitRelPath(relPath: string): string[] {
  const names = relPath.split("/").filter((name) => name !== "" && name !== ".");
  for (const name of names) {
    if (name === "..") throw new AppError("invalid-input", `Path "${relPath}" must stay inside the library root (no ".." segments)`, { details: { relPath } });
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new AppError("invalid-input", `A name in "${relPath}" is longer than ${MAX_NAME_BYTES} bytes`, { details: { relPath } });
  }
  return names;
}

function joinPath(base: string, names: readonly string[]): string {
  if (names.length === 0) return base;
  return `${base === "/" ? "" : base}/${names.join("/")}`;
}

class Session implements NfsSession {
  readonly host: string;
  readonly exportPath: string;
  readonly subPath: string;
  readonly readSize: number;
  readonly writeSize: number;
  readonly #url: NfsUrl;
  readonly #mount: RpcClient;
  readonly #nfs: RpcClient;
  /** Handle of url.path, re-resolved after a stale handle. */
  #rootFh: Uint8Array;
  /** Directory handles by root-relative path ("a/b"), oldest first. */
  readonly #dirHandles = new Map<string, { fh: Uint8Array; at: number }>();
  #refreshing: Promise<void> | null = null;
  #closed: Promise<void> | null = null;

  constructor(url: NfsUrl, mount: RpcClient, nfs: RpcClient, mounted: MountedExport, rootFh: Uint8Array, fsinfo: FsinfoResult) {
    this.#url = url;
    this.host = url.host;
    this.#mount = mount;
    this.#nfs = nfs;
    this.exportPath = mounted.exportPath;
    this.subPath = url.path.slice(mounted.exportPath === "/" ? 0 : mounted.exportPath.length).replace(/^\//, "");
    this.#rootFh = rootFh;
    const rtmax = fsinfo.rtmax > 0 ? fsinfo.rtmax : FALLBACK_READ_BYTES;
    this.readSize = Math.min(rtmax, MAX_READ_BYTES_PER_CALL);
    const wtmax = fsinfo.wtmax > 0 ? fsinfo.wtmax : FALLBACK_WRITE_BYTES;
    this.writeSize = Math.min(wtmax, MAX_WRITE_BYTES_PER_CALL);
  }

  displayPath(relPath: string): string {
    return nfsDisplayPath(this.host, joinPath(this.#url.path, splitRelPath(relPath)));
  }

  #shown(names: readonly string[]): { path: string } {
    return { path: nfsDisplayPath(this.host, joinPath(this.#url.path, names)) };
  }

  // ------------------------------------------------------------ path lookup

  #cachedDir(key: string): Uint8Array | undefined {
    const entry = this.#dirHandles.get(key);
    if (entry === undefined) return undefined;
    this.#dirHandles.delete(key);
    if (performance.now() - entry.at > DIR_HANDLE_TTL_MS) return undefined;
    this.#dirHandles.set(key, entry);
    return entry.fh;
  }

  #rememberDir(key: string, fh: Uint8Array): void {
    this.#dirHandles.delete(key);
    this.#dirHandles.set(key, { fh, at: performance.now() });
    if (this.#dirHandles.size > MAX_CACHED_DIR_HANDLES) {
      const oldest = this.#dirHandles.keys().next().value;
      if (oldest !== undefined) this.#dirHandles.delete(oldest);
    }
  }

  /**
   * The handle of a folder: from the cache, or by LOOKUPs from the deepest cached
   * parent (or the root). `used.cache` records whether a cached handle was used.
   */
  async #dirHandle(names: readonly string[], useCache: boolean, used: { cache: boolean }): Promise<Uint8Array> {
    let depth = useCache ? names.length : 0;
    let fh: Uint8Array | undefined;
    while (depth > 0 && (fh = this.#cachedDir(names.slice(0, depth).join("/"))) === undefined) depth--;
    if (fh !== undefined) used.cache = true;
    fh ??= this.#rootFh;
    for (let i = depth; i < names.length; i++) {
      const result = await nfs3Lookup(this.#nfs, fh, names[i] as string, this.#shown(names.slice(0, i + 1)));
      if (result.attributes && result.attributes.type !== NF3DIR) {
        throw new NfsError("invalid-input", `${this.#shown(names.slice(0, i + 1)).path} is not a folder`, "NFS3ERR_NOTDIR", false, this.#shown(names));
      }
      fh = result.fh;
      this.#rememberDir(names.slice(0, i + 1).join("/"), fh);
    }
    return fh;
  }

  /** Handle and attributes of a path: its parent folder as above, the last name always by a fresh LOOKUP. */
  async #locate(names: readonly string[], useCache: boolean, used: { cache: boolean }): Promise<{ fh: Uint8Array; attributes: Fattr3 }> {
    if (names.length === 0) return { fh: this.#rootFh, attributes: await nfs3Getattr(this.#nfs, this.#rootFh, this.#shown(names)) };
    const parent = await this.#dirHandle(names.slice(0, -1), useCache, used);
    const result = await nfs3Lookup(this.#nfs, parent, names[names.length - 1] as string, this.#shown(names));
    const attributes = result.attributes ?? (await nfs3Getattr(this.#nfs, result.fh, this.#shown(names)));
    if (attributes.type === NF3DIR) this.#rememberDir(names.join("/"), result.fh);
    return { fh: result.fh, attributes };
  }

  /**
   * Resolves a path. A cached folder handle may name a folder that was deleted or
   * replaced on the NAS (servers often answer NOENT, not STALE, for a deleted folder
   * they still cache), so "does not exist" seen through the cache is checked again
   * from the root before it is believed.
   */
  async #lookup(names: readonly string[]): Promise<{ fh: Uint8Array; attributes: Fattr3 }> {
    const used = { cache: false };
    try {
      return await this.#locate(names, true, used);
    } catch (error) {
      if (!used.cache || !(isNfsError(error, "NFS3ERR_NOENT") || isNfsError(error, "NFS3ERR_NOTDIR"))) throw error;
      for (let depth = 1; depth < names.length; depth++) this.#dirHandles.delete(names.slice(0, depth).join("/"));
      return this.#locate(names, false, { cache: false });
    }
  }

  /**
   * Runs `op`; after NFS3ERR_STALE forgets every cached handle, mounts the export
   * again (its root handle may have changed too) and runs `op` once more. A second
   * stale handle fails with the server's error.
   */
  async #staleRetry<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (error) {
      if (!isNfsError(error, "NFS3ERR_STALE")) throw error;
      await this.#refreshRoot();
      return op();
    }
  }

  #refreshRoot(): Promise<void> {
    this.#refreshing ??= (async () => {
      this.#dirHandles.clear();
      const { fh } = await mount3Mnt(this.#mount, this.exportPath, nfsDisplayPath(this.host, this.exportPath));
      this.#rootFh = await lookupSubPath(this.#nfs, this.host, this.exportPath, fh, splitRelPath(this.subPath));
    })().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  // ------------------------------------------------------------ public API

  async stat(relPath: string): Promise<NfsStat | null> {
    const names = splitRelPath(relPath);
    try {
      return toNfsStat((await this.#staleRetry(() => this.#lookup(names))).attributes);
    } catch (error) {
      // Like lib/nfs statFile: a parent that turned into a file also means "not there".
      if (isNfsError(error, "NFS3ERR_NOENT") || isNfsError(error, "NFS3ERR_NOTDIR")) return null;
      throw error;
    }
  }

  async readdir(relPath: string, options: { maxEntries?: number } = {}): Promise<NfsDirEntry[]> {
    const maxEntries = requireIntegerOption("maxEntries", options.maxEntries ?? MAX_DIR_ENTRIES, 1, MAX_DIR_ENTRIES);
    const names = splitRelPath(relPath);
    return this.#staleRetry(async () => {
      const { fh: dirFh, attributes } = await this.#lookup(names);
      if (attributes.type !== NF3DIR) {
        const shown = this.#shown(names).path;
        throw new NfsError("invalid-input", `${shown} is not a folder (NFS3ERR_NOTDIR)`, "NFS3ERR_NOTDIR", false, { path: shown });
      }
      try {
        return await this.#readAllPages(names, dirFh, maxEntries);
      } catch (error) {
        // The folder changed between pages and the server dropped our place: start over once.
        if (!isNfsError(error, "NFS3ERR_BAD_COOKIE")) throw error;
        return this.#readAllPages(names, dirFh, maxEntries);
      }
    });
  }

  async #readAllPages(names: readonly string[], dirFh: Uint8Array, maxEntries: number): Promise<NfsDirEntry[]> {
    const shown = this.#shown(names);
    const entries: NfsDirEntry[] = [];
    let cookie = 0n;
    let verifier: Uint8Array = new Uint8Array(NFS3_COOKIEVERFSIZE);
    for (;;) {
      const page = await nfs3Readdirplus(this.#nfs, dirFh, cookie, verifier, shown);
      for (const entry of page.entries) {
        if (entry.name === "." || entry.name === ".." || entry.name === "") continue;
        if (entries.length >= maxEntries) {
          throw new AppError("invalid-input", `${shown.path} holds more than ${maxEntries} entries, more than a library folder should`, {
            details: { path: shown.path, maxEntries },
          });
        }
        if (entry.attributes?.type === NF3DIR && entry.fh !== null) this.#rememberDir([...names, entry.name].join("/"), entry.fh);
        entries.push({ name: entry.name, stat: entry.attributes ? toNfsStat(entry.attributes) : null });
      }
      if (page.eof) return entries;
      const last = page.entries[page.entries.length - 1];
      // Without progress the next page would be this one again, forever.
      if (last === undefined || last.cookie === cookie) {
        throw new AppError("io", `The NAS sent a READDIRPLUS page of ${shown.path} that does not advance (no entries and no end of folder)`, {
          details: { path: shown.path },
        });
      }
      cookie = last.cookie;
      verifier = page.verifier;
    }
  }

  async openFile(relPath: string): Promise<NfsFile> {
    const names = splitRelPath(relPath);
    const { fh, attributes } = await this.#staleRetry(() => this.#lookup(names));
    const shown = this.#shown(names).path;
    if (attributes.type !== NF3REG) {
      const what = attributes.type === NF3DIR ? "a folder" : "not a regular file";
      throw new AppError("invalid-input", `${shown} is ${what}, not a file that can be read`, { details: { path: shown } });
    }
    return openNfsFile(
      {
        client: this.#nfs,
        displayPath: shown,
        readSize: this.readSize,
        pipelineDepth: this.#nfs.maxOutstanding,
        reresolve: () =>
          this.#staleRetry(() => {
            this.#dirHandles.clear();
            return this.#lookup(names);
          }),
      },
      fh,
      attributes,
    );
  }

  async access(relPath: string): Promise<NfsAccess> {
    const names = splitRelPath(relPath);
    const all = ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY | ACCESS3_EXTEND | ACCESS3_DELETE | ACCESS3_EXECUTE;
    const { access } = await this.#staleRetry(async () => {
      const { fh } = await this.#lookup(names);
      return nfs3Access(this.#nfs, fh, all, this.#shown(names));
    });
    return {
      read: (access & ACCESS3_READ) !== 0,
      lookup: (access & ACCESS3_LOOKUP) !== 0,
      modify: (access & ACCESS3_MODIFY) !== 0,
      extend: (access & ACCESS3_EXTEND) !== 0,
      delete: (access & ACCESS3_DELETE) !== 0,
      execute: (access & ACCESS3_EXECUTE) !== 0,
    };
  }

  async fsstat(): Promise<NfsFsstat> {
    const result = await this.#staleRetry(() => nfs3Fsstat(this.#nfs, this.#rootFh, this.#shown([])));
    const { totalBytes, freeBytes, availableBytes, totalFiles, freeFiles } = result;
    return { totalBytes, freeBytes, availableBytes, totalFiles, freeFiles };
  }

  async fsinfo(): Promise<NfsFsinfo> {
    const result = await this.#staleRetry(() => nfs3Fsinfo(this.#nfs, this.#rootFh, this.#shown([])));
    const { rtmax, rtpref, wtmax, wtpref, dtpref, maxFileSize } = result;
    return { rtmax, rtpref, wtmax, wtpref, dtpref, maxFileSize };
  }

  async ping(): Promise<number> {
    const start = performance.now();
    await nfs3Null(this.#nfs);
    return performance.now() - start;
  }

  // ------------------------------------------------------------ writes

  /** Drops cached handles of `names` and everything below it (after RMDIR, RENAME). */
  #forgetDirs(names: readonly string[]): void {
    const key = names.join("/");
    for (const cached of [...this.#dirHandles.keys()]) {
      if (cached === key || cached.startsWith(`${key}/`)) this.#dirHandles.delete(cached);
    }
  }

  /**
   * Runs `op` with the handle of the folder that holds `names`. A cached folder
   * handle may name a folder deleted or replaced on the NAS, so a "does not exist"
   * seen through the cache is retried once with a fresh lookup from the root; the
   * operation cannot have happened when the server answered NOENT or STALE.
   */
  async #inParent<T>(names: readonly string[], op: (parentFh: Uint8Array) => Promise<T>): Promise<T> {
    if (names.length === 0) throw new AppError("invalid-input", `${this.#shown(names).path} is the root itself; name something inside it`);
    const parentNames = names.slice(0, -1);
    return this.#staleRetry(async () => {
      const used = { cache: false };
      try {
        return await op(await this.#dirHandle(parentNames, true, used));
      } catch (error) {
        const retry = isNfsError(error, "NFS3ERR_NOENT") || isNfsError(error, "NFS3ERR_NOTDIR") || isNfsError(error, "NFS3ERR_STALE");
        if (!used.cache || !retry) throw error;
        for (let depth = 1; depth <= parentNames.length; depth++) this.#dirHandles.delete(parentNames.slice(0, depth).join("/"));
        return op(await this.#dirHandle(parentNames, false, { cache: false }));
      }
    });
  }

  async createFile(relPath: string, options: { guarded?: boolean; mode?: number } = {}): Promise<NfsWritableFile> {
    const names = splitRelPath(relPath);
    const shown = this.#shown(names);
    const name = names[names.length - 1] as string;
    const mode = options.guarded ? CreateMode.GUARDED : CreateMode.UNCHECKED;
    // UNCHECKED with size 0 truncates a file that is already there (RFC 1813 §3.3.8).
    const attributes = { mode: options.mode ?? DEFAULT_FILE_MODE, ...(options.guarded ? {} : { size: 0 }) };
    const fh = await this.#inParent(names, async (parentFh) => {
      const created = await nfs3Create(this.#nfs, parentFh, name, mode, attributes, shown);
      return created.fh ?? (await nfs3Lookup(this.#nfs, parentFh, name, shown)).fh;
    });
    return openNfsFileWriter(
      { client: this.#nfs, displayPath: shown.path, writeSize: this.writeSize, pipelineDepth: Math.min(WRITE_PIPELINE_DEPTH, this.#nfs.maxOutstanding) },
      fh,
    );
  }

  async mkdir(relPath: string, options: { mode?: number } = {}): Promise<void> {
    const names = splitRelPath(relPath);
    const name = names[names.length - 1] as string;
    const created = await this.#inParent(names, (parentFh) => nfs3Mkdir(this.#nfs, parentFh, name, { mode: options.mode ?? DEFAULT_DIR_MODE }, this.#shown(names)));
    if (created.fh !== null) this.#rememberDir(names.join("/"), created.fh);
  }

  async remove(relPath: string): Promise<void> {
    const names = splitRelPath(relPath);
    await this.#inParent(names, (parentFh) => nfs3Remove(this.#nfs, parentFh, names[names.length - 1] as string, this.#shown(names)));
  }

  async rmdir(relPath: string): Promise<void> {
    const names = splitRelPath(relPath);
    this.#forgetDirs(names);
    await this.#inParent(names, (parentFh) => nfs3Rmdir(this.#nfs, parentFh, names[names.length - 1] as string, this.#shown(names)));
  }

  async rename(fromRelPath: string, toRelPath: string): Promise<void> {
    const from = splitRelPath(fromRelPath);
    const to = splitRelPath(toRelPath);
    if (to.length === 0) throw new AppError("invalid-input", `Cannot rename onto the root ${this.#shown(to).path}`);
    const toName = to[to.length - 1] as string;
    const context = this.#shown(from);
    await this.#inParent(from, async (fromParentFh) => {
      // The target folder's handle comes fresh: a cached one that went stale would
      // make the server answer NOENT, which here would read as "source missing".
      const toParentFh = await this.#dirHandle(to.slice(0, -1), false, { cache: false });
      await nfs3Rename(this.#nfs, fromParentFh, from[from.length - 1] as string, toParentFh, toName, context);
    });
    // Both names now lead elsewhere: a folder moved away, or one that was replaced.
    this.#forgetDirs(from);
    this.#forgetDirs(to);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#nfs.close();
      try {
        await mount3Umnt(this.#mount, this.exportPath, Math.min(UMNT_TIMEOUT_MS, this.#mount.timeoutMs));
      } catch (error) {
        // UMNT only tidies the server's list of mounts (showmount -a); NFSv3 holds no
        // state that needs it, so an unreachable server must not make close() fail.
        if (!isAppError(error)) throw error;
      } finally {
        this.#mount.close();
      }
    })();
    return this.#closed;
  }
}

/** LOOKUPs `names` below an export's root handle; the result must be a folder. */
async function lookupSubPath(nfs: RpcClient, host: string, exportPath: string, exportFh: Uint8Array, names: readonly string[]): Promise<Uint8Array> {
  let fh = exportFh;
  let attributes: Fattr3 | null = null;
  for (let i = 0; i < names.length; i++) {
    const result = await nfs3Lookup(nfs, fh, names[i] as string, { path: nfsDisplayPath(host, joinPath(exportPath, names.slice(0, i + 1))) });
    fh = result.fh;
    attributes = result.attributes;
  }
  const shown = nfsDisplayPath(host, joinPath(exportPath, names));
  attributes ??= await nfs3Getattr(nfs, fh, { path: shown });
  if (attributes.type !== NF3DIR) {
    throw new AppError("invalid-input", `${shown} is not a folder; an nfs:// library root must name a folder`, { details: { path: shown } });
  }
  return fh;
}

/**
 * Connects to the NFS server of `url`: asks its portmapper for ports the URL does
 * not give, mounts the export that holds url.path, and looks up the rest of the path.
 */
export async function connectNfs(url: NfsUrl, options: ConnectNfsOptions = {}): Promise<NfsSession> {
  const maxOutstanding = requireIntegerOption("maxOutstanding", options.maxOutstanding ?? DEFAULT_MAX_OUTSTANDING, 1, MAX_OUTSTANDING_LIMIT);
  const credential = authSys({
    uid: url.uid,
    gid: url.gid,
    ...(options.gids ? { gids: options.gids } : {}),
    ...(options.machineName === undefined ? {} : { machineName: options.machineName }),
  });
  const portmap = { timeoutMs: url.timeoutMs, ...(options.portmapPort === undefined ? {} : { port: options.portmapPort }) };
  const [mountPort, nfsPort] = await Promise.all([
    url.mountPort ?? resolvePort(url.host, { program: MOUNT_PROGRAM, version: MOUNT_VERSION, name: "MOUNT", urlOption: "mountport" }, portmap),
    url.nfsPort ?? resolvePort(url.host, { program: NFS_PROGRAM, version: NFS_VERSION, name: "NFS", urlOption: "nfsport" }, portmap),
  ]);
  const mount = new RpcClient({
    target: { host: url.host, port: mountPort, program: MOUNT_PROGRAM, version: MOUNT_VERSION, programName: "MOUNT" },
    credential,
    timeoutMs: url.timeoutMs,
    maxOutstanding: MOUNT_MAX_OUTSTANDING,
  });
  const nfs = new RpcClient({
    target: { host: url.host, port: nfsPort, program: NFS_PROGRAM, version: NFS_VERSION, programName: "NFS" },
    credential,
    timeoutMs: url.timeoutMs,
    maxOutstanding,
  });
  let mounted: MountedExport | null = null;
  try {
    mounted = await mountExport(mount, url);
    const subNames = splitRelPath(url.path.slice(mounted.exportPath === "/" ? 0 : mounted.exportPath.length));
    const rootFh = await lookupSubPath(nfs, url.host, mounted.exportPath, mounted.exportFh, subNames);
    const fsinfo = await nfs3Fsinfo(nfs, rootFh, { path: nfsDisplayPath(url.host, url.path) });
    return new Session(url, mount, nfs, mounted, rootFh, fsinfo);
  } catch (error) {
    nfs.close();
    if (mounted !== null) {
      await mount3Umnt(mount, mounted.exportPath, Math.min(UMNT_TIMEOUT_MS, url.timeoutMs)).catch((umntError: unknown) => {
        // The connect failure is what the caller needs to hear; a failed UMNT only leaves
        // a stale line in the server's mount list.
        if (!isAppError(umntError)) throw umntError;
      });
    }
    mount.close();
    throw error;
  }
}
