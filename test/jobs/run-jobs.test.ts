import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob as declareJob, handleJob, type JobContext, type JobDefinition } from "../../lib/jobs/define-job.ts";
import { backoffMs, claimNextJob, reclaimExpiredLeases, runJobs } from "../../lib/jobs/run-jobs.ts";
import { AppError } from "../../lib/errors.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

/** A test job: declaration and handler in one. */
function defineJob<S extends z.ZodType>(job: { name: string; schema: S; run: (ctx: JobContext, payload: z.infer<S>) => Promise<unknown> }): JobDefinition {
  return handleJob(declareJob({ name: job.name, schema: job.schema }), job.run);
}

let temp: TempDb;
beforeEach(async () => {
  temp = await createTempDb();
});
afterEach(async () => {
  await temp.cleanup();
});

async function insertJob(name: string, payload: unknown, extra: { priority?: number; maxAttempts?: number } = {}) {
  return temp.db.job.create({ data: { name, payloadJson: JSON.stringify(payload), ...extra } });
}

/** What a worker killed with -9 leaves behind: a lease nobody renews. */
async function expireLease(id: number) {
  await temp.db.job.update({ where: { id }, data: { leaseExpiresAt: new Date(Date.now() - 1_000) } });
}

async function runUntil(jobs: JobDefinition[], done: () => Promise<boolean>, timeoutMs = 10_000) {
  const controller = new AbortController();
  const loop = runJobs({ db: temp.db, jobs, signal: controller.signal, pollMs: 20, leaseMs: 3_000 });
  const started = Date.now();
  while (!(await done())) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting for jobs");
    await new Promise((r) => setTimeout(r, 20));
  }
  controller.abort();
  await loop;
}

describe("job runner", () => {
  it("runs a queued job and records its result once", async () => {
    const job = defineJob({ name: "test.echo", schema: z.object({ n: z.number() }), run: async (_ctx, p) => ({ doubled: p.n * 2 }) });
    const row = await insertJob("test.echo", { n: 21 });
    await runUntil([job as unknown as JobDefinition], async () => (await temp.db.job.findUniqueOrThrow({ where: { id: row.id } })).state === "succeeded");
    const done = await temp.db.job.findUniqueOrThrow({ where: { id: row.id } });
    expect(JSON.parse(done.resultJson!)).toEqual({ doubled: 42 });
    expect(done.attempts).toBe(1);
    expect(done.leaseOwner).toBeNull();
  });

  it("fails a non-retryable AppError at once", async () => {
    const job = defineJob({
      name: "test.broken",
      schema: z.object({}),
      run: async () => {
        throw new AppError("corrupt-file", "bad magic at byte 0");
      },
    });
    const row = await insertJob("test.broken", {});
    await runUntil([job as unknown as JobDefinition], async () => (await temp.db.job.findUniqueOrThrow({ where: { id: row.id } })).state === "failed");
    const failed = await temp.db.job.findUniqueOrThrow({ where: { id: row.id } });
    expect(failed.attempts).toBe(1);
    expect(failed.lastError).toContain("bad magic");
  });

  it("re-queues a retryable error with backoff", async () => {
    const job = defineJob({
      name: "test.flaky",
      schema: z.object({}),
      run: async () => {
        throw new Error("EIO");
      },
    });
    const row = await insertJob("test.flaky", {});
    await runUntil([job as unknown as JobDefinition], async () => {
      const current = await temp.db.job.findUniqueOrThrow({ where: { id: row.id } });
      return current.state === "queued" && current.attempts === 1;
    });
    const queued = await temp.db.job.findUniqueOrThrow({ where: { id: row.id } });
    expect(queued.runAfter.getTime()).toBeGreaterThan(Date.now() + backoffMs(1) - 2_000);
    expect(queued.lastError).toBe("EIO");
  });

  it("claims higher-priority jobs first", async () => {
    await insertJob("test.echo", { n: 1 }, { priority: 0 });
    const urgent = await insertJob("test.echo", { n: 2 }, { priority: 10 });
    const claimed = await claimNextJob(temp.db, ["test.echo"], "w1", 60_000);
    expect(claimed?.id).toBe(urgent.id);
  });

  it("lets only one of two workers claim the same job", async () => {
    await insertJob("test.echo", { n: 1 });
    const [a, b] = await Promise.all([
      claimNextJob(temp.db, ["test.echo"], "w1", 60_000),
      claimNextJob(temp.db, ["test.echo"], "w2", 60_000),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
  });

  it("re-queues a job whose worker stopped renewing its lease", async () => {
    const row = await insertJob("test.echo", { n: 1 });
    await claimNextJob(temp.db, ["test.echo"], "dead-worker", 1_000);
    await expireLease(row.id);
    expect(await reclaimExpiredLeases(temp.db)).toBe(1);
    const again = await temp.db.job.findUniqueOrThrow({ where: { id: row.id } });
    expect(again.state).toBe("queued");
    expect(again.lastError).toContain("dead-worker");
  });

  it("fails a reclaimed job that is out of attempts", async () => {
    const row = await insertJob("test.echo", { n: 1 }, { maxAttempts: 1 });
    await claimNextJob(temp.db, ["test.echo"], "dead-worker", 1_000);
    await expireLease(row.id);
    await reclaimExpiredLeases(temp.db);
    expect((await temp.db.job.findUniqueOrThrow({ where: { id: row.id } })).state).toBe("failed");
  });
});

describe("job runner: deferral, cancellation, lease-checked writes", () => {
  it("puts a deferred job back in the queue without using an attempt", async () => {
    const { JobDeferral } = await import("../../lib/jobs/define-job.ts");
    const later = new Date(Date.now() + 3_600_000);
    const job = defineJob({
      name: "test.wait",
      schema: z.object({}),
      run: async () => {
        throw new JobDeferral(later, "outside the window");
      },
    });
    const row = await insertJob("test.wait", {});
    await runUntil([job as unknown as JobDefinition], async () => {
      const current = await temp.db.job.findUniqueOrThrow({ where: { id: row.id } });
      return current.state === "queued" && current.lastError !== null;
    });
    const deferred = await temp.db.job.findUniqueOrThrow({ where: { id: row.id } });
    expect(deferred).toMatchObject({ attempts: 0, lastError: "deferred: outside the window" });
    expect(deferred.runAfter.getTime()).toBe(later.getTime());
  });

  it("cancels a running job at its next heartbeat", async () => {
    let sawAbort = false;
    const job = defineJob({
      name: "test.long",
      schema: z.object({}),
      run: async (ctx) => {
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        sawAbort = true;
        throw new Error("aborted");
      },
    });
    const row = await insertJob("test.long", {});
    const controller = new AbortController();
    const loop = runJobs({ db: temp.db, jobs: [job as unknown as JobDefinition], signal: controller.signal, pollMs: 20, leaseMs: 600 });
    await expect.poll(async () => (await temp.db.job.findUniqueOrThrow({ where: { id: row.id } })).state).toBe("running");
    await temp.db.job.update({ where: { id: row.id }, data: { cancelRequested: true } });
    await expect.poll(async () => (await temp.db.job.findUniqueOrThrow({ where: { id: row.id } })).state, { timeout: 5_000 }).toBe("cancelled");
    controller.abort();
    await loop;
    expect(sawAbort).toBe(true);
  });

  it("refuses to record a result once another worker holds the lease", async () => {
    const job = defineJob({
      name: "test.slow-write",
      schema: z.object({}),
      run: async (ctx) => {
        // Simulate being declared dead: another worker took the job over.
        await temp.db.job.update({ where: { id: ctx.jobId }, data: { leaseOwner: "someone-else" } });
        return ctx.withLease(async (tx) => tx.auditEntry.create({ data: { actor: "t", action: "x", inputJson: "{}", outcome: "ok" } }));
      },
    });
    const row = await insertJob("test.slow-write", {});
    const controller = new AbortController();
    const loop = runJobs({ db: temp.db, jobs: [job as unknown as JobDefinition], signal: controller.signal, pollMs: 20, leaseMs: 3_000 });
    await expect.poll(async () => (await temp.db.job.findUniqueOrThrow({ where: { id: row.id } })).leaseOwner).toBe("someone-else");
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    await loop;
    expect(await temp.db.auditEntry.count()).toBe(0);
  });

  it("reports a progress rate from successive progress updates", async () => {
    const job = defineJob({
      name: "test.progress",
      schema: z.object({}),
      run: async (ctx) => {
        await ctx.progress(0, 1000, "bytes");
        await new Promise((r) => setTimeout(r, 600));
        await ctx.progress(600, 1000, "bytes");
        return null;
      },
    });
    const row = await insertJob("test.progress", {});
    await runUntil([job as unknown as JobDefinition], async () => (await temp.db.job.findUniqueOrThrow({ where: { id: row.id } })).state === "succeeded");
    const done = await temp.db.job.findUniqueOrThrow({ where: { id: row.id } });
    expect(done.progressDone).toBe(600);
    expect(done.progressRate).toBeGreaterThan(500);
    expect(done.progressRate).toBeLessThan(1100);
  });
});

describe("job registry", () => {
  it("gives every declared job a handler in the workers", async () => {
    const { assertEveryJobHasHandler, jobHandlers } = await import("../../lib/jobs/worker-handlers.ts");
    expect(() => assertEveryJobHasHandler()).not.toThrow();
    expect(jobHandlers.map((job) => job.name).sort()).toEqual([
      "catalog.scan-library",
      "hashing.verify-file",
      "hosts.poll-host",
      "hosts.push-model",
      "hosts.reconcile-host",
      "hosts.remove-model",
      "nfs.probe-nas",
    ]);
    expect(() => assertEveryJobHasHandler([])).toThrow(/catalog.scan-library, hashing.verify-file, nfs.probe-nas, hosts.poll-host/);
  });

  it("refuses to enqueue a job name nobody declared", async () => {
    const { enqueueJob } = await import("../../lib/jobs/enqueue-job.ts");
    await expect(enqueueJob(temp.db, "catalog.frobnicate", {})).rejects.toThrow(/unknown job/);
  });
});
