// Puts a job on the durable queue (the web app and the CLI call this; only
// workers run jobs).
import type { Db } from "../db/client.ts";
import { AppError } from "../errors.ts";
import { findJob } from "./registry.ts";

export interface EnqueueOptions {
  priority?: number;
  runAfter?: Date;
}

export interface EnqueuedJob {
  id: number;
  deduplicated: boolean;
}

export async function enqueueJob(
  db: Db,
  name: string,
  payload: unknown,
  options: EnqueueOptions = {},
): Promise<EnqueuedJob> {
  const definition = findJob(name);
  if (!definition) throw new AppError("invalid-input", `unknown job "${name}"`);
  const parsed = definition.schema.safeParse(payload);
  if (!parsed.success) {
    throw new AppError("invalid-input", `invalid payload for ${name}: ${parsed.error.issues[0]?.message ?? "?"}`);
  }
  const dedupeKey = definition.dedupeKey?.(parsed.data) ?? null;
  const priority = options.priority ?? 0;
  return db.$transaction(async (tx) => {
    if (dedupeKey) {
      const existing = await tx.job.findFirst({ where: { dedupeKey, state: "queued" } });
      if (existing) {
        // A more urgent request for the same work promotes the queued job.
        const runAfter = options.runAfter && options.runAfter < existing.runAfter ? options.runAfter : existing.runAfter;
        if (priority > existing.priority || runAfter < existing.runAfter) {
          await tx.job.update({
            where: { id: existing.id },
            data: { priority: Math.max(priority, existing.priority), runAfter },
          });
        }
        return { id: existing.id, deduplicated: true };
      }
    }
    const job = await tx.job.create({
      data: {
        name,
        payloadJson: JSON.stringify(parsed.data),
        priority,
        maxAttempts: definition.maxAttempts,
        dedupeKey,
        runAfter: options.runAfter ?? new Date(),
      },
    });
    return { id: job.id, deduplicated: false };
  });
}
