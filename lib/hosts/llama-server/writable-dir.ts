// A folder ModelShelf writes into — a llama-server host's models directory, or
// the folder of its preset INI — as a local (or kernel-mounted) path or an
// nfs:// URL written through the built-in NFSv3 client. Paths inside are
// relative POSIX paths ("sub/file.gguf"). Every local call has the filesystem
// timeout (a hung mount must not hang a push); NFS calls have the session's.
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { AppError, isAppError } from "../../errors.ts";
import { isNfsUrl } from "../../catalog/library-path.ts";
import { connectNfs, isNfsError, parseNfsUrl, splitRelPath, type NfsSession, type NfsUrl } from "../../nfs/client/index.ts";
import { errnoCode, fsError, withFsTimeout } from "../../nfs/with-fs-timeout.ts";

/** Bytes per read when a written file is read back for its checksum: the library stream's chunk size. */
export const READ_BACK_CHUNK_BYTES = 1024 * 1024;
/**
 * Folder depth removeTree() descends. Model sub-directories hold files only; a
 * deeper tree is not ours, and the bound stops a runaway on a looping server.
 */
export const MAX_REMOVE_DEPTH = 4;

export interface WritableEntry {
  type: "file" | "dir" | "other";
  size: number;
  /** Permission bits (mode & 0o7777). */
  mode: number;
}

export interface WritableFile {
  /** Appends `chunk`; resolves when the pipeline has room for more. Do not reuse `chunk` until finish(). */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the data durable (fsync / NFS COMMIT) and closes the file. */
  finish(): Promise<void>;
  /** Closes without making anything durable (the caller deletes the file). */
  abort(): Promise<void>;
}

export interface WritableDir {
  /** The folder as an admin reads it (absolute path or nfs:// URL without options). */
  readonly location: string;
  /** Whether this is an nfs:// folder (written through the built-in client). */
  readonly remote: boolean;
  /** A path inside, as an admin reads it. */
  display(relPath: string): string;
  /** null when nothing is there; symlinks are not followed. */
  stat(relPath: string): Promise<WritableEntry | null>;
  /** Creates a folder; AppError "conflict" when the name exists. */
  mkdir(relPath: string): Promise<void>;
  /** Creates a new file; AppError "conflict" when the name exists. */
  createFile(relPath: string, options?: { mode?: number }): Promise<WritableFile>;
  /** The file's bytes in chunks of READ_BACK_CHUNK_BYTES; each chunk is only valid until the next is requested. */
  readChunks(relPath: string, signal?: AbortSignal): AsyncGenerator<Uint8Array>;
  /** A small text file, or null when it does not exist; AppError when it is larger than `maxBytes`. */
  readText(relPath: string, maxBytes: number): Promise<string | null>;
  /** Atomic rename within the folder; replaces an existing file (not a non-empty folder). */
  rename(fromRelPath: string, toRelPath: string): Promise<void>;
  /** Removes a file; false when it was not there. */
  removeFile(relPath: string): Promise<boolean>;
  /** Removes a folder and everything in it; false when it was not there. */
  removeTree(relPath: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenWritableDirOptions {
  /** Per-call filesystem timeout (PushContext.fsTimeoutMs). */
  timeoutMs: number;
}

/** Opens `location` (a local folder or an nfs:// URL of one) for writing. */
export async function openWritableDir(location: string, options: OpenWritableDirOptions): Promise<WritableDir> {
  return isNfsUrl(location) ? openNfsDir(location, options.timeoutMs) : openLocalDir(location, options.timeoutMs);
}

/** A random suffix for staging names: two pushes of one model never share a temp name. */
export function stagingToken(): string {
  return randomBytes(6).toString("hex");
}

/** Relative paths stay inside the folder: no absolute paths, no "..". */
function checkRel(relPath: string): string[] {
  if (relPath.startsWith("/") || relPath.includes("\\")) {
    throw new AppError("invalid-input", `"${relPath}" must be a relative path with "/" separators`, { details: { relPath } });
  }
  const names = splitRelPath(relPath);
  if (names.length === 0) throw new AppError("invalid-input", "A path inside the folder is required, not the folder itself");
  return names;
}

// ---------------------------------------------------------------- local

async function openLocalDir(location: string, timeoutMs: number): Promise<WritableDir> {
  const root = path.resolve(location);
  const io = <T>(what: string, target: string, op: () => Promise<T>): Promise<T> =>
    withFsTimeout(op, timeoutMs, `${what} ${target}`).catch((error: unknown) => {
      throw localError(error, target);
    });
  const stat = await io("Reading", root, () => fsp.stat(root));
  if (!stat.isDirectory()) throw new AppError("invalid-input", `${root} is not a folder`, { details: { path: root } });
  const abs = (relPath: string): string => path.join(root, ...checkRel(relPath));

  return {
    location: root,
    remote: false,
    display: (relPath) => abs(relPath),
    async stat(relPath) {
      const target = abs(relPath);
      try {
        const st = await io("Reading", target, () => fsp.lstat(target));
        return { type: st.isFile() ? "file" : st.isDirectory() ? "dir" : "other", size: st.size, mode: st.mode & 0o7777 };
      } catch (error) {
        if (isAppError(error) && error.code === "not-found") return null;
        throw error;
      }
    },
    async mkdir(relPath) {
      const target = abs(relPath);
      await io("Creating", target, () => fsp.mkdir(target));
    },
    async createFile(relPath, createOptions = {}) {
      const target = abs(relPath);
      // "wx": fail when it exists, so two pushes never write into one file.
      const handle = await io("Creating", target, () => fsp.open(target, "wx", createOptions.mode ?? 0o644));
      let position = 0;
      let closed = false;
      const close = async (): Promise<void> => {
        if (closed) return;
        closed = true;
        await io("Closing", target, () => handle.close());
      };
      return {
        async write(chunk) {
          let done = 0;
          while (done < chunk.length) {
            const { bytesWritten } = await io("Writing", target, () => handle.write(chunk, done, chunk.length - done, position + done));
            done += bytesWritten;
          }
          position += chunk.length;
        },
        async finish() {
          await io("Syncing", target, () => handle.sync());
          await close();
        },
        abort: close,
      };
    },
    async *readChunks(relPath, signal) {
      const target = abs(relPath);
      const handle = await io("Opening", target, () => fsp.open(target, "r"));
      try {
        const buffer = Buffer.allocUnsafe(READ_BACK_CHUNK_BYTES);
        for (let position = 0; ; ) {
          signal?.throwIfAborted();
          const { bytesRead } = await io("Reading", target, () => handle.read(buffer, 0, buffer.length, position));
          if (bytesRead === 0) return;
          position += bytesRead;
          yield buffer.subarray(0, bytesRead);
        }
      } finally {
        await io("Closing", target, () => handle.close());
      }
    },
    async readText(relPath, maxBytes) {
      const target = abs(relPath);
      try {
        const st = await io("Reading", target, () => fsp.stat(target));
        if (st.size > maxBytes) throw tooLarge(target, st.size, maxBytes);
        return await io("Reading", target, () => fsp.readFile(target, "utf8"));
      } catch (error) {
        if (isAppError(error) && error.code === "not-found") return null;
        throw error;
      }
    },
    async rename(fromRelPath, toRelPath) {
      const from = abs(fromRelPath);
      await io("Renaming", from, () => fsp.rename(from, abs(toRelPath)));
    },
    async removeFile(relPath) {
      const target = abs(relPath);
      try {
        await io("Removing", target, () => fsp.unlink(target));
        return true;
      } catch (error) {
        if (isAppError(error) && error.code === "not-found") return false;
        throw error;
      }
    },
    async removeTree(relPath) {
      const target = abs(relPath);
      const exists = await io("Reading", target, () => fsp.lstat(target)).then(
        () => true,
        (error: unknown) => {
          if (isAppError(error) && error.code === "not-found") return false;
          throw error;
        },
      );
      if (exists) await io("Removing", target, () => fsp.rm(target, { recursive: true, force: true }));
      return exists;
    },
    close: async () => undefined,
  };
}

/** fsError, plus the two statuses a writer must tell apart from an outage. */
function localError(error: unknown, target: string): AppError {
  const errno = errnoCode(error);
  if (errno === "EEXIST") return new AppError("conflict", `${target} already exists`, { cause: error, details: { path: target, errno } });
  if (errno === "ENOTEMPTY") return new AppError("conflict", `${target} is not empty`, { cause: error, details: { path: target, errno } });
  if (errno === "ENOSPC") return new AppError("io", `No space left for ${target}`, { retryable: true, cause: error, details: { path: target, errno } });
  if (errno === "EROFS") return new AppError("forbidden", `${target} is on a read-only filesystem`, { cause: error, details: { path: target, errno } });
  return fsError(error, target);
}

function tooLarge(target: string, size: number, maxBytes: number): AppError {
  return new AppError("invalid-input", `${target} is ${size} bytes, more than the ${maxBytes} expected of it`, { details: { path: target, size, maxBytes } });
}

// ---------------------------------------------------------------- nfs://

async function openNfsDir(location: string, timeoutMs: number): Promise<WritableDir> {
  let url: NfsUrl = parseNfsUrl(location);
  // The URL's own timeout wins; otherwise the configured filesystem timeout (as open-library-root does).
  if (!/[?&]timeout=/.test(location)) url = { ...url, timeoutMs };
  const session: NfsSession = await connectNfs(url);
  const notFound = (error: unknown): boolean => isNfsError(error, "NFS3ERR_NOENT") || isNfsError(error, "NFS3ERR_NOTDIR");

  async function removeTree(names: string[], depth: number): Promise<void> {
    const rel = names.join("/");
    if (depth > MAX_REMOVE_DEPTH) {
      throw new AppError("conflict", `${session.displayPath(rel)} is nested deeper than ${MAX_REMOVE_DEPTH} folders; not a model folder ModelShelf wrote, so it is left alone`);
    }
    for (const entry of await session.readdir(rel)) {
      const child = [...names, entry.name];
      if (entry.stat?.type === "dir") await removeTree(child, depth + 1);
      else await session.remove(child.join("/"));
    }
    await session.rmdir(rel);
  }

  return {
    location: `nfs://${url.host}${url.path}`,
    remote: true,
    display: (relPath) => session.displayPath(checkRel(relPath).join("/")),
    async stat(relPath) {
      const st = await session.stat(checkRel(relPath).join("/"));
      if (st === null) return null;
      return { type: st.type === "file" || st.type === "dir" ? st.type : "other", size: st.size, mode: st.mode };
    },
    async mkdir(relPath) {
      await session.mkdir(checkRel(relPath).join("/"));
    },
    async createFile(relPath, createOptions = {}) {
      const file = await session.createFile(checkRel(relPath).join("/"), { guarded: true, ...(createOptions.mode === undefined ? {} : { mode: createOptions.mode }) });
      let position = 0;
      return {
        async write(chunk) {
          await file.write(chunk, position);
          position += chunk.length;
        },
        finish: () => file.commit(),
        abort: () => file.close(),
      };
    },
    async *readChunks(relPath, signal) {
      const file = await session.openFile(checkRel(relPath).join("/"));
      try {
        const buffer = new Uint8Array(READ_BACK_CHUNK_BYTES);
        for (let position = 0; ; ) {
          signal?.throwIfAborted();
          const n = await file.readInto(buffer, position);
          if (n === 0) return;
          position += n;
          yield buffer.subarray(0, n);
        }
      } finally {
        await file.close();
      }
    },
    async readText(relPath, maxBytes) {
      const rel = checkRel(relPath).join("/");
      const st = await session.stat(rel);
      if (st === null) return null;
      if (st.size > maxBytes) throw tooLarge(session.displayPath(rel), st.size, maxBytes);
      const file = await session.openFile(rel);
      try {
        // One byte more than allowed: a file that grew since the stat is caught too.
        const bytes = await file.read(0, maxBytes + 1);
        if (bytes.length > maxBytes) throw tooLarge(session.displayPath(rel), bytes.length, maxBytes);
        return Buffer.from(bytes).toString("utf8");
      } finally {
        await file.close();
      }
    },
    async rename(fromRelPath, toRelPath) {
      await session.rename(checkRel(fromRelPath).join("/"), checkRel(toRelPath).join("/"));
    },
    async removeFile(relPath) {
      try {
        await session.remove(checkRel(relPath).join("/"));
        return true;
      } catch (error) {
        if (notFound(error)) return false;
        throw error;
      }
    },
    async removeTree(relPath) {
      const names = checkRel(relPath);
      const st = await session.stat(names.join("/"));
      if (st === null) return false;
      if (st.type !== "dir") {
        await session.remove(names.join("/"));
        return true;
      }
      await removeTree(names, 1);
      return true;
    },
    close: () => session.close(),
  };
}
