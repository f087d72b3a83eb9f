// The filesystem calls lib/nfs makes on a library root, behind one small interface,
// so the same walk, stat and read code serves a local or NFS-mounted path
// (localShareFs) and an nfs:// root read through the built-in NFSv3 client.
import { promises as fsp } from "node:fs";

/** One directory entry; the type is that of the entry itself (a symlink is not followed). */
export interface ShareDirent {
  name: string;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** The stat fields lib/nfs uses, as bigints like Node's `stat(p, { bigint: true })`. */
export interface ShareStats {
  isFile(): boolean;
  isDirectory(): boolean;
  size: bigint;
  /** Whole milliseconds, as Node's bigint stats report them. */
  mtimeMs: bigint;
  ino: bigint;
  dev: bigint;
}

/** An open directory read entry by entry; read() answers null after the last entry. */
export interface ShareDir {
  read(): Promise<ShareDirent | null>;
  close(): Promise<void>;
}

/** A file opened read-only for positional reads. */
export interface ShareFileHandle {
  stat(): Promise<ShareStats>;
  /** Reads up to `length` bytes at file `position` into `buffer` from `offset`; bytesRead 0 means end of file. */
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/**
 * A library root's filesystem. Paths are POSIX absolute paths as the share sees them
 * ("/volume1/models/a.gguf"); for local roots they are the real paths.
 *
 * Failures reject with an Error carrying a Node errno `code` (ENOENT, EACCES, EIO,
 * ESTALE, ENOTDIR, …) so fsError() and rootFailureOf() read them alike for every
 * implementation, or with an AppError (e.g. a remote client's own timeout), which
 * passes through unchanged. Callers put their own timeout around every call.
 */
export interface ShareFs {
  /** Prefixed to paths in messages: "" for local paths, "nfs://nas" for a remote share. */
  readonly label: string;
  /** stat() following symlinks. */
  stat(path: string): Promise<ShareStats>;
  opendir(path: string, options: { bufferSize: number }): Promise<ShareDir>;
  readdir(path: string): Promise<ShareDirent[]>;
  /** Opens a file read-only. */
  open(path: string): Promise<ShareFileHandle>;
}

/** Local (and kernel-mounted NFS/SMB) paths through node:fs. A plain object, so tests can spread it and override one call. */
export const localShareFs: ShareFs = {
  label: "",
  stat: (path) => fsp.stat(path, { bigint: true }),
  opendir: (path, options) => fsp.opendir(path, options),
  readdir: (path) => fsp.readdir(path, { withFileTypes: true }),
  open: async (path) => {
    const handle = await fsp.open(path, "r");
    return {
      stat: () => handle.stat({ bigint: true }),
      read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
      close: () => handle.close(),
    };
  },
};

/** How `path` on `fs` reads in a message: "nfs://nas/volume1/models/a.gguf", or the local path as is. */
export function labelledPath(fs: { readonly label?: string }, path: string): string {
  return `${fs.label ?? ""}${path}`;
}
