// The whole workflow as an admin runs it with the `modelshelf` command: register
// an Ollama host (the strict test double) and a real llama-server, push verified
// catalogue models by all three methods (upload, pull from ModelShelf's own /v2/
// registry, copy into a models directory), read the inventory, remove a model.
import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistryServer, type RegistryServer } from "../../lib/registry/registry-server.ts";
import type { InventoryMatrix } from "../../lib/hosts/queries.ts";
import { startOllamaDouble, type OllamaDouble } from "../helpers/ollama-double.ts";
import { chatOnce, llamaServerForTests, startLlamaServer, type LlamaServerProcess } from "../helpers/llama-server.ts";
import { createPushableLibrary, tinyLlama, type PushableLibrary } from "../helpers/pushable-library.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

const execFileAsync = promisify(execFile);
const bin = path.resolve(import.meta.dirname, "..", "..", "bin", "modelshelf.js");
const tools = await llamaServerForTests();

let temp: TempDb;
let library: PushableLibrary;
let registry: RegistryServer;
let ollama: OllamaDouble;
let llama: LlamaServerProcess;
let modelsDir: string;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [bin, ...args, "--db", temp.dbFile], {
      env: {
        ...process.env,
        MODELSHELF_DATA_DIR: temp.dir,
        MODELSHELF_LOG_LEVEL: "error",
        MODELSHELF_REGISTRY_PORT: String(registry.port),
        MODELSHELF_REGISTRY_URL: registry.url,
      },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  temp = await createTempDb("modelshelf-hosts-e2e-");
  // Seed 1 is a tiny model whose greedy chat output llama-server's parser accepts.
  library = await createPushableLibrary(temp.db, path.join(temp.dir, "models"), { "Alpha-F16.gguf": tinyLlama(1, "Alpha"), "Beta-F16.gguf": tinyLlama(2, "Beta") });
  registry = await startRegistryServer({ db: temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 5_000, cacheMs: 0 });
  // Small download parts so the pull really uses parallel Range requests.
  ollama = await startOllamaDouble({ minPartSize: 64 * 1024, maxPartSize: 256 * 1024 });
  if (tools.binary) {
    modelsDir = path.join(temp.dir, "llama-models");
    await mkdir(modelsDir);
    llama = await startLlamaServer({ binary: tools.binary, modelsDir });
  }
}, 20 * 60_000);

afterAll(async () => {
  await llama?.close();
  await ollama?.close();
  await registry?.close();
  await temp?.cleanup();
});

describe.skipIf(tools.skip !== null)("hosts, push and inventory from the command line", () => {
  it("registers an Ollama host and a llama-server host", async () => {
    expect(await cli(["hosts", "add", "--name", "ollama1", "--kind", "ollama", "--url", ollama.url])).toMatchObject({ code: 0 });
    expect(await cli(["hosts", "add", "--name", "llama1", "--kind", "llama-server", "--url", llama.url, "--models-dir", modelsDir])).toMatchObject({ code: 0 });
    const bad = await cli(["hosts", "add", "--name", "bad", "--kind", "llama-server", "--url", llama.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("models directory");
  });

  it("pushes by upload to Ollama and waits for the host's confirmation", async () => {
    const alpha = library.refOf("alpha");
    const result = await cli(["push", alpha.ref, "--host", "ollama1", "--method", "upload", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, result: { method: "upload", ref: alpha.ref } });
    expect(await ollama.readManifest(alpha.ref)).not.toBeNull();
  });

  it("pushes by pull: the Ollama host downloads from ModelShelf's registry in Range parts", async () => {
    const beta = library.refOf("beta");
    const result = await cli(["push", String(beta.modelId), "--host", "ollama1", "--method", "pull", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const hostName = (JSON.parse(result.stdout) as { result: { hostName: string } }).result.hostName;
    expect(hostName).toBe(`127.0.0.1:${registry.port}/${beta.ref}`);
    const file = await temp.db.libraryFile.findFirstOrThrow({ where: { modelId: beta.modelId } });
    expect(await ollama.hasBlob(`sha256:${file.sha256}`)).toBe(true);
  });

  it("copies into a llama-server models directory, loads it (--load), and it answers a chat", async () => {
    const alpha = library.refOf("alpha");
    expect((await cli(["push", alpha.ref, "--host", "ollama1", "--load"])).stderr).toContain("load after push is for llama-server hosts");
    const result = await cli(["push", alpha.ref, "--host", "llama1", "--load", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const { hostName } = (JSON.parse(result.stdout) as { result: { hostName: string } }).result;
    // Loaded by the push itself, before anything asked the model for a completion.
    const models = (await (await fetch(`${llama.url}/models`)).json()) as { data: Array<{ id: string; status: { value: string } }> };
    expect(models.data.find((m) => m.id === hostName)?.status.value).toBe("loaded");
    // The push polled the host after loading: the inventory says loaded without waiting for a poll.
    const inventory = JSON.parse((await cli(["hosts", "--json"])).stdout) as InventoryMatrix;
    const llamaHost = inventory.hosts.find((h) => h.name === "llama1")!;
    expect(inventory.cells[llamaHost.id]![alpha.ref]).toMatchObject({ state: "present", loaded: true });
    expect((await chatOnce(llama.url, hostName)).status).toBe(200);
  }, 180_000);

  it("shows every push in the inventory as present, and the host's other models as extra", async () => {
    expect((await cli(["hosts", "poll", "ollama1"])).code).toBe(0);
    expect((await cli(["hosts", "poll", "llama1"])).code).toBe(0);
    const inventory = JSON.parse((await cli(["hosts", "--json"])).stdout) as InventoryMatrix;
    const byName = Object.fromEntries(inventory.hosts.map((h) => [h.name, h]));
    expect(byName.ollama1).toMatchObject({ status: "ok", modelCount: 2 });
    expect(byName.llama1).toMatchObject({ status: "ok" });
    const alpha = library.refOf("alpha").ref;
    const beta = library.refOf("beta").ref;
    expect(inventory.cells[byName.ollama1!.id]![alpha]).toMatchObject({ state: "present" });
    expect(inventory.cells[byName.ollama1!.id]![beta]).toMatchObject({ state: "present" });
    expect(inventory.cells[byName.llama1!.id]![alpha]).toMatchObject({ state: "present", loaded: true });
    expect(inventory.cells[byName.llama1!.id]![beta]).toMatchObject({ state: "missing" });
    const text = (await cli(["hosts"])).stdout;
    expect(text).toContain("ollama1");
    expect(text).toContain(alpha);
  });

  it("removes a model from each host", async () => {
    const alpha = library.refOf("alpha").ref;
    expect((await cli(["remove", alpha, "--host", "llama1"])).code).toBe(0);
    expect((await cli(["remove", alpha, "--host", "ollama1"])).code).toBe(0);
    expect(await ollama.readManifest(alpha)).toBeNull();
    const inventory = JSON.parse((await cli(["hosts", "--json"])).stdout) as InventoryMatrix;
    for (const host of inventory.hosts) expect(inventory.cells[host.id]![alpha]).toMatchObject({ state: "missing" });
  }, 120_000);

  it("assigns a model, reconciles the host and shows the queued push; deletes a host record", async () => {
    const beta = library.refOf("beta").ref;
    expect((await cli(["hosts", "assign", "llama1", beta])).code).toBe(0);
    const reconcile = await cli(["hosts", "reconcile", "llama1", "--json"]);
    expect(reconcile.code, reconcile.stderr).toBe(0);
    const { result } = JSON.parse(reconcile.stdout) as { result: { pushJobIds: number[]; removeJobIds: number[] } };
    expect(result.pushJobIds).toHaveLength(1);
    expect(await temp.db.job.findUnique({ where: { id: result.pushJobIds[0]! } })).toMatchObject({ name: "hosts.push-model", state: "queued" });
    const shown = JSON.parse((await cli(["hosts", "show", "llama1", "--json"])).stdout) as { assignments: Array<{ ref: string; state: string }> };
    expect(shown.assignments).toEqual([expect.objectContaining({ ref: beta, state: "missing" })]);
    expect((await cli(["hosts", "add", "--name", "spare", "--kind", "ollama", "--url", "http://127.0.0.1:9", "--disabled"])).code).toBe(0);
    expect((await cli(["hosts", "delete", "spare"])).code).toBe(0);
    expect(await temp.db.inferenceHost.count({ where: { name: "spare" } })).toBe(0);
  });

  it("exits 1 with the reason when the host cannot take the model", async () => {
    expect(await cli(["hosts", "add", "--name", "down", "--kind", "ollama", "--url", "http://127.0.0.1:9"])).toMatchObject({ code: 0 });
    const unknown = await cli(["push", "no/such:model", "--host", "ollama1"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("No catalogue model is named no/such:model");
  });
});
