// hashing.verify-file: SHA-256 one catalogued file and judge it. Scrub runs
// wait for their time window; a file that changed while hashing waits until
// the scanner has seen it settle.
import { z } from "zod";
import { getConfig } from "../config.ts";
import { AppError } from "../errors.ts";
import { defineJob, JobDeferral } from "../jobs/define-job.ts";

export const verifyTriggerSchema = z.enum(["manual", "scan", "scrub"]);

export const verifyFilePayloadSchema = z.object({
  fileId: z.number().int().positive(),
  trigger: verifyTriggerSchema,
});
export type VerifyFilePayload = z.infer<typeof verifyFilePayloadSchema>;

/** After a file changed under the hasher, try again once a rescan has had time to see it. */
const CHANGED_RETRY_MS = 60_000;

export const verifyFileJob = defineJob({
  name: "hashing.verify-file",
  schema: verifyFilePayloadSchema,
  maxAttempts: 3,
  dedupeKey: (payload) => `hashing.verify-file:${payload.fileId}`,
  async run(ctx, payload) {
    const { hasherRuntime } = await import("./hasher-runtime.ts");
    const { nextWindowStart, isWithinWindow } = await import("./scrub-window.ts");
    const { verifyFile } = await import("./verify-file.ts");
    const runtime = hasherRuntime();
    if (payload.trigger === "scrub" && !isWithinWindow(new Date(), runtime.settings.scrubWindow)) {
      throw new JobDeferral(nextWindowStart(new Date(), runtime.settings.scrubWindow), `outside the scrub window ${runtime.settings.scrubWindow}`);
    }
    const outcome = await verifyFile(ctx.db, payload.fileId, {
      trigger: payload.trigger,
      jobId: ctx.jobId,
      signal: ctx.signal,
      throttle: runtime.throttle,
      readTimeoutMs: getConfig().fsTimeoutMs,
      onProgress: (done, total) => ctx.progress(done, total, "bytes"),
      withLease: ctx.withLease,
    });
    if (outcome.changedDuringHash) {
      const { enqueueJob } = await import("../jobs/enqueue-job.ts");
      const file = await ctx.db.libraryFile.findUnique({ where: { id: payload.fileId }, select: { libraryId: true } });
      if (!file) throw new AppError("not-found", `file ${payload.fileId} vanished from the catalogue`);
      await enqueueJob(ctx.db, "catalog.scan-library", { libraryId: file.libraryId, trigger: "settle" });
      throw new JobDeferral(new Date(Date.now() + CHANGED_RETRY_MS), outcome.message ?? "file changed while hashing");
    }
    return outcome;
  },
});
