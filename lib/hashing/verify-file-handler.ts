// Worker side of hashing.verify-file. Scrub runs wait for their time window;
// a file that changed while hashing waits until the scanner has seen it settle.
import { getConfig } from "../config.ts";
import { AppError } from "../errors.ts";
import { handleJob, JobDeferral } from "../jobs/define-job.ts";
import { enqueueJob } from "../jobs/enqueue-job.ts";
import { hasherRuntime } from "./hasher-runtime.ts";
import { isWithinWindow, nextWindowStart } from "./scrub-window.ts";
import { verifyFile } from "./verify-file.ts";
import { verifyFileJob } from "./verify-file-job.ts";

/** After a file changed under the hasher, try again once a rescan has had time to see it. */
const CHANGED_RETRY_MS = 60_000;

export const verifyFileHandler = handleJob(verifyFileJob, async (ctx, payload) => {
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
    const file = await ctx.db.libraryFile.findUnique({ where: { id: payload.fileId }, select: { libraryId: true } });
    if (!file) throw new AppError("not-found", `file ${payload.fileId} vanished from the catalogue`);
    await enqueueJob(ctx.db, "catalog.scan-library", { libraryId: file.libraryId, trigger: "settle" });
    throw new JobDeferral(new Date(Date.now() + CHANGED_RETRY_MS), outcome.message ?? "file changed while hashing");
  }
  return outcome;
});
