// Declares a durable job: its name, payload schema and handler. Every job is
// listed once in lib/jobs/registry.ts; the runner refuses unknown names.
import type { z } from "zod";
import type { Db } from "../db/client.ts";

export interface JobContext {
  db: Db;
  jobId: number;
  attempt: number;
  /** Aborted when the lease is lost or the worker shuts down. */
  signal: AbortSignal;
  /** Records progress on the job row (throttled). */
  progress(done: number, total: number, unit: string): Promise<void>;
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
