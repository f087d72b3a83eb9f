// Worker-side handlers of the hosts.* jobs. They read the catalogue, call the
// host's driver, and record only what the host confirmed: a push that the host
// did not confirm leaves no deployment behind.
import type { JobContext } from "../jobs/define-job.ts";
import { handleJob } from "../jobs/define-job.ts";
import { enqueueJob } from "../jobs/enqueue-job.ts";
import type { Db } from "../db/client.ts";
import { AppError, errorMessage } from "../errors.ts";
import type { Throttle } from "../hashing/throttle.ts";
import { log } from "../log.ts";
import { loadModelRefs } from "../registry/model-refs.ts";
import type { HostDriver, PushExtras } from "./host-driver.ts";
import { pollHostJob, pushModelJob, reconcileHostJob, removeModelJob } from "./host-jobs.ts";
import { hostTargetFromRow } from "./host-schema.ts";
import { loadPushSource } from "./push-source.ts";
import { getReconcilePlan } from "./queries.ts";
import type { HostKind, PollReport, PushContext, PushMethod } from "./types.ts";
import { defaultPushMethod } from "./drift.ts";

/** What the handlers need from the pusher process (injected, so tests can run them in-process). */
export interface HostsRuntime {
  driverFor(kind: HostKind): HostDriver;
  extras(): PushExtras;
  throttle: Throttle | null;
  requestTimeoutMs(): number;
  fsTimeoutMs: number;
}

/** Lines of driver notes kept in a job's result (the last ones matter). */
const MAX_NOTES = 50;
/** Reconcile-queued work runs after admin requests. */
const RECONCILE_PRIORITY = 0;

async function loadHost(db: Db, hostId: number) {
  const row = await db.inferenceHost.findUnique({ where: { id: hostId } });
  if (!row) throw new AppError("not-found", `host ${hostId} no longer exists`);
  return row;
}

function pushContext(ctx: JobContext, runtime: HostsRuntime, notes: string[]): PushContext {
  return {
    signal: ctx.signal,
    progress: (done, total, unit, message) => {
      if (message) notes.push(message);
      void ctx.progress(done, total, unit).catch((error: unknown) => log.warn("progress write failed", { error: errorMessage(error) }));
    },
    note: (message) => {
      notes.push(message);
      if (notes.length > MAX_NOTES) notes.splice(0, notes.length - MAX_NOTES);
    },
    throttle: runtime.throttle,
    timeoutMs: runtime.requestTimeoutMs(),
    fsTimeoutMs: runtime.fsTimeoutMs,
  };
}

/** Stores a poll report: host status, and (when reachable) the host's model list replaces the old one. */
export async function recordPoll(ctx: Pick<JobContext, "withLease">, hostId: number, report: PollReport): Promise<void> {
  const now = new Date();
  await ctx.withLease(async (tx) => {
    await tx.inferenceHost.update({
      where: { id: hostId },
      data: {
        status: report.reachable ? (report.error ? "error" : "ok") : "unreachable",
        version: report.reachable ? report.version : undefined,
        lastError: report.error,
        lastPolledAt: now,
        ...(report.reachable ? { lastSeenAt: now } : {}),
      },
    });
    // An unreachable host keeps its last known models: the inventory shows them as of lastSeenAt.
    if (!report.reachable) return;
    const names = report.models.map((m) => m.name);
    await tx.hostModel.deleteMany({ where: { hostId, name: { notIn: names } } });
    for (const m of report.models) {
      const data = {
        digest: m.digest,
        sizeBytes: m.sizeBytes === null ? null : BigInt(m.sizeBytes),
        loaded: m.loaded,
        loadedBytes: m.loadedBytes === null ? null : BigInt(m.loadedBytes),
        vramBytes: m.vramBytes === null ? null : BigInt(m.vramBytes),
        status: m.status,
        detailsJson: JSON.stringify(m.details),
        lastSeenAt: now,
      };
      await tx.hostModel.upsert({ where: { hostId_name: { hostId, name: m.name } }, create: { hostId, name: m.name, ...data }, update: data });
    }
  });
}

export function hostHandlers(runtime: HostsRuntime) {
  const pollHost = handleJob(pollHostJob, async (ctx, { hostId }) => {
    const row = await loadHost(ctx.db, hostId);
    if (!row.enabled) return { skipped: "host disabled" };
    const host = hostTargetFromRow(row);
    const report = await runtime.driverFor(host.kind).poll(host, { timeoutMs: runtime.requestTimeoutMs(), signal: ctx.signal });
    await recordPoll(ctx, hostId, report);
    let reconcile: number | null = null;
    if (report.reachable && row.autoReconcile) {
      const plan = await getReconcilePlan(ctx.db, hostId);
      if (plan && plan.toPush.length + plan.toRemove.length > 0) {
        reconcile = (await enqueueJob(ctx.db, reconcileHostJob.name, { hostId }, { priority: RECONCILE_PRIORITY })).id;
      }
    }
    return { reachable: report.reachable, version: report.version, models: report.models.length, error: report.error, reconcileJobId: reconcile };
  });

  const pushModel = handleJob(pushModelJob, async (ctx, payload) => {
    const row = await loadHost(ctx.db, payload.hostId);
    if (!row.enabled) throw new AppError("conflict", `host ${row.name} is disabled`);
    const host = hostTargetFromRow(row);
    const ref = (await loadModelRefs(ctx.db)).find((r) => r.ref === payload.ref && r.modelId === payload.modelId);
    if (!ref) throw new AppError("conflict", `${payload.ref} no longer names model ${payload.modelId} in the catalogue; push it again`);
    const source = await loadPushSource(ctx.db, ref, { hostProfileId: row.hostProfileId });
    const notes: string[] = [];
    const method = payload.method as PushMethod;
    const outcome = await runtime.driverFor(host.kind).push(host, source, method, pushContext(ctx, runtime, notes), { ...runtime.extras(), load: payload.load });
    const sizeBytes = outcome.sizeBytes === null ? null : BigInt(outcome.sizeBytes);
    await ctx.withLease(async (tx) => {
      const data = {
        modelId: source.modelId,
        ref: source.ref,
        method,
        hostDigest: outcome.hostDigest,
        sizeBytes,
        pathsJson: JSON.stringify(outcome.paths),
        jobId: ctx.jobId,
        confirmedAt: new Date(),
      };
      await tx.deployment.upsert({ where: { hostId_hostName: { hostId: host.id, hostName: outcome.hostName } }, create: { hostId: host.id, hostName: outcome.hostName, ...data }, update: data });
      // The inventory shows it even if the poll below cannot reach the host.
      const modelData = { digest: outcome.hostDigest, sizeBytes, status: host.kind === "ollama" ? "present" : "unloaded", lastSeenAt: new Date() };
      await tx.hostModel.upsert({
        where: { hostId_name: { hostId: host.id, name: outcome.hostName } },
        create: { hostId: host.id, name: outcome.hostName, ...modelData },
        update: modelData,
      });
    });
    // Refresh the host's list now (loaded state, sizes, details) rather than at the next scheduled poll.
    const report = await runtime.driverFor(host.kind).poll(host, { timeoutMs: runtime.requestTimeoutMs(), signal: ctx.signal });
    if (report.reachable) await recordPoll(ctx, host.id, report);
    return { host: host.name, ref: source.ref, method, hostName: outcome.hostName, hostDigest: outcome.hostDigest, paths: outcome.paths, notes };
  });

  const removeModel = handleJob(removeModelJob, async (ctx, { hostId, hostName }) => {
    const row = await loadHost(ctx.db, hostId);
    const host = hostTargetFromRow(row);
    const deployment = await ctx.db.deployment.findUnique({ where: { hostId_hostName: { hostId, hostName } } });
    const notes: string[] = [];
    let paths: string[] = [];
    if (deployment) {
      const parsed: unknown = JSON.parse(deployment.pathsJson);
      paths = Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === "string") : [];
    }
    await runtime.driverFor(host.kind).remove(host, { hostName, method: (deployment?.method as PushMethod | undefined) ?? null, paths }, pushContext(ctx, runtime, notes));
    await ctx.withLease(async (tx) => {
      await tx.deployment.deleteMany({ where: { hostId, hostName } });
      await tx.hostModel.deleteMany({ where: { hostId, name: hostName } });
    });
    return { host: host.name, removed: hostName, notes };
  });

  const reconcileHost = handleJob(reconcileHostJob, async (ctx, { hostId }) => {
    const row = await loadHost(ctx.db, hostId);
    if (!row.enabled) return { skipped: "host disabled" };
    const host = hostTargetFromRow(row);
    // Judge drift on the host's state now, not on the last scheduled poll.
    const report = await runtime.driverFor(host.kind).poll(host, { timeoutMs: runtime.requestTimeoutMs(), signal: ctx.signal });
    await recordPoll(ctx, hostId, report);
    if (!report.reachable) throw new AppError("unavailable", `${host.name} is unreachable: ${report.error ?? "no answer"}`, { retryable: true });
    const plan = await getReconcilePlan(ctx.db, hostId);
    if (!plan) throw new AppError("not-found", `host ${hostId} no longer exists`);
    const methods = new Map((await ctx.db.assignment.findMany({ where: { hostId } })).map((a) => [a.modelId, a.method]));
    const pushes: number[] = [];
    for (const item of plan.toPush) {
      const assigned = methods.get(item.modelId);
      const method = assigned && assigned !== "auto" ? assigned : defaultPushMethod(host.kind, host.delivery);
      pushes.push((await enqueueJob(ctx.db, pushModelJob.name, { hostId, modelId: item.modelId, ref: item.ref, method }, { priority: RECONCILE_PRIORITY })).id);
    }
    const removals: number[] = [];
    for (const item of plan.toRemove) {
      removals.push((await enqueueJob(ctx.db, removeModelJob.name, { hostId, hostName: item.hostName }, { priority: RECONCILE_PRIORITY })).id);
    }
    return { host: host.name, pushJobIds: pushes, removeJobIds: removals };
  });

  return [pollHost, pushModel, removeModel, reconcileHost];
}
