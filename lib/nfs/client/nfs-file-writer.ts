// Sequential or positional writes of one file over NFSv3, the way the Linux
// client does it: UNSTABLE WRITEs of the server's wtmax with several in flight,
// then one COMMIT. Every reply carries the server's write verifier; if it changes
// the server restarted and may have dropped unstable data, so the file is not
// trusted (a retryable error: write it again).
import { AppError } from "../../errors.ts";
import { requireIntegerOption } from "../require-option.ts";
import { nfs3Commit, nfs3Write, StableHow } from "./nfs3-write.ts";
import type { RpcClient } from "./rpc-client.ts";

export interface NfsWritableFile {
  readonly displayPath: string;
  /** Bytes the server acknowledged so far. */
  readonly bytesWritten: number;
  /**
   * Writes `data` at `position`. Resolves once the data is on its way and the
   * pipeline has room for more (so a caller streaming a file keeps memory flat);
   * a failure of an earlier write rejects the next write() or commit().
   * The caller may reuse `data` only after commit().
   */
  write(data: Uint8Array, position: number): Promise<void>;
  /** Waits for every write, then COMMITs: once it resolves the data is on stable storage. */
  commit(): Promise<void>;
  /** Stops accepting writes; waits for those in flight (their errors are dropped). Idempotent. */
  close(): Promise<void>;
}

/** What an open writable file needs from its session. */
export interface NfsFileWriterContext {
  client: RpcClient;
  displayPath: string;
  /** Bytes per WRITE call (the server's wtmax, at most MAX_WRITE_BYTES_PER_CALL). */
  writeSize: number;
  /** WRITE calls kept in flight. */
  pipelineDepth: number;
}

class NfsFileWriter implements NfsWritableFile {
  readonly displayPath: string;
  #bytesWritten = 0;
  readonly #context: NfsFileWriterContext;
  readonly #fh: Uint8Array;
  readonly #inFlight = new Set<Promise<void>>();
  #failure: unknown = null;
  #verifier: Uint8Array | null = null;
  #closed = false;

  constructor(context: NfsFileWriterContext, fh: Uint8Array) {
    this.#context = context;
    this.#fh = fh;
    this.displayPath = context.displayPath;
  }

  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    if (this.#closed) throw new AppError("internal", `write() after commit() or close() on ${this.displayPath}`);
    requireIntegerOption("position", position, 0);
    const { writeSize, pipelineDepth } = this.#context;
    for (let offset = 0; offset < data.length; offset += writeSize) {
      while (this.#inFlight.size >= pipelineDepth) await Promise.race(this.#inFlight);
      this.#throwIfFailed();
      const piece = data.subarray(offset, Math.min(offset + writeSize, data.length));
      const sent: Promise<void> = this.#writePiece(piece, position + offset).then(
        () => {
          this.#inFlight.delete(sent);
        },
        (error: unknown) => {
          this.#inFlight.delete(sent);
          this.#failure ??= error;
        },
      );
      this.#inFlight.add(sent);
    }
    this.#throwIfFailed();
  }

  /** Sends one piece; a short write (allowed by the RFC) sends the rest again. */
  async #writePiece(piece: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < piece.length) {
      const result = await nfs3Write(this.#context.client, this.#fh, position + done, piece.subarray(done), StableHow.UNSTABLE, {
        path: this.displayPath,
      });
      this.#checkVerifier(result.verifier, "WRITE");
      if (result.count === 0) {
        throw new AppError("io", `The NAS accepted no bytes writing ${this.displayPath} at byte ${position + done}`, {
          retryable: true,
          details: { path: this.displayPath, offset: position + done },
        });
      }
      // result.committed is not checked: the COMMIT at the end makes every level stable.
      done += result.count;
      this.#bytesWritten += result.count;
    }
  }

  #checkVerifier(verifier: Uint8Array, procedure: string): void {
    if (this.#verifier === null) {
      this.#verifier = verifier;
      return;
    }
    if (!Buffer.from(verifier).equals(this.#verifier)) {
      throw new AppError("io", `The NAS restarted while ${this.displayPath} was being written (its ${procedure} verifier changed): unsaved data may be lost, write the file again`, {
        retryable: true,
        details: { path: this.displayPath },
      });
    }
  }

  #throwIfFailed(): void {
    if (this.#failure !== null) throw this.#failure;
  }

  async commit(): Promise<void> {
    if (this.#closed) throw new AppError("internal", `commit() after commit() or close() on ${this.displayPath}`);
    this.#closed = true;
    await Promise.all(this.#inFlight);
    this.#throwIfFailed();
    const { verifier } = await nfs3Commit(this.#context.client, this.#fh, 0, 0, { path: this.displayPath });
    // No WRITE happened (empty file): nothing unstable to lose.
    if (this.#verifier !== null) this.#checkVerifier(verifier, "COMMIT");
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#inFlight);
  }
}

export function openNfsFileWriter(context: NfsFileWriterContext, fh: Uint8Array): NfsWritableFile {
  return new NfsFileWriter(context, fh);
}
