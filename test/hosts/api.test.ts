// The hosts API route handlers against a seeded catalogue in a temp SQLite
// file: adding, reading, changing and deleting hosts, and the requests that
// queue work for the pusher (push, remove, poll, reconcile) and assignments —
// what each answers, which job it leaves in the queue and what it audits.
// (The browser tests reach the same handlers through the real server.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as assignmentsRoute from "../../app/api/v1/hosts/[id]/assignments/route.ts";
import * as pollRoute from "../../app/api/v1/hosts/[id]/poll/route.ts";
import * as pushRoute from "../../app/api/v1/hosts/[id]/push/route.ts";
import * as reconcileRoute from "../../app/api/v1/hosts/[id]/reconcile/route.ts";
import * as removeRoute from "../../app/api/v1/hosts/[id]/remove/route.ts";
import * as hostRoute from "../../app/api/v1/hosts/[id]/route.ts";
import * as hostsRoute from "../../app/api/v1/hosts/route.ts";
import { getDb } from "../../lib/db/client.ts";
import type { HostDetail, InventoryMatrix } from "../../lib/hosts/queries.ts";
import { seedCatalog, type SeededCatalog } from "../helpers/seed-catalog.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

let temp: TempDb;
let seeded: SeededCatalog;

beforeAll(async () => {
  temp = await createTempDb("modelshelf-hosts-api-");
  seeded = await seedCatalog(temp.db);
  // The handlers use the app's database singleton, which reads MODELSHELF_DB on first use.
  process.env.MODELSHELF_DB = temp.dbFile;
  process.env.MODELSHELF_DATA_DIR = temp.dir;
});

afterAll(async () => {
  await getDb().$disconnect();
  await temp.cleanup();
});

interface ErrorBody {
  error: { code: string; message: string; details?: { issues?: Array<{ path: string; message: string }> } };
}

type Handler = (request: Request, context: { params: Promise<{ id: string }> }) => Promise<Response>;

/** Calls a route handler the way Next.js does; the body type is the caller's claim, checked by the assertions. */
async function call<T = ErrorBody>(handler: Handler, options: { id?: string; method?: string; body?: unknown } = {}) {
  const raw = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  const request = new Request(`http://127.0.0.1/api/v1/hosts/${options.id ?? ""}`, {
    method: options.method ?? "POST",
    body: raw,
    headers: { "content-type": "application/json" },
  });
  const response = await handler(request, { params: Promise.resolve({ id: options.id ?? "" }) });
  return { status: response.status, body: (await response.json()) as T };
}

const OLLAMA = { name: "gpu-box", kind: "ollama", baseUrl: "http://10.0.0.5:11434/" };
let ollamaId: number;

const jobsNamed = (name: string) => temp.db.job.findMany({ where: { name }, orderBy: { id: "asc" } });
const payloadOf = async (jobId: number) => JSON.parse((await temp.db.job.findUniqueOrThrow({ where: { id: jobId } })).payloadJson) as Record<string, unknown>;
const lastAudit = (action: string) => temp.db.auditEntry.findFirst({ where: { action }, orderBy: { id: "desc" } });

describe("POST /api/v1/hosts", () => {
  it("adds an Ollama host, queues its first poll and writes an audit entry", async () => {
    const { status, body } = await call<{ id: number }>(hostsRoute.POST, { body: { ...OLLAMA, hostProfileId: seeded.planning.workstation } });
    expect(status).toBe(201);
    ollamaId = body.id;
    const row = await temp.db.inferenceHost.findUniqueOrThrow({ where: { id: ollamaId } });
    // The trailing slash is normalised away; an Ollama host has no delivery.
    expect(row).toMatchObject({ name: "gpu-box", kind: "ollama", baseUrl: "http://10.0.0.5:11434", delivery: null, hostProfileId: seeded.planning.workstation, enabled: true });
    const polls = await jobsNamed("hosts.poll-host");
    expect(polls).toHaveLength(1);
    expect(await payloadOf(polls[0]!.id)).toEqual({ hostId: ollamaId });
    expect(await lastAudit("hosts.save-host")).toMatchObject({ actor: "local-admin", outcome: "ok", target: "host-name:gpu-box" });
  });

  it("adds a llama-server host that reads the NAS itself, with its preset file and path map", async () => {
    const host = {
      name: "lab-llama",
      kind: "llama-server",
      baseUrl: "http://10.0.0.6:8080",
      delivery: "nas-direct",
      presetPath: "/srv/lab/presets.ini",
      pathMap: [{ from: "/srv/nas/models", to: "/mnt/models" }],
      enabled: false,
    };
    const { status, body } = await call<{ id: number }>(hostsRoute.POST, { body: host });
    expect(status).toBe(201);
    const row = await temp.db.inferenceHost.findUniqueOrThrow({ where: { id: body.id } });
    expect(row).toMatchObject({ delivery: "nas-direct", presetPath: "/srv/lab/presets.ini", modelsDir: null, enabled: false });
    expect(JSON.parse(row.pathMapJson)).toEqual([{ from: "/srv/nas/models", to: "/mnt/models" }]);
    // A disabled host is not polled.
    expect(await temp.db.job.count({ where: { name: "hosts.poll-host", payloadJson: JSON.stringify({ hostId: body.id }) } })).toBe(0);
  });

  it("answers 422 naming each invalid field, and creates nothing", async () => {
    const before = await temp.db.inferenceHost.count();
    const { status, body } = await call(hostsRoute.POST, { body: { name: "bad name!", kind: "ollama", baseUrl: "ftp://10.0.0.5" } });
    expect(status).toBe(422);
    expect(body.error.code).toBe("invalid-input");
    expect(body.error.details?.issues?.map((i) => i.path).sort()).toEqual(["baseUrl", "name"]);
    expect(body.error.details?.issues?.find((i) => i.path === "baseUrl")?.message).toBe("the URL must start with http:// or https://");
    expect(await temp.db.inferenceHost.count()).toBe(before);
  });

  it("answers 422 when a llama-server host lacks what its delivery needs", async () => {
    const copy = await call(hostsRoute.POST, { body: { name: "copy-box", kind: "llama-server", baseUrl: "http://10.0.0.7:8080" } });
    expect(copy.status).toBe(422);
    expect(copy.body.error.details?.issues?.map((i) => i.path)).toEqual(["modelsDir"]);
    const direct = await call(hostsRoute.POST, { body: { name: "direct-box", kind: "llama-server", baseUrl: "http://10.0.0.7:8080", delivery: "nas-direct" } });
    expect(direct.status).toBe(422);
    expect(direct.body.error.details?.issues?.map((i) => i.path).sort()).toEqual(["pathMap", "presetPath"]);
  });

  it("answers 422 for unknown fields, malformed JSON, non-object and oversized bodies", async () => {
    const unknown = await call(hostsRoute.POST, { body: { ...OLLAMA, name: "typo-box", baseURL: "http://x" } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details?.issues).toEqual([{ path: "baseURL", message: "unknown field" }]);
    for (const raw of ["{not json", "[1]", '"host"']) expect((await call(hostsRoute.POST, { body: raw })).status, raw).toBe(422);
    const big = await call(hostsRoute.POST, { body: { ...OLLAMA, name: "x".repeat(100_000) } });
    expect(big.status).toBe(422);
    expect(big.body.error.message).toContain("too large");
    expect(await temp.db.inferenceHost.count({ where: { name: "typo-box" } })).toBe(0);
  });

  it("answers 409 for a name already taken and 404 for a host profile that does not exist", async () => {
    const taken = await call(hostsRoute.POST, { body: OLLAMA });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toBe('a host named "gpu-box" already exists');
    const profile = await call(hostsRoute.POST, { body: { ...OLLAMA, name: "no-profile", hostProfileId: 4242 } });
    expect(profile.status).toBe(404);
    expect(profile.body.error.message).toBe("host profile 4242 not found");
    expect(await lastAudit("hosts.save-host")).toMatchObject({ outcome: "error", message: "host profile 4242 not found" });
  });
});

describe("GET /api/v1/hosts", () => {
  it("returns every catalogue reference, each host's cells and the totals", async () => {
    await temp.db.hostModel.create({ data: { hostId: ollamaId, name: "library/qwen2.5:7b-instruct", digest: "845dbda0ea48ed749caafd9e6037047aa19acfcfd82e704d7ca97d631a0b697e", loaded: true } });
    await temp.db.hostModel.create({ data: { hostId: ollamaId, name: "llama3.2:latest", digest: "e".repeat(64) } });
    const { status, body } = await call<InventoryMatrix>(hostsRoute.GET as unknown as Handler, { method: "GET" });
    expect(status).toBe(200);
    expect(body.models.map((m) => m.ref)).toContain("nas-models/llama-3.2-1b-instruct:f16");
    expect(body.hosts.map((h) => h.name)).toEqual(["gpu-box", "lab-llama"]);
    // Same manifest digest as the catalogue's Ollama tag: present, though ModelShelf did not push it.
    expect(body.cells[ollamaId]?.["library/qwen2.5:7b-instruct"]).toMatchObject({ state: "present", loaded: true, assigned: false });
    expect(body.cells[ollamaId]?.["nas-models/llama-3.2-1b-instruct:f16"]?.state).toBe("missing");
    expect(body.extra[ollamaId]).toEqual([{ name: "llama3.2:latest", digest: "e".repeat(64), loaded: false }]);
    expect(body.totals).toMatchObject({ present: 1, extra: 1, drift: 0 });
  });
});

describe("GET, PUT and DELETE /api/v1/hosts/[id]", () => {
  it("returns one host with its models matched to references", async () => {
    const { status, body } = await call<HostDetail>(hostRoute.GET, { id: String(ollamaId), method: "GET" });
    expect(status).toBe(200);
    expect(body).toMatchObject({ name: "gpu-box", kind: "ollama", hostProfile: { id: seeded.planning.workstation, name: "Workstation RTX 4090" } });
    expect(body.models.map((m) => [m.name, m.ref])).toEqual([
      ["library/qwen2.5:7b-instruct", "library/qwen2.5:7b-instruct"],
      ["llama3.2:latest", null],
    ]);
  });

  it("answers 404 for an unknown host and 422 for a malformed id", async () => {
    const missing = await call(hostRoute.GET, { id: "4242", method: "GET" });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe("host 4242 not found");
    for (const id of ["abc", "0", "-1", "1e3"]) expect((await call(hostRoute.GET, { id, method: "GET" })).status, id).toBe(422);
  });

  it("replaces a host's settings with PUT and polls it again", async () => {
    const pollsBefore = (await jobsNamed("hosts.poll-host")).length;
    const { status } = await call(hostRoute.PUT, { id: String(ollamaId), method: "PUT", body: { ...OLLAMA, baseUrl: "http://10.0.0.50:11434", hostProfileId: null, autoReconcile: true } });
    expect(status).toBe(200);
    expect(await temp.db.inferenceHost.findUniqueOrThrow({ where: { id: ollamaId } })).toMatchObject({ baseUrl: "http://10.0.0.50:11434", hostProfileId: null, autoReconcile: true, status: "unknown" });
    // The first poll is still queued: the new request joins it instead of queueing a second one.
    expect((await jobsNamed("hosts.poll-host")).length).toBe(pollsBefore);
    expect(await lastAudit("hosts.save-host")).toMatchObject({ outcome: "ok", target: `host:${ollamaId}` });
    expect((await call(hostRoute.PUT, { id: "4242", method: "PUT", body: { ...OLLAMA, name: "ghost" } })).status).toBe(404);
  });

  it("deletes a host with DELETE: the row goes, the audit stays", async () => {
    const created = await call<{ id: number }>(hostsRoute.POST, { body: { name: "short-lived", kind: "ollama", baseUrl: "http://10.0.0.9:11434" } });
    const id = String(created.body.id);
    const { status, body } = await call(hostRoute.DELETE, { id, method: "DELETE" });
    expect(status).toBe(200);
    expect(body).toEqual({ id: created.body.id, deleted: true });
    expect((await call(hostRoute.GET, { id, method: "GET" })).status).toBe(404);
    expect(await lastAudit("hosts.delete-host")).toMatchObject({ outcome: "ok", target: `host:${id}` });
    expect((await call(hostRoute.DELETE, { id, method: "DELETE" })).status).toBe(404);
  });
});

describe("POST /api/v1/hosts/[id]/push", () => {
  it("queues a push with the host's default method and answers 202 with the job id", async () => {
    const { status, body } = await call<{ jobId: number; ref: string; method: string }>(pushRoute.POST, { id: String(ollamaId), body: { model: "nas-models/llama-3.2-1b-instruct:f16" } });
    expect(status).toBe(202);
    expect(body).toMatchObject({ ref: "nas-models/llama-3.2-1b-instruct:f16", method: "upload" });
    expect(await payloadOf(body.jobId)).toEqual({ hostId: ollamaId, modelId: seeded.models.llamaF16, ref: "nas-models/llama-3.2-1b-instruct:f16", method: "upload", load: false });
    expect(await lastAudit("hosts.push-model")).toMatchObject({ outcome: "ok", target: `host:${ollamaId}` });
  });

  it("queues the chosen method, naming the model by its catalogue id", async () => {
    const { status, body } = await call<{ jobId: number }>(pushRoute.POST, { id: String(ollamaId), body: { model: String(seeded.models.qwen7), method: "pull" } });
    expect(status).toBe(202);
    expect(await payloadOf(body.jobId)).toMatchObject({ ref: "library/qwen2.5:7b-instruct", method: "pull" });
  });

  it("refuses a method the host cannot receive, an unverified model and an unknown one, queueing nothing", async () => {
    const before = (await jobsNamed("hosts.push-model")).length;
    const copy = await call(pushRoute.POST, { id: String(ollamaId), body: { model: "library/qwen2.5:7b-instruct", method: "copy" } });
    expect(copy.status).toBe(422);
    expect(copy.body.error.message).toBe("an Ollama host receives models by upload or pull, not copy");
    // Mistral's file failed verification: nothing unverified leaves the library.
    const mismatch = await call(pushRoute.POST, { id: String(ollamaId), body: { model: "nas-models/mistral-7b-instruct-v0.3:q8_0" } });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.error.message).toContain("no complete, verified copy");
    const unknown = await call(pushRoute.POST, { id: String(ollamaId), body: { model: "nobody/nothing:latest" } });
    expect(unknown.status).toBe(404);
    expect((await jobsNamed("hosts.push-model")).length).toBe(before);
    expect(await lastAudit("hosts.push-model")).toMatchObject({ outcome: "error", message: "No catalogue model is named nobody/nothing:latest" });
  });

  it("answers 422 for a missing model or an unknown field, 404 for an unknown host, 409 for a disabled one", async () => {
    expect((await call(pushRoute.POST, { id: String(ollamaId), body: {} })).status).toBe(422);
    const typo = await call(pushRoute.POST, { id: String(ollamaId), body: { model: "library/qwen2.5:7b-instruct", metod: "pull" } });
    expect(typo.status).toBe(422);
    expect(typo.body.error.message).toContain("metod");
    expect((await call(pushRoute.POST, { id: "4242", body: { model: "library/qwen2.5:7b-instruct" } })).status).toBe(404);
    const lab = await temp.db.inferenceHost.findUniqueOrThrow({ where: { name: "lab-llama" } });
    const disabled = await call(pushRoute.POST, { id: String(lab.id), body: { model: "library/qwen2.5:7b-instruct" } });
    expect(disabled.status).toBe(409);
    expect(disabled.body.error.message).toBe("host lab-llama is disabled");
  });
});

describe("remove, poll and reconcile", () => {
  it("queues removing a model by the host's name for it", async () => {
    const { status, body } = await call<{ jobId: number }>(removeRoute.POST, { id: String(ollamaId), body: { hostName: "llama3.2:latest" } });
    expect(status).toBe(202);
    const job = await temp.db.job.findUniqueOrThrow({ where: { id: body.jobId } });
    expect(job).toMatchObject({ name: "hosts.remove-model", state: "queued" });
    expect(JSON.parse(job.payloadJson)).toEqual({ hostId: ollamaId, hostName: "llama3.2:latest" });
    expect(await lastAudit("hosts.remove-model")).toMatchObject({ outcome: "ok" });
    expect((await call(removeRoute.POST, { id: String(ollamaId), body: {} })).status).toBe(422);
    expect((await call(removeRoute.POST, { id: "4242", body: { hostName: "x" } })).status).toBe(404);
  });

  it("queues a poll and a reconcile, and refuses a body on either", async () => {
    const poll = await call<{ jobId: number }>(pollRoute.POST, { id: String(ollamaId) });
    expect(poll.status).toBe(202);
    expect((await temp.db.job.findUniqueOrThrow({ where: { id: poll.body.jobId } })).name).toBe("hosts.poll-host");
    const reconcile = await call<{ jobId: number }>(reconcileRoute.POST, { id: String(ollamaId) });
    expect(reconcile.status).toBe(202);
    expect(await payloadOf(reconcile.body.jobId)).toEqual({ hostId: ollamaId });
    expect((await temp.db.job.findUniqueOrThrow({ where: { id: reconcile.body.jobId } })).name).toBe("hosts.reconcile-host");
    expect((await call(pollRoute.POST, { id: String(ollamaId), body: { now: true } })).status).toBe(422);
    expect((await call(reconcileRoute.POST, { id: "4242" })).status).toBe(404);
  });
});

describe("/api/v1/hosts/[id]/assignments", () => {
  it("assigns a model (then it is drift until pushed) and unassigns it", async () => {
    const assign = await call<{ ref: string; assigned: boolean }>(assignmentsRoute.POST, { id: String(ollamaId), body: { model: "nas-models/llama-3.2-1b-instruct:f16", method: "upload" } });
    expect(assign.status).toBe(200);
    expect(assign.body).toEqual({ ref: "nas-models/llama-3.2-1b-instruct:f16", assigned: true });
    expect(await temp.db.assignment.findFirst({ where: { hostId: ollamaId, modelId: seeded.models.llamaF16 } })).toMatchObject({ method: "upload", createdBy: "local-admin" });
    const detail = await call<HostDetail>(hostRoute.GET, { id: String(ollamaId), method: "GET" });
    expect(detail.body.toPush).toEqual([{ ref: "nas-models/llama-3.2-1b-instruct:f16", modelId: seeded.models.llamaF16 }]);
    // (The pull pushed in an earlier test assigned qwen2.5 too: a push is desired state.)
    expect(detail.body.assignments.find((a) => a.ref === "nas-models/llama-3.2-1b-instruct:f16")).toMatchObject({ state: "missing", method: "upload" });

    const unassign = await call(assignmentsRoute.DELETE, { id: String(ollamaId), method: "DELETE", body: { model: "nas-models/llama-3.2-1b-instruct:f16" } });
    expect(unassign.status).toBe(200);
    expect(await temp.db.assignment.count({ where: { hostId: ollamaId, modelId: seeded.models.llamaF16 } })).toBe(0);
    expect(await lastAudit("hosts.set-assignment")).toMatchObject({ outcome: "ok", target: `host:${ollamaId}` });
  });

  it("refuses a method the host cannot receive and an unknown model", async () => {
    const before = await temp.db.assignment.count({ where: { hostId: ollamaId } });
    const preset = await call(assignmentsRoute.POST, { id: String(ollamaId), body: { model: "library/qwen2.5:7b-instruct", method: "preset" } });
    expect(preset.status).toBe(422);
    expect((await call(assignmentsRoute.POST, { id: String(ollamaId), body: { model: "999999" } })).status).toBe(404);
    expect(await temp.db.assignment.count({ where: { hostId: ollamaId } })).toBe(before);
  });
});
