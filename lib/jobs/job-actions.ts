// Admin actions on jobs: cancel (queued at once; running at its next
// heartbeat) and retry a failed or cancelled job.
import { z } from "zod";
import { defineAction } from "../actions/define-action.ts";
import { AppError } from "../errors.ts";

const jobIdSchema = z.object({ jobId: z.coerce.number().int().positive() });

export const cancelJob = defineAction({
  name: "jobs.cancel",
  permission: "jobs.manage",
  schema: jobIdSchema,
  target: (input) => `job:${input.jobId}`,
  async run({ db }, input) {
    const job = await db.job.findUnique({ where: { id: input.jobId } });
    if (!job) throw new AppError("not-found", `job ${input.jobId} not found`);
    const queued = await db.job.updateMany({
      where: { id: job.id, state: "queued" },
      data: { state: "cancelled", finishedAt: new Date(), lastError: "cancelled by an administrator" },
    });
    if (queued.count === 1) return { state: "cancelled" };
    const running = await db.job.updateMany({ where: { id: job.id, state: "running" }, data: { cancelRequested: true } });
    if (running.count === 1) return { state: "cancelling" };
    throw new AppError("conflict", `job ${job.id} is ${job.state}; only queued or running jobs can be cancelled`);
  },
});

export const retryJob = defineAction({
  name: "jobs.retry",
  permission: "jobs.manage",
  schema: jobIdSchema,
  target: (input) => `job:${input.jobId}`,
  async run({ db }, input) {
    const job = await db.job.findUnique({ where: { id: input.jobId } });
    if (!job) throw new AppError("not-found", `job ${input.jobId} not found`);
    if (job.state !== "failed" && job.state !== "cancelled") {
      throw new AppError("conflict", `job ${job.id} is ${job.state}; only failed or cancelled jobs can be retried`);
    }
    if (job.dedupeKey) {
      const twin = await db.job.findFirst({ where: { dedupeKey: job.dedupeKey, state: { in: ["queued", "running"] } } });
      if (twin) throw new AppError("conflict", `the same work is already ${twin.state} as job ${twin.id}`);
    }
    await db.job.update({
      where: { id: job.id },
      data: { state: "queued", attempts: 0, runAfter: new Date(), finishedAt: null, cancelRequested: false, lastError: job.lastError, progressDone: null, progressTotal: null, progressRate: null },
    });
    return { state: "queued" };
  },
});
