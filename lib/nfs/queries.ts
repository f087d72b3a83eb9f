// Read side of the NAS check: recent nfs.probe-nas jobs with their stored
// results, for the NAS check page and GET /api/v1/nas/probe/:id. Results are
// parsed with zod and read loosely — a row written by an older worker, or a
// corrupt one, shows as "unreadable" instead of taking the page down.
import { z } from "zod";
import type { Db } from "../db/client.ts";
import { nasProbeInputSchema, type NasProbeInput } from "./probe-nas-job.ts";
import type { NasProbeResult } from "./probe-nas.ts";

export const NAS_PROBE_JOB_NAME = "nfs.probe-nas";
/** Checks listed on the page by default: enough to compare a few attempts at one NAS. */
export const DEFAULT_NAS_PROBE_LIMIT = 10;
/** A history, not an audit log: more rows than this help nobody on one page. */
export const MAX_NAS_PROBE_LIMIT = 100;

const count = z.number().nonnegative();

const stepSchema = z.object({
  // A string, not the current enum: a step added by a newer worker still shows.
  step: z.string(),
  ok: z.boolean(),
  explanation: z.string().optional(),
  error: z.string().optional(),
});

export const nasProbeViewSchema = z.object({
  host: z.string(),
  reachable: z.boolean(),
  checkedAt: z.string(),
  services: z
    .array(z.object({ program: z.number(), name: z.string(), version: z.number(), protocol: z.string(), port: z.number() }))
    .default([]),
  nfsVersions: z.array(z.number()).default([]),
  mountVersions: z.array(z.number()).default([]),
  exports: z.array(z.object({ path: z.string(), groups: z.array(z.string()).default([]) })).default([]),
  export: z
    .object({
      path: z.string(),
      fsstat: z
        .object({ totalBytes: count, freeBytes: count, availableBytes: count, totalFiles: count, freeFiles: count })
        .nullable()
        .default(null),
      fsinfo: z
        .object({ rtmax: count, rtpref: count, wtmax: count, wtpref: count, dtpref: count, maxFileSize: count })
        .nullable()
        .default(null),
      throughput: z
        .object({ file: z.string(), bytes: count, seconds: count, megabytesPerSecond: count })
        .nullable()
        .default(null),
    })
    .nullable()
    .default(null),
  steps: z.array(stepSchema).default([]),
});
export type NasProbeView = z.infer<typeof nasProbeViewSchema>;
export type NasProbeStepView = NasProbeView["steps"][number];

// The worker's result type must always fit the view (checked at compile time).
const fitsView: (result: NasProbeResult) => z.input<typeof nasProbeViewSchema> = (result) => result;
void fitsView;

export interface NasProbeRun {
  jobId: number;
  state: string;
  /** Queued or running: the page keeps polling. */
  active: boolean;
  /** What was asked (null when the stored payload is unreadable). */
  input: NasProbeInput | null;
  /** The host asked, even from a payload that no longer validates. */
  host: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  result: NasProbeView | null;
  /** Why there is no result: the job's error, or an unreadable stored result. */
  error: string | null;
}

type JobRecord = Awaited<ReturnType<Db["job"]["findMany"]>>[number];

function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    if (error instanceof SyntaxError) return { ok: false, message: error.message };
    throw error;
  }
}

function readInput(payloadJson: string): { input: NasProbeInput | null; host: string } {
  const raw = parseJsonText(payloadJson);
  if (!raw.ok) return { input: null, host: "?" };
  const parsed = nasProbeInputSchema.safeParse(raw.value);
  if (parsed.success) return { input: parsed.data, host: parsed.data.host };
  const host = z.object({ host: z.string().max(253) }).safeParse(raw.value);
  return { input: null, host: host.success ? host.data.host : "?" };
}

function readResult(resultJson: string | null): { result: NasProbeView | null; problem: string | null } {
  if (resultJson === null) return { result: null, problem: "the check finished without a stored result" };
  const raw = parseJsonText(resultJson);
  if (!raw.ok) return { result: null, problem: `the stored result is unreadable (${raw.message})` };
  const parsed = nasProbeViewSchema.safeParse(raw.value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { result: null, problem: `the stored result is unreadable (${first ? `${first.path.join(".") || "result"}: ${first.message}` : "invalid"})` };
  }
  return { result: parsed.data, problem: null };
}

function toRun(job: JobRecord): NasProbeRun {
  const { input, host } = readInput(job.payloadJson);
  const active = job.state === "queued" || job.state === "running";
  let result: NasProbeView | null = null;
  let error: string | null = null;
  if (job.state === "succeeded") {
    const read = readResult(job.resultJson);
    result = read.result;
    error = read.problem;
  } else if (!active) {
    error = job.lastError ?? `the check ended as ${job.state}`;
  }
  return {
    jobId: job.id,
    state: job.state,
    active,
    input,
    host,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    durationMs: job.startedAt && job.finishedAt ? job.finishedAt.getTime() - job.startedAt.getTime() : null,
    result,
    error,
  };
}

/** The latest NAS checks, newest first (any state). */
export async function listNasProbes(db: Db, limit = DEFAULT_NAS_PROBE_LIMIT): Promise<NasProbeRun[]> {
  const take = Math.min(Math.max(1, Math.trunc(limit) || DEFAULT_NAS_PROBE_LIMIT), MAX_NAS_PROBE_LIMIT);
  const jobs = await db.job.findMany({ where: { name: NAS_PROBE_JOB_NAME }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take });
  return jobs.map(toRun);
}

/** One NAS check by its job id; null when there is no such job or it is another kind of job. */
export async function getNasProbe(db: Db, jobId: number): Promise<NasProbeRun | null> {
  const job = await db.job.findUnique({ where: { id: jobId } });
  if (!job || job.name !== NAS_PROBE_JOB_NAME) return null;
  return toRun(job);
}
