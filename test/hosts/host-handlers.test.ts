// The hosts.* job handlers with a scripted driver: what gets recorded from a
// poll, that only a confirmed push leaves a deployment, and what a reconcile
// queues. (The real drivers are tested against real peers elsewhere.)
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { localAdminActor } from "../../lib/actions/define-action.ts";
import { AppError } from "../../lib/errors.ts";
import type { HostDriver } from "../../lib/hosts/host-driver.ts";
import { requestPoll, requestPush, requestReconcile, requestRemove, saveHost, setAssignment } from "../../lib/hosts/host-actions.ts";
import { hostHandlers, type HostsRuntime } from "../../lib/hosts/host-handlers.ts";
import { getHost, getInventory } from "../../lib/hosts/queries.ts";
import type { PollReport, PushOutcome } from "../../lib/hosts/types.ts";
import { runJobToEnd } from "../../lib/jobs/run-jobs.ts";
import { createPushableLibrary, tinyLlama, type PushableLibrary } from "../helpers/pushable-library.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

let temp: TempDb;
let library: PushableLibrary;
const ctx = () => ({ db: temp.db, actor: localAdminActor() });

/** A host that answers from a script: each call takes the next scripted answer (or the default). */
class ScriptedHost implements HostDriver {
  models: PollReport["models"] = [];
  reachable = true;
  pushFailures: Error[] = [];
  calls: string[] = [];
  async poll(): Promise<PollReport> {
    this.calls.push("poll");
    return this.reachable ? { reachable: true, version: "0.12.0", error: null, models: this.models } : { reachable: false, version: null, error: "connect ECONNREFUSED", models: [] };
  }
  async push(_host: unknown, source: { ref: string; files: Array<{ sizeBytes: number }> }, method: string): Promise<PushOutcome> {
    this.calls.push(`push ${source.ref} ${method}`);
    const failure = this.pushFailures.shift();
    if (failure) throw failure;
    const size = source.files.reduce((sum, f) => sum + f.sizeBytes, 0);
    this.models.push({ name: source.ref, digest: "c".repeat(64), sizeBytes: size, loaded: false, loadedBytes: null, vramBytes: null, status: "present", details: {} });
    return { hostName: source.ref, hostDigest: "c".repeat(64), sizeBytes: size, paths: [] };
  }
  async remove(_host: unknown, target: { hostName: string }): Promise<void> {
    this.calls.push(`remove ${target.hostName}`);
    this.models = this.models.filter((m) => m.name !== target.hostName);
  }
}

let driver: ScriptedHost;
const runtime: HostsRuntime = {
  driverFor: () => driver,
  extras: () => ({ registryUrl: null, load: false }),
  throttle: null,
  requestTimeoutMs: () => 2_000,
  fsTimeoutMs: 5_000,
};
const run = (jobId: number) => runJobToEnd({ db: temp.db, jobId, jobs: hostHandlers(runtime), leaseMs: 10_000, signal: new AbortController().signal });
let hostId: number;

beforeAll(async () => {
  temp = await createTempDb("modelshelf-host-handlers-");
  library = await createPushableLibrary(temp.db, path.join(temp.dir, "models"), { "Alpha-F16.gguf": tinyLlama(1, "Alpha"), "Beta-F16.gguf": tinyLlama(2, "Beta") });
});
afterAll(async () => {
  await temp.cleanup();
});
beforeEach(async () => {
  driver = new ScriptedHost();
  await temp.db.inferenceHost.deleteMany();
  await temp.db.job.deleteMany();
  hostId = (await saveHost(ctx(), { host: { name: "gpu1", kind: "ollama", baseUrl: "http://127.0.0.1:9" } })).id;
});

describe("hosts.poll-host", () => {
  it("records the host's version and models, and replaces the previous list", async () => {
    driver.models = [{ name: "llama3:latest", digest: "1".repeat(64), sizeBytes: 10, loaded: true, loadedBytes: 20, vramBytes: 5, status: "present", details: { family: "llama" } }];
    const job = await requestPoll(ctx(), { hostId });
    expect((await run(job.jobId)).state).toBe("succeeded");
    let host = await getHost(temp.db, hostId);
    expect(host).toMatchObject({ status: "ok", version: "0.12.0", modelCount: 1, loadedCount: 1 });
    expect(host!.models[0]).toMatchObject({ name: "llama3:latest", loaded: true, loadedBytes: 20, ref: null, details: { family: "llama" } });

    driver.models = [];
    await run((await requestPoll(ctx(), { hostId })).jobId);
    host = await getHost(temp.db, hostId);
    expect(host!.models).toEqual([]);
  });

  it("keeps the last known models of an unreachable host and says why", async () => {
    driver.models = [{ name: "llama3:latest", digest: null, sizeBytes: null, loaded: false, loadedBytes: null, vramBytes: null, status: "present", details: {} }];
    await run((await requestPoll(ctx(), { hostId })).jobId);
    driver.reachable = false;
    await run((await requestPoll(ctx(), { hostId })).jobId);
    const host = await getHost(temp.db, hostId);
    expect(host).toMatchObject({ status: "unreachable", lastError: "connect ECONNREFUSED", modelCount: 1 });
  });
});

describe("hosts.push-model", () => {
  it("records a deployment only after the driver confirms, and the inventory shows the model present", async () => {
    const ref = library.refOf("alpha");
    const job = await requestPush(ctx(), { hostId, model: ref.ref });
    expect(job.method).toBe("upload");
    const end = await run(job.jobId);
    expect(end.state).toBe("succeeded");
    expect(JSON.parse(end.resultJson!)).toMatchObject({ ref: ref.ref, hostName: ref.ref, method: "upload" });
    const inventory = await getInventory(temp.db);
    expect(inventory.cells[hostId]![ref.ref]).toMatchObject({ state: "present" });
    expect(await temp.db.deployment.count({ where: { hostId } })).toBe(1);
    // The host is polled right after the push, so its list is current without waiting for the schedule.
    expect(driver.calls.slice(-2)).toEqual([`push ${ref.ref} upload`, "poll"]);
  });

  it("leaves nothing recorded when the host refuses the push", async () => {
    driver.pushFailures = [new AppError("invalid-input", 'digest mismatch, expected "sha256:aa", got "sha256:bb"')];
    const end = await run((await requestPush(ctx(), { hostId, model: library.refOf("beta").ref })).jobId);
    expect(end).toMatchObject({ state: "failed", lastError: expect.stringContaining("digest mismatch") });
    expect(await temp.db.deployment.count({ where: { hostId } })).toBe(0);
    expect(await temp.db.hostModel.count({ where: { hostId } })).toBe(0);
  });

  it("retries a transient failure and records the push once", async () => {
    driver.pushFailures = [new AppError("unavailable", "connection reset mid-upload", { retryable: true })];
    const job = await requestPush(ctx(), { hostId, model: library.refOf("beta").ref });
    const end = await run(job.jobId);
    expect(end.state).toBe("succeeded");
    expect(await temp.db.job.findUnique({ where: { id: job.jobId } })).toMatchObject({ attempts: 2 });
    expect(driver.calls.filter((c) => c.startsWith("push"))).toHaveLength(2);
    expect(await temp.db.deployment.count({ where: { hostId } })).toBe(1);
  }, 30_000);

  it("refuses methods the host kind cannot receive, and unknown models, before queueing", async () => {
    await expect(requestPush(ctx(), { hostId, model: library.refOf("alpha").ref, method: "copy" })).rejects.toMatchObject({ code: "invalid-input", message: expect.stringContaining("upload or pull") });
    await expect(requestPush(ctx(), { hostId, model: "nope/missing:tag" })).rejects.toMatchObject({ code: "not-found" });
    expect(await temp.db.job.count({ where: { name: "hosts.push-model" } })).toBe(0);
  });

  it("refuses a model whose files are not verified", async () => {
    const ref = library.refOf("alpha");
    await temp.db.libraryFile.updateMany({ where: { modelId: ref.modelId }, data: { verifyState: "mismatch" } });
    try {
      await expect(requestPush(ctx(), { hostId, model: ref.ref })).rejects.toMatchObject({ code: "conflict", message: expect.stringContaining("verified") });
    } finally {
      await temp.db.libraryFile.updateMany({ where: { modelId: ref.modelId }, data: { verifyState: "verified" } });
    }
  });
});

describe("hosts.remove-model and hosts.reconcile-host", () => {
  it("reconciles assignments: pushes what is missing, removes only what ModelShelf put there and is no longer assigned", async () => {
    const alpha = library.refOf("alpha");
    const beta = library.refOf("beta");
    await run((await requestPush(ctx(), { hostId, model: alpha.ref })).jobId);
    driver.models.push({ name: "llama3:latest", digest: null, sizeBytes: null, loaded: false, loadedBytes: null, vramBytes: null, status: "present", details: {} });
    // A push assigns; taking the assignment away is what makes ModelShelf's copy surplus.
    expect((await getHost(temp.db, hostId))!.assignments.map((a) => a.ref)).toEqual([alpha.ref]);
    await setAssignment(ctx(), { hostId, model: alpha.ref, assigned: false });
    await setAssignment(ctx(), { hostId, model: beta.ref, assigned: true });

    const reconcile = await run((await requestReconcile(ctx(), { hostId })).jobId);
    const result = JSON.parse(reconcile.resultJson!) as { pushJobIds: number[]; removeJobIds: number[] };
    expect(result.pushJobIds).toHaveLength(1);
    expect(result.removeJobIds).toHaveLength(1);
    for (const id of [...result.pushJobIds, ...result.removeJobIds]) expect((await run(id)).state).toBe("succeeded");

    expect(driver.models.map((m) => m.name).sort()).toEqual([beta.ref, "llama3:latest"].sort());
    const inventory = await getInventory(temp.db);
    expect(inventory.cells[hostId]![beta.ref]).toMatchObject({ state: "present", assigned: true });
    expect(inventory.cells[hostId]![alpha.ref]).toMatchObject({ state: "missing", assigned: false });
    expect(inventory.extra[hostId]!.map((m) => m.name)).toEqual(["llama3:latest"]);
    expect(await temp.db.deployment.findMany({ where: { hostId }, select: { ref: true } })).toEqual([{ ref: beta.ref }]);
  });

  it("removes a model by its host name and forgets the deployment", async () => {
    const alpha = library.refOf("alpha");
    await run((await requestPush(ctx(), { hostId, model: alpha.ref })).jobId);
    expect((await run((await requestRemove(ctx(), { hostId, hostName: alpha.ref })).jobId)).state).toBe("succeeded");
    expect(driver.calls).toContain(`remove ${alpha.ref}`);
    expect(await temp.db.deployment.count({ where: { hostId } })).toBe(0);
    // Removed on purpose: no longer desired, so a reconcile will not push it back.
    expect(await temp.db.assignment.count({ where: { hostId } })).toBe(0);
  });

  it("queues a reconcile from the poll of a host set to auto-reconcile when it drifted", async () => {
    await saveHost(ctx(), { id: hostId, host: { name: "gpu1", kind: "ollama", baseUrl: "http://127.0.0.1:9", autoReconcile: true } });
    await setAssignment(ctx(), { hostId, model: library.refOf("alpha").ref, assigned: true });
    const poll = await run((await requestPoll(ctx(), { hostId })).jobId);
    const { reconcileJobId } = JSON.parse(poll.resultJson!) as { reconcileJobId: number | null };
    expect(reconcileJobId).not.toBeNull();
    expect(await temp.db.job.findUnique({ where: { id: reconcileJobId! } })).toMatchObject({ name: "hosts.reconcile-host", state: "queued" });
  });

  it("audits every host action", async () => {
    const actions = (await temp.db.auditEntry.findMany({ where: { action: { startsWith: "hosts." } }, select: { action: true } })).map((a) => a.action);
    expect(new Set(actions)).toEqual(new Set(["hosts.save-host", "hosts.poll-host", "hosts.push-model", "hosts.set-assignment", "hosts.reconcile-host", "hosts.remove-model"]));
  });
});
