// Read-side queries for the Jobs page and GET /api/v1/jobs: totals per state
// and the jobs of each state with human-readable names, their targets (the
// file a verify job hashes, the library a scan walks) and live progress.
// Targets are resolved with one batched lookup per kind, never per job.
import { z } from "zod";
import { libraryFilePath } from "../catalog/library-path.ts";
import type { Db } from "../db/client.ts";

/** In the order the Jobs page shows them: what is happening, what is waiting, what went wrong, what is done. */
export const jobStates = ["running", "queued", "failed", "cancelled", "succeeded"] as const;
export type JobState = (typeof jobStates)[number];

/** Jobs listed per state by default; the totals always count all of them. */
export const DEFAULT_JOB_LIMIT = 50;
/** "Verify everything" queues one job per file; a page (or API answer) never lists more than this per state. */
export const MAX_JOB_LIMIT = 500;

const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

export const jobListParamsSchema = z.object({
  state: z.preprocess(blankToUndefined, z.enum(jobStates).optional()),
  limit: z.preprocess(
    blankToUndefined,
    z.coerce.number().int().min(1).max(MAX_JOB_LIMIT, `must be at most ${MAX_JOB_LIMIT}`).default(DEFAULT_JOB_LIMIT),
  ),
});
export type JobListParams = z.infer<typeof jobListParamsSchema>;

export type ParseJobListParamsResult = { success: true; params: JobListParams } | { success: false; message: string };

export function parseJobListParams(input: URLSearchParams | Record<string, string | string[] | undefined>): ParseJobListParamsResult {
  const values: Record<string, string> = {};
  if (input instanceof URLSearchParams) {
    for (const [key, value] of input) if (!(key in values)) values[key] = value;
  } else {
    for (const [key, value] of Object.entries(input)) {
      const first = Array.isArray(value) ? value[0] : value;
      if (first !== undefined) values[key] = first;
    }
  }
  const parsed = jobListParamsSchema.safeParse(values);
  if (parsed.success) return { success: true, params: parsed.data };
  return { success: false, message: parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ") };
}

const jobTitles: Record<string, string> = {
  "hashing.verify-file": "Verify file",
  "catalog.scan-library": "Scan library",
  "nfs.probe-nas": "NAS check",
  "hosts.poll-host": "Poll host",
  "hosts.push-model": "Push model",
  "hosts.remove-model": "Remove model",
  "hosts.reconcile-host": "Reconcile host",
};

/**
 * "hashing.verify-file" → "Verify file"; unknown names are shown as they are. hosts.* jobs
 * have no file or library target, so what their payload names (host, model, method) is
 * added: "Push model library/qwen2.5:7b to host #3 by upload".
 */
export function jobTitle(name: string, payload: Record<string, unknown> = {}): string {
  const title = jobTitles[name] ?? name;
  if (!name.startsWith("hosts.") || typeof payload.hostId !== "number") return title;
  const host = `host #${payload.hostId}`;
  if (typeof payload.ref === "string") return `${title} ${payload.ref} to ${host}${typeof payload.method === "string" ? ` by ${payload.method}` : ""}`;
  if (typeof payload.hostName === "string") return `${title} ${payload.hostName} from ${host}`;
  return `${title} #${payload.hostId}`;
}

export interface JobTarget {
  kind: "file" | "library" | "host" | "none";
  /** What the admin reads: the file's full path, or the library's label and path. */
  label: string;
  libraryId: number | null;
  fileId: number | null;
  modelId: number | null;
  modelName: string | null;
  /** hosts.* jobs: the inference host. */
  hostId: number | null;
  /** The target no longer exists in the catalogue. */
  gone: boolean;
}

export interface JobProgress {
  done: number;
  total: number;
  unit: string | null;
  /** Units per second over the last progress interval. */
  rate: number | null;
  fraction: number;
  etaSeconds: number | null;
}

export interface JobRow {
  id: number;
  name: string;
  title: string;
  /** Why the job exists: manual, scan, scrub, schedule, watch, … (from its payload). */
  trigger: string | null;
  target: JobTarget;
  state: string;
  priority: number;
  attempts: number;
  maxAttempts: number;
  runAfter: string;
  /** Queued, but not before runAfter (backing off, or waiting for the scrub window). */
  deferred: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
  progress: JobProgress | null;
  lastError: string | null;
  /** A cancel was requested; the worker stops it at its next heartbeat. */
  cancelRequested: boolean;
  durationMs: number | null;
}

export interface JobList {
  generatedAt: string;
  totals: Record<JobState, number>;
  /** Jobs per state (each at most `limit`; only the requested state when `state` is set). */
  jobs: Record<JobState, JobRow[]>;
  state: JobState | null;
  limit: number;
}

const payloadSchema = z
  .object({
    fileId: z.number().int().optional(),
    libraryId: z.number().int().optional(),
    trigger: z.string().optional(),
    /** NAS checks name a host (and maybe an export) instead of a catalogue row. */
    host: z.string().optional(),
    exportPath: z.string().optional(),
    /** hosts.* jobs name an inference host and a model on it. */
    hostId: z.number().int().optional(),
    ref: z.string().optional(),
    hostName: z.string().optional(),
  })
  .passthrough();

type Payload = z.infer<typeof payloadSchema>;

function parsePayload(json: string): Payload {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    // A corrupt payload must not take the page down; the job shows without a target.
    if (error instanceof SyntaxError) return {};
    throw error;
  }
  const parsed = payloadSchema.safeParse(raw);
  return parsed.success ? parsed.data : {};
}

type JobRecord = Awaited<ReturnType<Db["job"]["findMany"]>>[number];

function orderFor(state: JobState) {
  switch (state) {
    case "running":
      return [{ startedAt: "asc" as const }, { id: "asc" as const }];
    case "queued":
      // The order workers claim them in.
      return [{ priority: "desc" as const }, { runAfter: "asc" as const }, { id: "asc" as const }];
    default:
      return [{ finishedAt: { sort: "desc" as const, nulls: "last" as const } }, { id: "desc" as const }];
  }
}

function toProgress(job: JobRecord): JobProgress | null {
  if (job.progressTotal === null || job.progressDone === null || job.progressTotal <= 0) return null;
  const done = Math.min(job.progressDone, job.progressTotal);
  const rate = job.progressRate !== null && job.progressRate > 0 ? job.progressRate : null;
  return {
    done,
    total: job.progressTotal,
    unit: job.progressUnit,
    rate,
    fraction: done / job.progressTotal,
    etaSeconds: rate === null || job.state !== "running" ? null : (job.progressTotal - done) / rate,
  };
}

export async function listJobs(db: Db, input: Partial<JobListParams> = {}, now = new Date()): Promise<JobList> {
  const params = jobListParamsSchema.parse(input);
  const wanted = params.state ? [params.state] : [...jobStates];
  const [counts, lists] = await Promise.all([
    db.job.groupBy({ by: ["state"], _count: { _all: true } }),
    Promise.all(wanted.map((state) => db.job.findMany({ where: { state }, orderBy: orderFor(state), take: params.limit }))),
  ]);
  const records = lists.flat();
  const payloads = new Map(records.map((job) => [job.id, parsePayload(job.payloadJson)]));

  // One lookup for every file and one for every library the listed jobs point at.
  const fileIds = new Set<number>();
  const libraryIds = new Set<number>();
  const hostIds = new Set<number>();
  for (const payload of payloads.values()) {
    if (payload.fileId !== undefined) fileIds.add(payload.fileId);
    else if (payload.libraryId !== undefined) libraryIds.add(payload.libraryId);
    else if (payload.hostId !== undefined) hostIds.add(payload.hostId);
  }
  const hostById = new Map(
    hostIds.size === 0 ? [] : (await db.inferenceHost.findMany({ where: { id: { in: [...hostIds] } }, select: { id: true, name: true } })).map((h) => [h.id, h.name]),
  );
  const [files, libraries] = await Promise.all([
    fileIds.size === 0
      ? []
      : db.libraryFile.findMany({
          where: { id: { in: [...fileIds] } },
          select: { id: true, relPath: true, libraryId: true, modelId: true, library: { select: { path: true } }, model: { select: { displayName: true } } },
        }),
    libraryIds.size === 0
      ? []
      : db.library.findMany({ where: { id: { in: [...libraryIds] } }, select: { id: true, path: true, label: true } }),
  ]);
  const fileById = new Map(files.map((f) => [f.id, f]));
  const libraryById = new Map(libraries.map((l) => [l.id, l]));

  const targetOf = (payload: Payload): JobTarget => {
    const none = { libraryId: null, fileId: null, modelId: null, modelName: null, hostId: null, gone: false };
    if (payload.fileId !== undefined) {
      const file = fileById.get(payload.fileId);
      if (!file) return { ...none, kind: "file", label: `file #${payload.fileId} (no longer catalogued)`, fileId: payload.fileId, gone: true };
      return {
        ...none,
        kind: "file",
        label: libraryFilePath(file.library.path, file.relPath),
        libraryId: file.libraryId,
        fileId: file.id,
        modelId: file.modelId,
        modelName: file.model?.displayName ?? null,
        gone: false,
      };
    }
    if (payload.libraryId !== undefined) {
      const library = libraryById.get(payload.libraryId);
      if (!library) return { ...none, kind: "library", label: `library #${payload.libraryId} (removed)`, libraryId: payload.libraryId, gone: true };
      return { ...none, kind: "library", label: library.label ? `${library.label} (${library.path})` : library.path, libraryId: library.id };
    }
    if (payload.host !== undefined) return { ...none, kind: "none", label: `${payload.host}${payload.exportPath ? `:${payload.exportPath}` : ""}` };
    if (payload.hostId !== undefined) {
      const hostName = hostById.get(payload.hostId);
      const model = payload.ref ?? payload.hostName;
      const host = hostName === undefined ? `host #${payload.hostId} (removed)` : `host ${hostName}`;
      return { ...none, kind: "host", label: model ? `${model} → ${host}` : host, hostId: payload.hostId, gone: hostName === undefined };
    }
    return { ...none, kind: "none", label: "" };
  };

  const toRow = (job: JobRecord): JobRow => {
    const payload = payloads.get(job.id) ?? {};
    return {
      id: job.id,
      name: job.name,
      title: jobTitle(job.name, payload),
      trigger: payload.trigger ?? null,
      target: targetOf(payload),
      state: job.state,
      priority: job.priority,
      attempts: job.attempts,
      maxAttempts: job.maxAttempts,
      runAfter: job.runAfter.toISOString(),
      deferred: job.state === "queued" && job.runAfter.getTime() > now.getTime(),
      createdAt: job.createdAt.toISOString(),
      startedAt: job.startedAt?.toISOString() ?? null,
      finishedAt: job.finishedAt?.toISOString() ?? null,
      heartbeatAt: job.heartbeatAt?.toISOString() ?? null,
      progress: toProgress(job),
      lastError: job.lastError,
      cancelRequested: job.cancelRequested,
      durationMs: job.startedAt && job.finishedAt ? job.finishedAt.getTime() - job.startedAt.getTime() : null,
    };
  };

  const totals = Object.fromEntries(jobStates.map((s) => [s, 0])) as Record<JobState, number>;
  for (const row of counts) {
    if ((jobStates as readonly string[]).includes(row.state)) totals[row.state as JobState] = row._count._all;
  }
  const jobs = Object.fromEntries(jobStates.map((s) => [s, [] as JobRow[]])) as Record<JobState, JobRow[]>;
  wanted.forEach((state, i) => {
    jobs[state] = (lists[i] ?? []).map(toRow);
  });
  return { generatedAt: now.toISOString(), totals, jobs, state: params.state ?? null, limit: params.limit };
}
