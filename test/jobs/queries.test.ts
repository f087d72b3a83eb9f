// Jobs read-side: totals, per-state lists in the order that matters, human
// names with resolved targets, progress with rate and ETA, on the seeded catalogue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db/client.ts";
import { jobTitle, listJobs, parseJobListParams } from "../../lib/jobs/queries.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";
import { seedCatalog, type SeededCatalog } from "../helpers/seed-catalog.ts";

let temp: TempDb;
let seeded: SeededCatalog;

beforeAll(async () => {
  temp = await createTempDb("modelshelf-job-queries-");
  seeded = await seedCatalog(temp.db);
});

afterAll(async () => {
  await temp.cleanup();
});

describe("listJobs", () => {
  it("counts jobs in every state", async () => {
    const list = await listJobs(temp.db);
    expect(list.totals).toEqual({ running: 1, queued: 2, failed: 3, cancelled: 1, succeeded: 4 });
  });

  it("names verify jobs after the file they hash and scan jobs after their library", async () => {
    const list = await listJobs(temp.db);
    const running = list.jobs.running[0];
    expect(running).toMatchObject({ id: seeded.jobs.running, title: "Verify file", trigger: "manual" });
    expect(running?.target).toMatchObject({
      kind: "file",
      label: "/srv/nas/models/qwen/Qwen2.5-72B-Instruct-Q4_K_M-00003-of-00003.gguf",
      modelName: "Qwen2.5 72B Instruct",
      modelId: seeded.models.qwen72Split,
    });
    const scan = list.jobs.succeeded.find((j) => j.id === seeded.jobs.succeededScan);
    expect(scan).toMatchObject({ title: "Scan library", trigger: "schedule", target: { kind: "library", label: "nas-models (/srv/nas/models)" } });
  });

  it("reports a running job's progress with its rate and the time left", async () => {
    const running = (await listJobs(temp.db)).jobs.running[0];
    expect(running?.progress).toMatchObject({ total: 15_805_238_613, unit: "bytes", rate: 85_000_000 });
    expect(running?.progress?.fraction).toBeCloseTo(0.42, 5);
    // 58 % of 15.8 GB at 85 MB/s.
    expect(running?.progress?.etaSeconds).toBeCloseTo((15_805_238_613 * 0.58) / 85_000_000, 0);
  });

  it("lists queued jobs in claim order and marks those waiting for a later time as deferred", async () => {
    const queued = (await listJobs(temp.db)).jobs.queued;
    expect(queued.map((j) => j.id)).toEqual([seeded.jobs.queuedManual, seeded.jobs.queuedDeferred]);
    expect(queued.map((j) => j.deferred)).toEqual([false, true]);
    expect(queued[1]).toMatchObject({ priority: -10, trigger: "scrub", lastError: "deferred: outside the scrub window 01:00-06:00" });
  });

  it("lists failed jobs newest first with their error and attempts", async () => {
    const failed = (await listJobs(temp.db)).jobs.failed;
    expect(failed.map((j) => j.id)).toEqual([seeded.jobs.failed, seeded.jobs.failedScan, seeded.nasProbes.failed]);
    expect(failed[0]).toMatchObject({ attempts: 3, maxAttempts: 3 });
    expect(failed[0]?.lastError).toContain("no answer within 15000 ms");
  });

  it("lists only the requested state and at most `limit` jobs per state, with full totals", async () => {
    const list = await listJobs(temp.db, { state: "succeeded", limit: 2 });
    expect(list.jobs.succeeded).toHaveLength(2);
    expect(list.jobs.running).toEqual([]);
    expect(list.totals.succeeded).toBe(4);
    expect(list).toMatchObject({ state: "succeeded", limit: 2 });
  });

  it("serialises to JSON (no BigInt, ISO dates)", async () => {
    const list = await listJobs(temp.db);
    const parsed = JSON.parse(JSON.stringify(list)) as typeof list;
    expect(parsed.jobs.running[0]?.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("resolves every target with one lookup per kind, however many jobs are listed", async () => {
    const fileIds = Object.values(seeded.files);
    const extra = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        temp.db.job.create({
          data: { name: "hashing.verify-file", payloadJson: JSON.stringify({ fileId: fileIds[i % fileIds.length], trigger: "scrub" }), state: "succeeded", finishedAt: new Date() },
        }),
      ),
    );
    try {
      const calls: string[] = [];
      const counting = new Proxy(temp.db, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver) as unknown;
          if (property !== "libraryFile" && property !== "library") return value;
          return new Proxy(value as object, {
            get(model, method, r) {
              const fn = Reflect.get(model, method, r) as unknown;
              if (typeof fn !== "function") return fn;
              return (...args: unknown[]) => {
                calls.push(`${String(property)}.${String(method)}`);
                return (fn as (...a: unknown[]) => unknown).apply(model, args);
              };
            },
          });
        },
      }) as Db;
      const list = await listJobs(counting, { limit: 100 });
      expect(list.jobs.succeeded.length).toBeGreaterThan(40);
      expect(calls.sort()).toEqual(["library.findMany", "libraryFile.findMany"]);
    } finally {
      await temp.db.job.deleteMany({ where: { id: { in: extra.map((j) => j.id) } } });
    }
  });

  it("shows a job whose file left the catalogue without failing", async () => {
    const orphan = await temp.db.job.create({
      data: { name: "hashing.verify-file", payloadJson: JSON.stringify({ fileId: 999_999, trigger: "scan" }), state: "failed", finishedAt: new Date() },
    });
    try {
      const failed = (await listJobs(temp.db, { state: "failed" })).jobs.failed;
      expect(failed.find((j) => j.id === orphan.id)?.target).toMatchObject({ kind: "file", gone: true, label: "file #999999 (no longer catalogued)" });
    } finally {
      await temp.db.job.delete({ where: { id: orphan.id } });
    }
  });

  it("names hosts jobs after the model and the host, and a removed host as such", async () => {
    const host = await temp.db.inferenceHost.create({ data: { name: "gpu1", kind: "ollama", baseUrl: "http://10.0.0.5:11434" } });
    const push = await temp.db.job.create({ data: { name: "hosts.push-model", payloadJson: JSON.stringify({ hostId: host.id, modelId: 1, ref: "lib/x:q4_0", method: "upload" }), state: "failed", finishedAt: new Date() } });
    const gone = await temp.db.job.create({ data: { name: "hosts.poll-host", payloadJson: JSON.stringify({ hostId: 424_242 }), state: "failed", finishedAt: new Date() } });
    try {
      const failed = (await listJobs(temp.db, { state: "failed" })).jobs.failed;
      expect(failed.find((j) => j.id === push.id)?.target).toMatchObject({ kind: "host", hostId: host.id, label: "lib/x:q4_0 → host gpu1", gone: false });
      expect(failed.find((j) => j.id === gone.id)?.target).toMatchObject({ label: "host #424242 (removed)", gone: true });
    } finally {
      await temp.db.job.deleteMany({ where: { id: { in: [push.id, gone.id] } } });
      await temp.db.inferenceHost.delete({ where: { id: host.id } });
    }
  });
});

describe("parseJobListParams", () => {
  it("accepts a state and a limit", () => {
    expect(parseJobListParams(new URLSearchParams("state=failed&limit=10"))).toEqual({ success: true, params: { state: "failed", limit: 10 } });
  });

  it("rejects an unknown state and an oversized limit with a message naming the parameter", () => {
    const bad = parseJobListParams(new URLSearchParams("state=exploded&limit=100000"));
    expect(bad.success).toBe(false);
    if (!bad.success) {
      expect(bad.message).toContain("state");
      expect(bad.message).toContain("limit: must be at most 500");
    }
  });
});

describe("jobTitle", () => {
  it("reads job names as words and leaves unknown names alone", () => {
    expect(jobTitle("catalog.scan-library")).toBe("Scan library");
    expect(jobTitle("registry.unknown-job")).toBe("registry.unknown-job");
  });

  it("names the host, model and method of hosts jobs, which have no file or library target", () => {
    expect(jobTitle("hosts.push-model", { hostId: 3, modelId: 4, ref: "library/qwen2.5:7b", method: "upload" })).toBe("Push model library/qwen2.5:7b to host #3 by upload");
    expect(jobTitle("hosts.remove-model", { hostId: 3, hostName: "qwen2.5:7b" })).toBe("Remove model qwen2.5:7b from host #3");
    expect(jobTitle("hosts.poll-host", { hostId: 3 })).toBe("Poll host #3");
    expect(jobTitle("hosts.reconcile-host", { hostId: 3 })).toBe("Reconcile host #3");
  });
});
