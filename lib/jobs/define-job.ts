// Declares a durable job: its name, payload schema and handler. Every job is
// listed once in lib/jobs/registry.ts; the runner refuses unknown names.
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

export interface JobDefinition<Schema extends z.ZodType = z.ZodType> {
  name: string;
  schema: Schema;
  maxAttempts: number;
  /** Jobs with the same key are not queued twice (the queued one is reused). */
  dedupeKey?: (payload: z.infer<Schema>) => string | undefined;
  run(ctx: JobContext, payload: z.infer<Schema>): Promise<unknown>;
}

export function defineJob<Schema extends z.ZodType>(
  definition: Omit<JobDefinition<Schema>, "maxAttempts"> & { maxAttempts?: number },
): JobDefinition<Schema> {
  if (!/^[a-z]+\.[a-z-]+$/.test(definition.name)) {
    throw new Error(`job name "${definition.name}" must look like domain.verb-noun`);
  }
  return { maxAttempts: 3, ...definition };
}
