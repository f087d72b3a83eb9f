// Queues hashing.verify-file jobs. "Verify now" outranks everything; files
// the scanner just indexed come next; the scrub fills in behind them.
import type { Db } from "../db/client.ts";
import { enqueueJob } from "../jobs/enqueue-job.ts";
import type { VerifyFilePayload } from "./verify-file-job.ts";

export const VERIFY_PRIORITY: Record<VerifyFilePayload["trigger"], number> = { manual: 20, scan: 0, scrub: -10 };

export async function enqueueVerification(db: Db, fileIds: readonly number[], trigger: VerifyFilePayload["trigger"]): Promise<{ queued: number }> {
  let queued = 0;
  for (const fileId of fileIds) {
    const job = await enqueueJob(db, "hashing.verify-file", { fileId, trigger }, { priority: VERIFY_PRIORITY[trigger] });
    if (!job.deduplicated) queued++;
  }
  // Only files with no verdict yet show "queued"; a mismatch stays loud until re-judged.
  for (let i = 0; i < fileIds.length; i += 500) {
    await db.libraryFile.updateMany({ where: { id: { in: fileIds.slice(i, i + 500) }, verifyState: "unverified" }, data: { verifyState: "queued" } });
  }
  return { queued };
}

/** Files that already have a verify job waiting or running, and how many of those jobs the scrub queued. */
export async function pendingVerification(db: Db): Promise<{ fileIds: Set<number>; scrubJobs: number }> {
  const jobs = await db.job.findMany({
    where: { name: "hashing.verify-file", state: { in: ["queued", "running"] } },
    select: { payloadJson: true },
  });
  const payloads = jobs.map((job) => JSON.parse(job.payloadJson) as VerifyFilePayload);
  return { fileIds: new Set(payloads.map((p) => p.fileId)), scrubJobs: payloads.filter((p) => p.trigger === "scrub").length };
}
