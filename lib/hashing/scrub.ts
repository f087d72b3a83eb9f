// The scrub: every present file is re-verified once its last verification is
// older than the interval, oldest first, only inside the time window. The
// ScrubRun row and each file's verifiedAt are the persisted cursor, so a
// restart continues where it stopped.
import type { Db } from "../db/client.ts";
import type { HashingSettings } from "../settings/hashing-settings.ts";
import { enqueueVerification, pendingVerification } from "./enqueue-verification.ts";
import { isWithinWindow } from "./scrub-window.ts";

/** Verify jobs queued ahead per file hashed at once: enough to keep the workers busy, small enough to leave room for "verify now". */
const QUEUE_AHEAD_PER_WORKER = 4;

export interface ScrubTickResult {
  due: number;
  queued: number;
  runId: number | null;
  skipped: "disabled" | "outside-window" | null;
}

export function dueWhere(now: Date, intervalDays: number) {
  const cutoff = new Date(now.getTime() - intervalDays * 86_400_000);
  return {
    missingSince: null,
    state: { not: "ignored" },
    library: { enabled: true, status: { not: "unavailable" } },
    OR: [{ verifiedAt: null }, { verifiedAt: { lt: cutoff } }],
  };
}

export async function scrubTick(db: Db, settings: HashingSettings, now = new Date()): Promise<ScrubTickResult> {
  if (!settings.scrubEnabled) return { due: 0, queued: 0, runId: null, skipped: "disabled" };
  if (!isWithinWindow(now, settings.scrubWindow)) return { due: 0, queued: 0, runId: null, skipped: "outside-window" };
  const where = dueWhere(now, settings.scrubIntervalDays);
  const due = await db.libraryFile.count({ where });
  let run = await db.scrubRun.findFirst({ where: { status: "running" }, orderBy: { id: "desc" } });
  if (due === 0) {
    if (run) await db.scrubRun.update({ where: { id: run.id }, data: { status: "done", finishedAt: now } });
    return { due, queued: 0, runId: run?.id ?? null, skipped: null };
  }
  if (!run) {
    const bytes = await db.libraryFile.aggregate({ where, _sum: { sizeBytes: true } });
    run = await db.scrubRun.create({ data: { filesTotal: due, bytesTotal: bytes._sum.sizeBytes ?? 0n, startedAt: now } });
  }
  const pending = await pendingVerification(db);
  const want = Math.max(0, settings.concurrency * QUEUE_AHEAD_PER_WORKER - pending.scrubJobs);
  const candidates =
    want === 0
      ? []
      : await db.libraryFile.findMany({
          where: { ...where, id: { notIn: [...pending.fileIds] } },
          orderBy: [{ verifiedAt: { sort: "asc", nulls: "first" } }, { id: "asc" }],
          take: want,
          select: { id: true },
        });
  const { queued } = await enqueueVerification(db, candidates.map((c) => c.id), "scrub");
  return { due, queued, runId: run.id, skipped: null };
}
