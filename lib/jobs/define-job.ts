// Declares a durable job. The declaration (name, payload schema, attempts,
// dedupe key) is light and importable anywhere — the web app enqueues with it;
// the handler is attached with handleJob() in worker-only code, and every
// declared job must have one (checked when a worker starts).
import type { z } from "zod";
import type { Db } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";

export type JobTransaction = Prisma.TransactionClient;

export interface JobContext {
  db: Db;
  jobId: number;
  attempt: number;
  /** Aborted when the lease is lost or the worker shuts down. */
  signal: AbortSignal;
  /** Records progress on the job row (throttled); the rate is derived from it. */
  progress(done: number, total: number, unit: string): Promise<void>;
  /**
   * Runs `write` in a transaction that first checks this worker still holds
   * the job's lease, so a job reclaimed from a dead worker never records two
   * results. Throws (and writes nothing) when the lease was lost.
   */
  withLease<T>(write: (tx: JobTransaction) => Promise<T>): Promise<T>;
}

/** Thrown by a handler to put its job back in the queue until `runAfter`
 * without using up an attempt (e.g. outside the scrub window, file still changing). */
export class JobDeferral extends Error {
  readonly runAfter: Date;
  constructor(runAfter: Date, reason: string) {
    super(reason);
    this.name = "JobDeferral";
    this.runAfter = runAfter;
  }
}

export interface JobSpec<Schema extends z.ZodType = z.ZodType> {
  name: string;
  schema: Schema;
  maxAttempts: number;
  /** Jobs with the same key are not queued twice (the queued one is reused). */
  dedupeKey?: (payload: z.infer<Schema>) => string | undefined;
}

export interface JobDefinition<Schema extends z.ZodType = z.ZodType> extends JobSpec<Schema> {
  run(ctx: JobContext, payload: z.infer<Schema>): Promise<unknown>;
}

export function defineJob<Schema extends z.ZodType>(
  spec: Omit<JobSpec<Schema>, "maxAttempts"> & { maxAttempts?: number },
): JobSpec<Schema> {
  if (!/^[a-z]+\.[a-z-]+$/.test(spec.name)) {
    throw new Error(`job name "${spec.name}" must look like domain.verb-noun`);
  }
  return { maxAttempts: 3, ...spec };
}

/** Attaches the handler that worker processes run for a declared job. */
export function handleJob<Schema extends z.ZodType>(
  spec: JobSpec<Schema>,
  run: (ctx: JobContext, payload: z.infer<Schema>) => Promise<unknown>,
): JobDefinition {
  return { ...spec, run } as unknown as JobDefinition;
}
