// NAS check read-side: recent nfs.probe-nas jobs with their stored results,
// parsed for the page, on the seeded catalogue; corrupt rows never break the list.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getNasProbe, listNasProbes } from "../../lib/nfs/queries.ts";
import { ROOT_SQUASH_EXPLANATION, seedCatalog, type SeededCatalog } from "../helpers/seed-catalog.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

let temp: TempDb;
let seeded: SeededCatalog;

beforeAll(async () => {
  temp = await createTempDb("modelshelf-nas-queries-");
  seeded = await seedCatalog(temp.db);
});

afterAll(async () => {
  await temp.cleanup();
});

const probeJob = (data: { payloadJson: string; state: string; resultJson?: string | null; lastError?: string; createdAt?: Date }) =>
  temp.db.job.create({
    data: {
      name: "nfs.probe-nas",
      payloadJson: data.payloadJson,
      state: data.state,
      maxAttempts: 1,
      resultJson: data.resultJson ?? null,
      lastError: data.lastError ?? null,
      createdAt: data.createdAt ?? new Date(),
      startedAt: data.state === "queued" ? null : new Date(),
      finishedAt: data.state === "queued" || data.state === "running" ? null : new Date(),
    },
  });

describe("listNasProbes", () => {
  it("lists only NAS checks, newest first", async () => {
    const runs = await listNasProbes(temp.db);
    expect(runs.map((r) => r.jobId)).toEqual([seeded.nasProbes.succeeded, seeded.nasProbes.failed]);
  });

  it("parses a finished check's result: services, exports, FSSTAT, FSINFO and every step", async () => {
    const [run] = await listNasProbes(temp.db, 1);
    expect(run).toMatchObject({ state: "succeeded", active: false, host: "nas.lan", error: null });
    expect(run?.input).toEqual({ host: "nas.lan", exportPath: "/volume1/models", uid: 0, gid: 0, timeoutMs: 10_000, sampleMegabytes: 64 });
    expect(run?.durationMs).toBe(2_100);
    const result = run?.result;
    expect(result).toMatchObject({ reachable: true, nfsVersions: [3, 4], mountVersions: [1, 3] });
    expect(result?.exports.map((e) => e.path)).toEqual(["/volume1/models", "/volume1/ollama", "/volume1/backup"]);
    expect(result?.export?.fsstat?.availableBytes).toBe(4.5 * 2 ** 40);
    expect(result?.export?.fsinfo).toMatchObject({ rtmax: 131_072, rtpref: 131_072 });
    expect(result?.steps.map((s) => [s.step, s.ok])).toEqual([
      ["portmapper", true],
      ["exports", true],
      ["mount", true],
      ["fsstat", true],
      ["fsinfo", true],
      ["throughput", false],
    ]);
    expect(result?.steps[5]?.explanation).toBe(ROOT_SQUASH_EXPLANATION);
  });

  it("reports a failed check with the job's error and no result", async () => {
    const failed = (await listNasProbes(temp.db)).find((r) => r.jobId === seeded.nasProbes.failed);
    expect(failed).toMatchObject({ state: "failed", host: "nas-old.lan", result: null, error: "worker indexer@modelshelf:2211 stopped responding; out of attempts" });
  });

  it("marks queued and running checks as active, without an error", async () => {
    const queued = await probeJob({ payloadJson: JSON.stringify({ host: "10.0.0.9", uid: 0, gid: 0, timeoutMs: 5000, sampleMegabytes: 0 }), state: "queued" });
    try {
      const run = await getNasProbe(temp.db, queued.id);
      expect(run).toMatchObject({ state: "queued", active: true, host: "10.0.0.9", result: null, error: null, finishedAt: null });
    } finally {
      await temp.db.job.delete({ where: { id: queued.id } });
    }
  });

  it("tolerates a malformed result or payload row: the row is listed with a reason, the others still parse", async () => {
    const later = new Date(Date.now() + 60_000);
    const truncated = await probeJob({ payloadJson: JSON.stringify({ host: "nas.lan" }), state: "succeeded", resultJson: '{"host":"nas.lan","reach', createdAt: later });
    const wrongShape = await probeJob({ payloadJson: "not json", state: "succeeded", resultJson: JSON.stringify({ host: "x", reachable: "yes" }), createdAt: later });
    const hostile = await probeJob({ payloadJson: JSON.stringify({ host: "nas.lan; rm -rf /" }), state: "succeeded", resultJson: null, createdAt: later });
    try {
      const runs = await listNasProbes(temp.db);
      const byId = new Map(runs.map((r) => [r.jobId, r]));
      expect(byId.get(truncated.id)).toMatchObject({ result: null, host: "nas.lan", input: expect.objectContaining({ host: "nas.lan", uid: 0 }) });
      expect(byId.get(truncated.id)?.error).toMatch(/^the stored result is unreadable/);
      expect(byId.get(wrongShape.id)).toMatchObject({ result: null, input: null, host: "?" });
      expect(byId.get(wrongShape.id)?.error).toContain("reachable");
      // A payload the schema refuses is not trusted as input, but its host is still shown.
      expect(byId.get(hostile.id)).toMatchObject({ input: null, host: "nas.lan; rm -rf /", error: "the check finished without a stored result" });
      expect(byId.get(seeded.nasProbes.succeeded)?.result?.reachable).toBe(true);
    } finally {
      await temp.db.job.deleteMany({ where: { id: { in: [truncated.id, wrongShape.id, hostile.id] } } });
    }
  });

  it("caps the limit and ignores other kinds of jobs", async () => {
    expect(await listNasProbes(temp.db, 1)).toHaveLength(1);
    expect(await listNasProbes(temp.db, 10_000)).toHaveLength(2);
    expect(await getNasProbe(temp.db, seeded.jobs.succeededScan)).toBeNull();
    expect(await getNasProbe(temp.db, 999_999)).toBeNull();
  });
});
