// Positional reads of one file over NFSv3. A read is split into READ calls of
// the server's rtmax (capped at 1 MiB) with several in flight at once, which is
// what makes a high-latency NAS fast. Satisfies lib/nfs's FileSource, so the
// GGUF header reader and the hasher read nfs:// files unchanged.
import { AppError } from "../../errors.ts";
import { requireIntegerOption } from "../require-option.ts";
import { isNfsError } from "./nfs3-errors.ts";
import { nfs3Getattr, nfs3Read, type Fattr3, type ReadResult } from "./nfs3.ts";
import type { RpcClient } from "./rpc-client.ts";
import { toNfsStat, type NfsStat } from "./to-nfs-stat.ts";

/**
 * One read() is one buffer in memory. The hasher's largest chunk is 64 MiB and
 * the GGUF reader asks for far less; more would only let a corrupt length field
 * allocate gigabytes.
 */
export const MAX_FILE_READ_BYTES = 64 * 1024 * 1024;

export interface NfsFile {
  /** File size when it was opened. */
  readonly size: number;
  /** Total bytes returned by read()/readInto() so far. */
  readonly bytesRead: number;
  /** Reads `length` bytes at `position`; fewer only at end of file. */
  read(position: number, length: number): Promise<Uint8Array>;
  /** Fills `buffer` from `position`; returns the bytes written, fewer than its length only at end of file. */
  readInto(buffer: Uint8Array, position: number): Promise<number>;
  /** Fresh attributes from the server. */
  stat(): Promise<NfsStat>;
  close(): Promise<void>;
}

/** What an open file needs from its session. */
export interface NfsFileContext {
  client: RpcClient;
  /** The file as an admin reads it: nfs://host/path. */
  displayPath: string;
  /** Bytes per READ call. */
  readSize: number;
  /** READ calls one read() keeps in flight. */
  pipelineDepth: number;
  /** Looks the file's path up again (after a stale handle). */
  reresolve(): Promise<{ fh: Uint8Array; attributes: Fattr3 }>;
}

class NfsFileReader implements NfsFile {
  readonly size: number;
  #bytesRead = 0;
  #closed = false;
  #fh: Uint8Array;
  /** Identity at open: a re-lookup after a stale handle must find this same, unchanged file. */
  readonly #identity: string;
  /** The latest size the server reported; reads are not sent far beyond it. */
  #knownSize: number;
  /** The one re-lookup after a stale handle, and the handle that went stale. */
  #refresh: Promise<void> | null = null;
  #staleFh: Uint8Array | null = null;
  readonly #context: NfsFileContext;

  constructor(context: NfsFileContext, fh: Uint8Array, attributes: Fattr3) {
    this.#context = context;
    this.#fh = fh;
    this.#identity = identityOf(attributes);
    this.size = attributes.size;
    this.#knownSize = attributes.size;
  }

  get bytesRead(): number {
    return this.#bytesRead;
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    requireIntegerOption("length", length, 0, MAX_FILE_READ_BYTES);
    const buffer = new Uint8Array(length);
    const filled = await this.readInto(buffer, position);
    return filled === length ? buffer : buffer.subarray(0, filled);
  }

  async readInto(buffer: Uint8Array, position: number): Promise<number> {
    if (this.#closed) throw new AppError("internal", `read() after close() on ${this.#context.displayPath}`);
    requireIntegerOption("position", position, 0);
    requireIntegerOption("length", buffer.length, 0, MAX_FILE_READ_BYTES);
    const end = position + buffer.length;
    let eofAt = Number.POSITIVE_INFINITY;
    let next = position;
    let active = 0;
    let failure: unknown = null;
    const { readSize, pipelineDepth } = this.#context;
    await new Promise<void>((resolve, reject) => {
      const launch = (): void => {
        // Stay within the requested range and the end of file once seen. Beyond the
        // size last reported, send one READ at a time: it finds the end of file (or
        // a file that grew) without a burst of READs that all answer EOF.
        while (failure === null && active < pipelineDepth && next < Math.min(end, eofAt) && (active === 0 || next < this.#knownSize)) {
          const offset = next;
          const count = Math.min(readSize, end - offset);
          next += count;
          active++;
          this.#readRange(buffer, position, offset, count).then(
            (eofPosition) => {
              active--;
              if (eofPosition !== null) eofAt = Math.min(eofAt, eofPosition);
              launch();
            },
            (error: unknown) => {
              active--;
              failure ??= error;
              launch();
            },
          );
        }
        if (active === 0) {
          if (failure === null) resolve();
          else reject(failure);
        }
      };
      launch();
    });
    const filled = Math.max(0, Math.min(end, eofAt) - position);
    this.#bytesRead += filled;
    return filled;
  }

  /** Fills buffer[offset - base, + count); returns the end-of-file position if the server reported it. */
  async #readRange(buffer: Uint8Array, base: number, offset: number, count: number): Promise<number | null> {
    let done = 0;
    while (done < count) {
      const at = offset + done;
      const result = await this.#readChunk(at, count - done);
      buffer.set(result.data, at - base);
      done += result.data.length;
      if (result.attributes) this.#knownSize = result.attributes.size;
      if (result.eof) return at + result.data.length;
      // A short read without EOF is allowed (we ask for the rest); an empty one would loop forever.
      if (result.data.length === 0) {
        throw new AppError("io", `The NAS returned no data and no end of file reading ${this.#context.displayPath} at byte ${at}`, {
          details: { path: this.#context.displayPath, offset: at },
        });
      }
    }
    return null;
  }

  #readChunk(offset: number, count: number): Promise<ReadResult> {
    const { client, displayPath } = this.#context;
    return this.#withFreshHandle((fh) => nfs3Read(client, fh, offset, count, { path: displayPath }));
  }

  async stat(): Promise<NfsStat> {
    const { client, displayPath } = this.#context;
    return toNfsStat(await this.#withFreshHandle((fh) => nfs3Getattr(client, fh, { path: displayPath })));
  }

  /**
   * Runs `op` with the file's handle. On NFS3ERR_STALE the path is looked up again,
   * once per open file (calls in flight with the old handle share that lookup), and
   * `op` runs once more; a stale refreshed handle fails. If the path now names a
   * different file (replaced on the NAS), reading on would mix two files' bytes, so
   * that fails too.
   */
  async #withFreshHandle<T>(op: (fh: Uint8Array) => Promise<T>): Promise<T> {
    const fh = this.#fh;
    try {
      return await op(fh);
    } catch (error) {
      if (!isNfsError(error, "NFS3ERR_STALE")) throw error;
      if (this.#refresh === null) {
        this.#staleFh = fh;
        this.#refresh = this.#reresolve(error);
      } else if (fh !== this.#staleFh) {
        throw error;
      }
      await this.#refresh;
      return op(this.#fh);
    }
  }

  async #reresolve(stale: unknown): Promise<void> {
    const { fh, attributes } = await this.#context.reresolve();
    if (identityOf(attributes) !== this.#identity) {
      throw new AppError("conflict", `${this.#context.displayPath} was replaced or changed on the NAS while it was open; read it again`, {
        retryable: true,
        cause: stale,
        details: { path: this.#context.displayPath, before: this.#identity, after: identityOf(attributes) },
      });
    }
    this.#fh = fh;
  }

  async close(): Promise<void> {
    // NFSv3 is stateless: there is nothing to release on the server.
    this.#closed = true;
  }
}

/**
 * File id plus change and modification times: a deleted file's inode number is
 * often reused at once by the next file created (ext4 does), so the id alone
 * cannot tell a replaced file from the same file behind a new handle.
 */
function identityOf(a: Fattr3): string {
  return `${a.fileid}:${a.ctime.seconds}.${a.ctime.nseconds}:${a.mtime.seconds}.${a.mtime.nseconds}`;
}

export function openNfsFile(context: NfsFileContext, fh: Uint8Array, attributes: Fattr3): NfsFile {
  return new NfsFileReader(context, fh, attributes);
}
