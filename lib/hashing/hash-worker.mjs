// Hash worker thread: streamed SHA-256 of one source at a time, so hashing uses
// its own core and the caller's event loop stays free. Plain JavaScript with only
// node: imports, so it loads the same under tsx, vitest and plain node.
//
// The hashing core (hashSource) consumes chunks from a reader:
//   { stat(), restat(), read(buffer, length, position) → { bytesRead, buffer }, close() }
// Local files are read here with fs (no copy across threads). Any other reader
// (the future NFS client, test doubles) lives in the parent thread and is served
// over the message port ("port" source); timeouts, throttling, progress and
// cancellation apply to both the same way. Protocol: see hash-pool.ts.
import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { parentPort } from "node:worker_threads";

if (parentPort === null) throw new Error("hash-worker.mjs must run in a worker thread");
const port = parentPort;

/** A failure to report to the parent: a plain, cloneable object in `report`. */
class Failure extends Error {
  constructor(report) {
    super(report.message ?? report.kind);
    this.report = report;
  }
}

/** Thrown inside a job once the parent cancelled it. */
const CANCELLED = new Failure({ kind: "cancelled" });

/** @type {Map<number, ReturnType<typeof createJob>>} */
const jobs = new Map();

port.on("message", (message) => {
  if (message.type === "hash") {
    void runJob(message);
    return;
  }
  const job = jobs.get(message.id);
  // Messages for a job that already ended (a late grant or reply) are dropped.
  if (job === undefined) return;
  if (message.type === "cancel") job.cancel();
  else if (message.type === "grant") job.settle(message.seq, { ok: true });
  else if (message.type === "reply") job.settle(message.seq, message);
});

function createJob(message) {
  const { id, readTimeoutMs } = message;
  let cancelled = false;
  const cancelListeners = new Set();
  /** seq → resolve/reject of grants and reader replies awaited from the parent. */
  const waiting = new Map();
  let seq = 0;

  /** Posts `request` and resolves with the parent's answer carrying the same seq. */
  function ask(request, transfer = []) {
    const mySeq = ++seq;
    return new Promise((resolve, reject) => {
      waiting.set(mySeq, { resolve, reject });
      port.postMessage({ ...request, id, seq: mySeq }, transfer);
    });
  }

  /**
   * Waits for `op`: at most readTimeoutMs when `timed` (the fs call itself may stay
   * stuck in the kernel; we only stop waiting), and never past a cancel.
   */
  function guard(op, what, timed = true) {
    return new Promise((resolve, reject) => {
      const timer = timed
        ? setTimeout(() => {
            finish();
            reject(new Failure({ kind: "timeout", ...what, timeoutMs: readTimeoutMs }));
          }, readTimeoutMs)
        : undefined;
      const onCancel = () => {
        finish();
        reject(CANCELLED);
      };
      const finish = () => {
        clearTimeout(timer);
        cancelListeners.delete(onCancel);
      };
      if (cancelled) {
        onCancel();
        return;
      }
      cancelListeners.add(onCancel);
      // After a timeout or cancel these are no-ops; handling the late outcome
      // here keeps a late fs error from becoming an unhandled rejection.
      op.then(
        (value) => {
          finish();
          resolve(value);
        },
        (error) => {
          finish();
          reject(error instanceof Failure ? error : fsFailure(error, what));
        },
      );
    });
  }

  return {
    message,
    guard,
    ask,
    get cancelled() {
      return cancelled;
    },
    cancel() {
      cancelled = true;
      for (const listener of [...cancelListeners]) listener();
    },
    settle(replySeq, reply) {
      const waiter = waiting.get(replySeq);
      if (waiter === undefined) return;
      waiting.delete(replySeq);
      waiter.resolve(reply);
    },
  };
}

function fsFailure(error, what) {
  const code = typeof error?.code === "string" ? error.code : undefined;
  const syscall = typeof error?.syscall === "string" ? error.syscall : undefined;
  return new Failure({ kind: "fs", ...what, errno: code, syscall, message: String(error?.message ?? error) });
}

function stampOf(stats) {
  // Same form as lib/nfs statFile: whole ms, inode as a decimal string (64-bit).
  return { size: Number(stats.size), mtimeMs: Number(stats.mtimeMs), ino: stats.ino.toString() };
}

function kindOf(stats) {
  if (stats.isFile()) return "file";
  return stats.isDirectory() ? "directory" : "other";
}

async function openLocalFile(path, job) {
  const opening = open(path, "r");
  let handle;
  try {
    handle = await job.guard(opening, { op: "open" });
  } catch (error) {
    // An open that completes after we gave up must not leak its descriptor.
    opening.then((late) => late.close()).then(undefined, () => undefined);
    throw error;
  }
  // The fs call in flight, if any: close() waits for it, because closing a
  // descriptor under a pending read could let the kernel reuse its number.
  let inflight = Promise.resolve();
  const track = (op) => {
    inflight = op.then(
      () => undefined,
      () => undefined,
    );
    return op;
  };
  return {
    async stat() {
      const stats = await job.guard(track(handle.stat({ bigint: true })), { op: "stat" });
      return { ...stampOf(stats), kind: kindOf(stats) };
    },
    // By path, not descriptor: a file replaced by rename shows a new inode.
    async restat() {
      const stats = await job.guard(stat(path, { bigint: true }), { op: "stat-after" });
      return { ...stampOf(stats), kind: kindOf(stats) };
    },
    async read(buffer, length, position) {
      const { bytesRead } = await job.guard(track(handle.read(buffer, 0, length, position)), { op: "read", position });
      return { bytesRead, buffer };
    },
    close() {
      return inflight.then(() => handle.close());
    },
  };
}

/** A reader living in the parent thread; each call is one round trip. */
function portReader(job) {
  const call = async (request, what, transfer) => {
    const reply = await job.guard(job.ask(request, transfer), what);
    return reply.value;
  };
  return {
    async stat() {
      return { ...(await call({ type: "reader-stat" }, { op: "stat" })), kind: "file" };
    },
    async restat() {
      return { ...(await call({ type: "reader-stat" }, { op: "stat-after" })), kind: "file" };
    },
    async read(buffer, length, position) {
      // The buffer travels to the parent and back: no copy, no allocation per chunk.
      const ab = buffer.buffer;
      const value = await call({ type: "reader-read", position, length, buffer: ab }, { op: "read", position }, [ab]);
      return { bytesRead: value.bytesRead, buffer: new Uint8Array(value.buffer) };
    },
    // The parent closes its own reader when the job ends.
    close: () => Promise.resolve(),
  };
}

async function runJob(message) {
  const job = createJob(message);
  jobs.set(message.id, job);
  let reader;
  try {
    reader = message.source.kind === "file" ? await openLocalFile(message.source.path, job) : portReader(job);
    const result = await hashSource(job, reader);
    port.postMessage({ type: "done", id: message.id, ...result });
  } catch (error) {
    if (error === CANCELLED) port.postMessage({ type: "cancelled", id: message.id });
    else if (error instanceof Failure) port.postMessage({ type: "failed", id: message.id, failure: error.report });
    else port.postMessage({ type: "failed", id: message.id, failure: { kind: "internal", message: String(error?.stack ?? error) } });
    // Best effort: the job has failed already; a failing close adds nothing.
    reader?.close().then(undefined, () => undefined);
    reader = undefined;
  } finally {
    jobs.delete(message.id);
  }
  if (reader !== undefined) {
    // After success: a close that fails or hangs does not change the hash.
    job.guard(reader.close(), { op: "close" }).then(undefined, () => undefined);
  }
}

/** The core: reads [0, size at start) in chunks, hashing one while the next is read. */
async function hashSource(job, reader) {
  const { chunkBytes, progressIntervalMs, throttled } = job.message;
  const before = await reader.stat();
  if (before.kind !== "file") throw new Failure({ kind: "not-regular", what: before.kind });
  const statBefore = { size: before.size, mtimeMs: before.mtimeMs, ino: before.ino };
  port.postMessage({ type: "started", id: job.message.id, statBefore });

  // Reading stops at the size seen at the start: a file still being written cannot
  // keep us reading forever; the caller compares statBefore and statAfter.
  const total = before.size;
  const hash = createHash("sha256");
  const chunk = Math.max(1, Math.min(chunkBytes, total));
  // Two buffers: constant memory (2 × chunk) whatever the file size.
  const buffers = total > 0 ? [new Uint8Array(chunk), new Uint8Array(chunk)] : [];

  // Throttle grants are asked one read ahead, so the round trip to the parent
  // overlaps a read instead of delaying the next one.
  const grants = [];
  const askGrant = (bytes) => {
    const grant = job.ask({ type: "acquire", bytes });
    // A grant left unused at the end must not surface as an unhandled rejection.
    grant.then(undefined, () => undefined);
    grants.push(grant);
  };

  const startRead = async (slot, position) => {
    const length = Math.min(chunk, total - position);
    if (throttled) {
      if (grants.length === 0) askGrant(length);
      const grant = grants.shift();
      const ahead = Math.min(chunk, total - position - length);
      if (ahead > 0) askGrant(ahead);
      await job.guard(grant, { op: "throttle" }, false);
    }
    return reader.read(buffers[slot], length, position);
  };

  let position = 0;
  let slot = 0;
  let lastProgress = performance.now();
  let pending = total > 0 ? startRead(0, 0) : null;
  try {
    while (pending !== null) {
      const { bytesRead, buffer } = await pending;
      pending = null;
      buffers[slot] = buffer;
      // The file shrank under us: stop at its new end (bytes < statBefore.size tells).
      if (bytesRead === 0) break;
      position += bytesRead;
      if (position < total) pending = startRead(slot ^ 1, position);
      hash.update(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
      slot ^= 1;
      if (job.cancelled) throw CANCELLED;
      const now = performance.now();
      if (now - lastProgress >= progressIntervalMs) {
        lastProgress = now;
        port.postMessage({ type: "progress", id: job.message.id, bytesDone: position });
      }
    }
  } finally {
    // Leaving early (error, cancel) with a read in flight: its outcome is moot.
    pending?.then(undefined, () => undefined);
  }
  const after = await reader.restat();
  return {
    sha256: hash.digest("hex"),
    bytes: position,
    statBefore,
    statAfter: { size: after.size, mtimeMs: after.mtimeMs, ino: after.ino },
  };
}
