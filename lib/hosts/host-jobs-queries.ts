// The hosts.* jobs the Hosts pages show: recent ones for one host (with
// progress, as the Jobs page computes it) and whether any are under way (for
// the live refresh).
import type { Db } from "../db/client.ts";
import { jobTitle } from "../jobs/queries.ts";

export interface HostJobRow {
  id: number;
  name: string;
  title: string;
  /** What the payload says beyond the host: "library/qwen2.5:7b by upload", a host-side model name. */
  detail: string | null;
  state: string;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  lastError: string | null;
  cancelRequested: boolean;
  progress: { done: number; total: number; unit: string | null; fraction: number; rate: number | null } | null;
}

type JobRecord = Awaited<ReturnType<Db["job"]["findMany"]>>[number];

/**
 * Payloads are stored as JSON.stringify of the parsed payload, so a host's jobs carry
 * `"hostId":N` followed by "," or "}": an exact match, done in SQL so that a busy
 * schedule of polls on other hosts cannot push this host's jobs out of the window.
 */
function forHost(hostId: number) {
  return { OR: [{ payloadJson: { contains: `"hostId":${hostId},` } }, { payloadJson: { contains: `"hostId":${hostId}}` } }] };
}

function detailOf(payloadJson: string): string | null {
  let payload: unknown;
  try {
    payload = JSON.parse(payloadJson);
  } catch (error) {
    // A corrupt payload must not take the page down; the job shows without details.
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  if (!payload || typeof payload !== "object") return null;
  const p = payload as Record<string, unknown>;
  if (typeof p.ref === "string") return typeof p.method === "string" ? `${p.ref} by ${p.method}` : p.ref;
  if (typeof p.hostName === "string") return p.hostName;
  return null;
}

function toRow(job: JobRecord): HostJobRow {
  const total = job.progressTotal;
  const progress =
    total !== null && total > 0 && job.progressDone !== null
      ? {
          done: Math.min(job.progressDone, total),
          total,
          unit: job.progressUnit,
          fraction: Math.min(job.progressDone, total) / total,
          rate: job.progressRate !== null && job.progressRate > 0 ? job.progressRate : null,
        }
      : null;
  return {
    id: job.id,
    name: job.name,
    title: jobTitle(job.name),
    detail: detailOf(job.payloadJson),
    state: job.state,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    lastError: job.lastError,
    cancelRequested: job.cancelRequested,
    progress,
  };
}

/**
 * The host's latest jobs, newest first. Successful polls are left out: the schedule
 * runs one a minute and the host's "last polled" already says how the last one went.
 */
export async function listHostJobs(db: Db, hostId: number, limit = 15): Promise<HostJobRow[]> {
  const rows = await db.job.findMany({
    where: { AND: [{ name: { startsWith: "hosts." } }, forHost(hostId), { NOT: { name: "hosts.poll-host", state: "succeeded" } }] },
    orderBy: { id: "desc" },
    take: limit,
  });
  return rows.map(toRow);
}

/** Whether a hosts.* job (of one host, or any) is running or due, so the page should keep refreshing. */
export async function hasActiveHostJobs(db: Db, hostId?: number, now = new Date()): Promise<boolean> {
  const active = { OR: [{ state: "running" }, { state: "queued", runAfter: { lte: now } }] };
  const count = await db.job.count({
    where: { AND: [{ name: { startsWith: "hosts." } }, active, ...(hostId === undefined ? [] : [forHost(hostId)])] },
  });
  return count > 0;
}
