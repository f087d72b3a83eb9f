// The job runner used by worker processes: claims queued jobs with a
// status-guarded update, holds a lease with heartbeats, and records exactly
// one outcome per attempt. A worker killed with -9 simply stops renewing its
// lease; another worker reclaims the job once the lease has expired.
import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Db } from "../db/client.ts";
import { sleep } from "../concurrency.ts";
import { AppError, errorMessage, isAppError } from "../errors.ts";
import { log } from "../log.ts";
import { JobDeferral, type JobContext, type JobDefinition } from "./define-job.ts";

export interface RunJobsOptions {
  db: Db;
  jobs: readonly JobDefinition[];
  /** How many jobs this worker runs at once (a function: settings can change it live). */
  concurrency?: number | (() => number);
  /** A lease not renewed for this long is considered abandoned. */
  leaseMs?: number;
  /** How often an idle worker looks for work. */
  pollMs?: number;
  signal: AbortSignal;
  owner?: string;
}

/** Retry delay for attempt n (1-based): 5 s, 20 s, 80 s … capped at 30 min. */
export function backoffMs(attempt: number): number {
  return Math.min(5_000 * 4 ** Math.max(0, attempt - 1), 30 * 60_000);
}

const PROGRESS_WRITE_INTERVAL_MS = 500;
/** Heartbeats also deliver cancellation: keep them frequent. */
const MAX_HEARTBEAT_INTERVAL_MS = 2_000;

class CancelledError extends Error {
  constructor() {
    super("cancelled by an administrator");
    this.name = "CancelledError";
  }
}

export async function runJobs(options: RunJobsOptions): Promise<void> {
  const { db, jobs, signal } = options;
  const concurrencyOption = options.concurrency ?? 1;
  const concurrency = () => Math.max(1, typeof concurrencyOption === "function" ? concurrencyOption() : concurrencyOption);
  const leaseMs = options.leaseMs ?? 60_000;
  const pollMs = options.pollMs ?? 1_000;
  const owner = options.owner ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const running = new Set<Promise<void>>();

  while (!signal.aborted) {
    await reclaimExpiredLeases(db);
    while (running.size < concurrency() && !signal.aborted) {
      const claimed = await claimNextJob(db, [...byName.keys()], owner, leaseMs);
      if (!claimed) break;
      const definition = byName.get(claimed.name);
      if (!definition) break;
      const task = runClaimedJob(db, definition, claimed, owner, leaseMs, signal).finally(() => running.delete(task));
      running.add(task);
    }
    await sleep(pollMs, signal);
  }
  await Promise.allSettled(running);
}

export interface RunJobToEndOptions {
  db: Db;
  jobId: number;
  jobs: readonly JobDefinition[];
  leaseMs?: number;
  signal: AbortSignal;
}

/** Job states that do not change any more. */
const FINAL_STATES = new Set(["succeeded", "failed", "cancelled"]);
const WAIT_TICK_MS = 500;

/**
 * Takes one job to a final state, running it in this process when no worker has
 * claimed it (the CLI's `modelshelf push` works with or without the pusher worker
 * running): whoever claims it first runs it, retries wait for their backoff.
 * Returns the final state, result and error.
 */
export async function runJobToEnd(options: RunJobToEndOptions): Promise<{ state: string; resultJson: string | null; lastError: string | null }> {
  const { db, jobId, signal } = options;
  const leaseMs = options.leaseMs ?? 60_000;
  const owner = `${os.hostname()}:${process.pid}:cli-${randomUUID().slice(0, 8)}`;
  const byName = new Map(options.jobs.map((job) => [job.name, job]));
  for (;;) {
    const row = await db.job.findUnique({ where: { id: jobId } });
    if (!row) throw new AppError("not-found", `job ${jobId} not found`);
    if (FINAL_STATES.has(row.state)) return { state: row.state, resultJson: row.resultJson, lastError: row.lastError };
    signal.throwIfAborted();
    await reclaimExpiredLeases(db);
    const definition = byName.get(row.name);
    if (row.state === "queued" && row.runAfter <= new Date() && definition) {
      const claimed = await claimNextJob(db, [row.name], owner, leaseMs, new Date(), jobId);
      if (claimed) {
        await runClaimedJob(db, definition, claimed, owner, leaseMs, signal);
        continue;
      }
    }
    await sleep(WAIT_TICK_MS, signal);
  }
}

interface ClaimedJob {
  id: number;
  name: string;
  payloadJson: string;
  attempts: number;
  maxAttempts: number;
}

/** Jobs whose lease expired go back to the queue, or fail once out of attempts. */
export async function reclaimExpiredLeases(db: Db, now = new Date()): Promise<number> {
  const expired = await db.job.findMany({
    where: { state: "running", leaseExpiresAt: { lt: now } },
    select: { id: true, attempts: true, maxAttempts: true, leaseOwner: true },
  });
  let reclaimed = 0;
  for (const job of expired) {
    const outOfAttempts = job.attempts >= job.maxAttempts;
    const result = await db.job.updateMany({
      where: { id: job.id, state: "running", leaseOwner: job.leaseOwner },
      data: outOfAttempts
        ? { state: "failed", finishedAt: now, leaseOwner: null, leaseExpiresAt: null, lastError: `worker ${job.leaseOwner} stopped responding; out of attempts` }
        : { state: "queued", leaseOwner: null, leaseExpiresAt: null, lastError: `worker ${job.leaseOwner} stopped responding; retrying` },
    });
    reclaimed += result.count;
  }
  return reclaimed;
}

export async function claimNextJob(
  db: Db,
  names: string[],
  owner: string,
  leaseMs: number,
  now = new Date(),
  onlyId?: number,
): Promise<ClaimedJob | undefined> {
  // Another worker may win the race for a candidate: try the next few.
  for (let tries = 0; tries < 5; tries++) {
    const candidate = await db.job.findFirst({
      where: { state: "queued", runAfter: { lte: now }, name: { in: names }, ...(onlyId === undefined ? {} : { id: onlyId }) },
      orderBy: [{ priority: "desc" }, { runAfter: "asc" }, { id: "asc" }],
      select: { id: true },
    });
    if (!candidate) return undefined;
    const claimed = await db.job.updateMany({
      where: { id: candidate.id, state: "queued" },
      data: {
        state: "running",
        leaseOwner: owner,
        leaseExpiresAt: new Date(now.getTime() + leaseMs),
        heartbeatAt: now,
        startedAt: now,
        attempts: { increment: 1 },
        // A reclaimed job starts its progress over.
        progressDone: null,
        progressTotal: null,
        progressRate: null,
      },
    });
    if (claimed.count === 1) {
      const row = await db.job.findUniqueOrThrow({ where: { id: candidate.id } });
      return { id: row.id, name: row.name, payloadJson: row.payloadJson, attempts: row.attempts, maxAttempts: row.maxAttempts };
    }
  }
  return undefined;
}

async function runClaimedJob(
  db: Db,
  definition: JobDefinition,
  job: ClaimedJob,
  owner: string,
  leaseMs: number,
  workerSignal: AbortSignal,
): Promise<void> {
  const controller = new AbortController();
  const onWorkerAbort = () => controller.abort(new Error("worker shutting down"));
  workerSignal.addEventListener("abort", onWorkerAbort);
  const heartbeat = setInterval(() => {
    void db.job
      .updateMany({
        where: { id: job.id, state: "running", leaseOwner: owner },
        data: { heartbeatAt: new Date(), leaseExpiresAt: new Date(Date.now() + leaseMs) },
      })
      .then(async (result) => {
        if (result.count === 0) return controller.abort(new Error("lease lost"));
        const row = await db.job.findUnique({ where: { id: job.id }, select: { cancelRequested: true } });
        if (row?.cancelRequested) controller.abort(new CancelledError());
      })
      .catch((error: unknown) => log.warn("heartbeat failed", { jobId: job.id, error }));
  }, Math.min(MAX_HEARTBEAT_INTERVAL_MS, Math.max(200, Math.floor(leaseMs / 3))));

  let lastProgressWrite = 0;
  let lastProgress = { at: Date.now(), done: 0 };
  const ctx: JobContext = {
    db,
    jobId: job.id,
    attempt: job.attempts,
    signal: controller.signal,
    async progress(done, total, unit) {
      const now = Date.now();
      if (now - lastProgressWrite < PROGRESS_WRITE_INTERVAL_MS && done < total) return;
      lastProgressWrite = now;
      const elapsed = (now - lastProgress.at) / 1000;
      const rate = elapsed > 0 && done >= lastProgress.done ? (done - lastProgress.done) / elapsed : null;
      lastProgress = { at: now, done };
      await db.job.updateMany({
        where: { id: job.id, leaseOwner: owner },
        data: { progressDone: done, progressTotal: total, progressUnit: unit, ...(rate === null ? {} : { progressRate: rate }) },
      });
    },
    async withLease(write) {
      return db.$transaction(async (tx) => {
        const held = await tx.job.updateMany({
          where: { id: job.id, state: "running", leaseOwner: owner },
          data: { heartbeatAt: new Date() },
        });
        if (held.count !== 1) throw new AppError("conflict", `job ${job.id}: lease lost, result discarded`, { retryable: true });
        return write(tx);
      });
    },
  };

  try {
    const payload = definition.schema.parse(JSON.parse(job.payloadJson));
    const result = await definition.run(ctx, payload);
    await db.job.updateMany({
      where: { id: job.id, state: "running", leaseOwner: owner },
      data: {
        state: "succeeded",
        finishedAt: new Date(),
        leaseOwner: null,
        leaseExpiresAt: null,
        resultJson: JSON.stringify(result ?? null, (_key, value: unknown) =>
          typeof value === "bigint" ? value.toString() : value,
        ),
        lastError: null,
      },
    });
  } catch (error) {
    if (error instanceof JobDeferral) {
      await db.job.updateMany({
        where: { id: job.id, state: "running", leaseOwner: owner },
        data: {
          state: "queued",
          leaseOwner: null,
          leaseExpiresAt: null,
          runAfter: error.runAfter,
          lastError: `deferred: ${error.message}`,
          // Waiting is not failing: the attempt is given back.
          attempts: { decrement: 1 },
        },
      });
      return;
    }
    if (controller.signal.reason instanceof CancelledError) {
      await db.job.updateMany({
        where: { id: job.id, state: "running", leaseOwner: owner },
        data: { state: "cancelled", finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null, lastError: "cancelled by an administrator" },
      });
      return;
    }
    const retryable = !isAppError(error) || error.retryable;
    const canRetry = retryable && job.attempts < job.maxAttempts && !workerSignal.aborted;
    const message = errorMessage(error);
    log.warn("job failed", { jobId: job.id, name: job.name, attempt: job.attempts, retry: canRetry, error: message });
    await db.job.updateMany({
      where: { id: job.id, state: "running", leaseOwner: owner },
      data: canRetry || workerSignal.aborted
        ? {
            state: "queued",
            leaseOwner: null,
            leaseExpiresAt: null,
            lastError: message,
            runAfter: new Date(Date.now() + (workerSignal.aborted ? 0 : backoffMs(job.attempts))),
            // A shutdown is not the job's fault: give the attempt back.
            ...(workerSignal.aborted ? { attempts: { decrement: 1 } } : {}),
          }
        : { state: "failed", finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null, lastError: message },
    });
  } finally {
    clearInterval(heartbeat);
    workerSignal.removeEventListener("abort", onWorkerAbort);
  }
}
