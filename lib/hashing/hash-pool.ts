// A small pool of hash worker threads (hash-worker.mjs), reused across files:
// one file per thread at a time, further files wait in order. On this 2-core
// machine two threads hash two files in parallel while the event loop stays free.
//
// Why a pool and not a thread per file (measured here, Node 20.20, 2 × EPYC):
// starting a worker thread and hashing a 64 KiB file takes 23.5 ms, against
// 0.25 ms on a warm thread. Irrelevant for one 5 GB model (~3 s), but checksum
// sweeps hash many small files, and a pool also caps how many files are read at once.
//
// Why our own worker and not hasha 7.0.0 (same 2 GiB page-cached file, medians of 3):
// hasha 1250–1280 MB/s single, 1670–1825 MB/s for two files at once (one shared
// thread, 256 KiB stream chunks); this worker 1960–2050 MB/s single and
// 3200–3400 MB/s for two files (openssl dgst -sha256: 1640 MB/s). hasha also has no
// progress, read timeout, bandwidth cap or pluggable reader, which hashing needs.
//
// Protocol (one message per line below; every message carries the job id):
//   parent → worker  hash {source, chunkBytes, readTimeoutMs, throttled, progressIntervalMs}
//                    cancel · grant {seq} · reply {seq, value}
//   worker → parent  started {statBefore} · progress {bytesDone} · acquire {seq, bytes}
//                    reader-stat {seq} · reader-read {seq, position, length, buffer}
//                    done {sha256, bytes, statBefore, statAfter} · failed {failure} · cancelled
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { AppError, errorMessage } from "../errors.ts";
import { requireIntegerOption, requireTimeoutMs } from "../nfs/require-option.ts";
import { cancelledError } from "./cancelled-error.ts";
import type { ChunkReader, FileStamp } from "./chunk-reader.ts";
import { describeHashFailure, describeReaderError, type HashFailure, type HashOp } from "./describe-hash-failure.ts";
import type { Throttle } from "./throttle.ts";

/**
 * Read size. Measured on a 2 GiB page-cached file (medians of 3, reads overlapped
 * with hashing): 1 MiB 1960 MB/s, 4 MiB 2050 MB/s, 8 MiB 1970 MB/s single; two files
 * at once 3390/3400/3400 MB/s. Without the overlap 4 MiB gave 1780 MB/s. 4 MiB is also
 * a few NFS rsize RPCs per read, and still well inside any sane read timeout.
 */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
/** Below a page per read the syscall overhead dominates; it is never what a caller wants. */
export const MIN_CHUNK_BYTES = 4 * 1024;
/** Each hash holds two chunks in memory; 64 MiB × 2 per thread is the most we accept. */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;
/** onProgress is called at most this often (plus once at the start and once at the end). */
export const PROGRESS_INTERVAL_MS = 250;
/** An idle thread is stopped after this long, so a quiet worker process gives its memory back. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** More threads than this would only compete for the same cores and NAS. */
export const MAX_POOL_SIZE = 64;
/**
 * close() waits this long for each thread to stop. A thread whose read is stuck in
 * the kernel (hung NFS) cannot stop until that read returns; we stop waiting for it.
 */
const TERMINATE_WAIT_MS = 1_000;

export type { FileStamp } from "./chunk-reader.ts";

export interface HashResult {
  /** Lower-case hex. */
  sha256: string;
  /** Bytes hashed: statBefore.size unless the file shrank while it was read. */
  bytes: number;
  /** Wall time on the worker thread, from the open to the last byte (not time in the queue). */
  seconds: number;
  /** Identity at the start and after the last read. Deciding what a difference means is the caller's job. */
  statBefore: FileStamp;
  statAfter: FileStamp;
}

export interface HashOptions {
  /** A single open, stat or read taking longer fails the hash with AppError("timeout", retryable). */
  readTimeoutMs: number;
  /** Aborting stops the hash at once; it rejects with a cancelled error (see isCancelledError). */
  signal?: AbortSignal;
  /** Called at the start (0), at most every PROGRESS_INTERVAL_MS, and at the end (bytes, bytesTotal). */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** Shared bandwidth cap: every read first acquires its size here. */
  throttle?: Throttle;
  chunkBytes?: number;
}

export interface HashPoolOptions {
  /** Threads, i.e. files hashed at once. Default: the number of cores. */
  size?: number;
  idleTimeoutMs?: number;
  /** Another worker script speaking the same protocol (tests use one that crashes). */
  workerUrl?: URL;
}

export interface HashPool {
  readonly size: number;
  hashFile(absPath: string, options: HashOptions): Promise<HashResult>;
  hashReader(reader: ChunkReader, options: HashOptions): Promise<HashResult>;
  stats(): { threads: number; running: number; queued: number };
  /** Cancels queued and running hashes and stops the threads. */
  close(): Promise<void>;
}

type Source = { kind: "file"; path: string } | { kind: "port"; reader: ChunkReader };

interface Job {
  id: number;
  name: string;
  source: Source;
  readTimeoutMs: number;
  chunkBytes: number;
  signal: AbortSignal | undefined;
  onProgress: ((bytesDone: number, bytesTotal: number) => void) | undefined;
  throttle: Throttle | undefined;
  resolve: (result: HashResult) => void;
  reject: (error: unknown) => void;
  settled: boolean;
  /** Aborted when the job settles: stops throttle waits nobody needs any more. */
  done: AbortController;
  detachSignal: () => void;
  slot: Slot | undefined;
  startedAt: number;
  bytesTotal: number;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  dead: boolean;
}

type WorkerMessage =
  | { type: "started"; id: number; statBefore: FileStamp }
  | { type: "progress"; id: number; bytesDone: number }
  | { type: "acquire"; id: number; seq: number; bytes: number }
  | { type: "reader-stat"; id: number; seq: number }
  | { type: "reader-read"; id: number; seq: number; position: number; length: number; buffer: ArrayBuffer }
  | { type: "done"; id: number; sha256: string; bytes: number; statBefore: FileStamp; statAfter: FileStamp }
  | { type: "failed"; id: number; failure: HashFailure }
  | { type: "cancelled"; id: number };

const defaultWorkerUrl = new URL("./hash-worker.mjs", import.meta.url);

export function createHashPool(options: HashPoolOptions = {}): HashPool {
  const size = requireIntegerOption("size", options.size ?? os.availableParallelism(), 1, MAX_POOL_SIZE);
  const idleTimeoutMs = requireTimeoutMs(options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, "idleTimeoutMs");
  const workerUrl = options.workerUrl ?? defaultWorkerUrl;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  function settle(job: Job, outcome: { result: HashResult } | { error: unknown }): void {
    if (job.settled) return;
    job.settled = true;
    job.done.abort();
    job.detachSignal();
    if (job.source.kind === "port") {
      const reader = job.source.reader;
      // The hash has its outcome; a reader that fails to close cannot change it.
      reader.close().then(undefined, () => undefined);
    }
    if ("result" in outcome) job.resolve(outcome.result);
    else job.reject(outcome.error);
  }

  /** Settles the job in this thread and tells its worker to stop. */
  function abandon(job: Job, error: unknown): void {
    settle(job, { error });
    if (job.slot && !job.slot.dead) job.slot.worker.postMessage({ type: "cancel", id: job.id });
  }

  function progress(job: Job, bytesDone: number): void {
    if (job.settled || job.onProgress === undefined) return;
    try {
      job.onProgress(bytesDone, job.bytesTotal);
    } catch (error) {
      // A throwing callback is the caller's bug; it fails this hash rather than the process.
      abandon(job, error);
    }
  }

  function removeSlot(slot: Slot): void {
    const index = slots.indexOf(slot);
    if (index >= 0) slots.splice(index, 1);
  }

  function spawn(): Slot {
    const worker = new Worker(workerUrl, { execArgv: [], name: "modelshelf-hash" });
    const slot: Slot = { worker, job: undefined, idleTimer: undefined, dead: false };
    worker.on("message", (message: WorkerMessage) => onMessage(slot, message));
    const die = (reason: string): void => {
      if (slot.dead) return;
      slot.dead = true;
      clearTimeout(slot.idleTimer);
      removeSlot(slot);
      const job = slot.job;
      slot.job = undefined;
      if (job) {
        settle(job, {
          error: new AppError("internal", `The hash worker thread crashed while hashing ${job.name}: ${reason}`, {
            retryable: true,
            details: { path: job.name },
          }),
        });
      }
      dispatch();
    };
    worker.on("error", (error) => die(errorMessage(error)));
    worker.on("messageerror", (error) => {
      die(`a message could not be read: ${errorMessage(error)}`);
      void worker.terminate();
    });
    worker.on("exit", (code) => die(`it exited with code ${code}`));
    slots.push(slot);
    return slot;
  }

  function dispatch(): void {
    while (queue.length > 0 && !closed) {
      const slot = slots.find((s) => s.job === undefined && !s.dead) ?? (slots.length < size ? spawn() : undefined);
      if (slot === undefined) return;
      const job = queue.shift()!;
      clearTimeout(slot.idleTimer);
      slot.job = job;
      job.slot = slot;
      job.startedAt = performance.now();
      // A busy thread keeps the process alive; an idle one does not.
      slot.worker.ref();
      slot.worker.postMessage({
        type: "hash",
        id: job.id,
        source: job.source.kind === "file" ? job.source : { kind: "port" },
        chunkBytes: job.chunkBytes,
        readTimeoutMs: job.readTimeoutMs,
        throttled: job.throttle !== undefined,
        progressIntervalMs: PROGRESS_INTERVAL_MS,
      });
    }
  }

  function release(slot: Slot): void {
    slot.job = undefined;
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => {
      if (slot.job !== undefined || slot.dead) return;
      slot.dead = true;
      removeSlot(slot);
      void slot.worker.terminate();
    }, idleTimeoutMs);
    slot.idleTimer.unref();
    dispatch();
  }

  function reply(slot: Slot, job: Job, seq: number, value: unknown, transfer: ArrayBuffer[] = []): void {
    if (job.settled || slot.dead) return;
    slot.worker.postMessage({ type: "reply", id: job.id, seq, value }, transfer);
  }

  function onMessage(slot: Slot, message: WorkerMessage): void {
    const job = slot.job;
    if (job === undefined || job.id !== message.id) return;
    switch (message.type) {
      case "started":
        job.bytesTotal = message.statBefore.size;
        progress(job, 0);
        return;
      case "progress":
        progress(job, message.bytesDone);
        return;
      case "acquire":
        job.throttle?.acquire(message.bytes, job.done.signal).then(
          () => {
            if (!job.settled && !slot.dead) slot.worker.postMessage({ type: "grant", id: job.id, seq: message.seq });
          },
          // Only rejects once the job settled (done.signal) or on a bug in the throttle.
          (error: unknown) => abandon(job, error),
        );
        return;
      case "reader-stat":
        readerCall(job, "stat", undefined, () => (job.source as { reader: ChunkReader }).reader.stat()).then(
          (stamp) => reply(slot, job, message.seq, stamp),
          (error: unknown) => abandon(job, error),
        );
        return;
      case "reader-read": {
        const view = new Uint8Array(message.buffer, 0, message.length);
        readerCall(job, "read", message.position, async () => {
          const bytesRead = await (job.source as { reader: ChunkReader }).reader.read(view, message.position);
          if (!Number.isInteger(bytesRead) || bytesRead < 0 || bytesRead > message.length) {
            throw new AppError("internal", `The reader of ${job.name} returned ${String(bytesRead)} bytes for a read of ${message.length}`);
          }
          return bytesRead;
        }).then(
          (bytesRead) => reply(slot, job, message.seq, { bytesRead, buffer: message.buffer }, [message.buffer]),
          (error: unknown) => abandon(job, error),
        );
        return;
      }
      case "done": {
        const result: HashResult = {
          sha256: message.sha256,
          bytes: message.bytes,
          seconds: (performance.now() - job.startedAt) / 1000,
          statBefore: message.statBefore,
          statAfter: message.statAfter,
        };
        progress(job, message.bytes);
        settle(job, { result });
        release(slot);
        return;
      }
      case "failed":
        settle(job, { error: describeHashFailure(message.failure, job.name) });
        release(slot);
        return;
      case "cancelled":
        // Normally settled already (abort, pool closed); otherwise the worker decided alone.
        settle(job, { error: cancelledError(`Hashing ${job.name} was cancelled`) });
        release(slot);
        return;
    }
  }

  async function readerCall<T>(job: Job, op: HashOp, position: number | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw describeReaderError(error, job.name, op, position);
    }
  }

  function submit(name: string, source: Source, options: HashOptions): Promise<HashResult> {
    if (closed) return Promise.reject(new AppError("unavailable", `The hash pool is closed; cannot hash ${name}`));
    const readTimeoutMs = requireTimeoutMs(options.readTimeoutMs, "readTimeoutMs");
    const chunkBytes = requireIntegerOption("chunkBytes", options.chunkBytes ?? DEFAULT_CHUNK_BYTES, MIN_CHUNK_BYTES, MAX_CHUNK_BYTES);
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(cancelledError(`Hashing ${name} was cancelled`, signal.reason, { path: name }));
    return new Promise<HashResult>((resolve, reject) => {
      const job: Job = {
        id: nextId++,
        name,
        source,
        readTimeoutMs,
        chunkBytes,
        signal,
        onProgress: options.onProgress,
        throttle: options.throttle,
        resolve,
        reject,
        settled: false,
        done: new AbortController(),
        detachSignal: () => undefined,
        slot: undefined,
        startedAt: 0,
        bytesTotal: 0,
      };
      if (signal) {
        const onAbort = (): void => {
          const queued = queue.indexOf(job);
          if (queued >= 0) queue.splice(queued, 1);
          abandon(job, cancelledError(`Hashing ${name} was cancelled`, signal.reason, { path: name }));
        };
        signal.addEventListener("abort", onAbort, { once: true });
        job.detachSignal = () => signal.removeEventListener("abort", onAbort);
      }
      queue.push(job);
      dispatch();
    });
  }

  return {
    size,
    hashFile(absPath, hashOptions) {
      if (typeof absPath !== "string" || !path.isAbsolute(absPath)) {
        return Promise.reject(new AppError("invalid-input", `hashFile needs an absolute path, got ${JSON.stringify(absPath)}`));
      }
      try {
        return submit(absPath, { kind: "file", path: absPath }, hashOptions);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    hashReader(reader, hashOptions) {
      try {
        return submit(reader.name, { kind: "port", reader }, hashOptions);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    stats() {
      return { threads: slots.length, running: slots.filter((s) => s.job !== undefined).length, queued: queue.length };
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) settle(job, { error: cancelledError(`Hashing ${job.name} was cancelled: the hash pool closed`) });
      const stopping = slots.splice(0).map((slot) => {
        slot.dead = true;
        clearTimeout(slot.idleTimer);
        if (slot.job) settle(slot.job, { error: cancelledError(`Hashing ${slot.job.name} was cancelled: the hash pool closed`) });
        slot.job = undefined;
        slot.worker.unref();
        const wait = new Promise<void>((resolve) => setTimeout(resolve, TERMINATE_WAIT_MS).unref());
        return Promise.race([slot.worker.terminate().then(() => undefined), wait]);
      });
      await Promise.all(stopping);
    },
  };
}

let shared: HashPool | undefined;

/** The process-wide pool hashFile() and hashReader() use unless given another. */
export function sharedHashPool(): HashPool {
  shared ??= createHashPool();
  return shared;
}
