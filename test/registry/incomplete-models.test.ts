// Models that cannot be delivered whole are not served: a split model with a
// shard missing, and an Ollama tag whose store lost one of its blobs.
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanLibrary } from "../../lib/catalog/scan-library.ts";
import { buildDemoFiles } from "../../lib/demo/ensure-demo-library.ts";
import { buildTinyModel, splitGguf } from "../../lib/gguf/index.ts";
import { verifyFile } from "../../lib/hashing/verify-file.ts";
import { startRegistryServer, type RegistryServer } from "../../lib/registry/registry-server.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";
import { OLLAMA_ACCEPT, errorCodes, get } from "./registry-fixture.ts";

process.env.MODELSHELF_LOG_LEVEL ??= "error";

let temp: TempDb;
let server: RegistryServer;

beforeAll(async () => {
  temp = await createTempDb("modelshelf-registry-incomplete-");
  const shelf = path.join(temp.dir, "shelf");
  await mkdir(shelf, { recursive: true });
  const shards = splitGguf(buildTinyModel({ architecture: "llama", fileType: "F32", name: "Gappy", seed: 21, tokenizer: "llama" }), 3);
  // Shard 2 of 3 never arrived.
  for (const i of [0, 2]) await writeFile(path.join(shelf, `Gappy-F32-0000${i + 1}-of-00003.gguf`), shards[i]!);
  // The demo's Ollama store, minus its template blob.
  const store = path.join(temp.dir, "ollama");
  const demo = buildDemoFiles().filter((file) => file.relPath.startsWith("ollama/"));
  for (const file of demo) {
    const target = path.join(temp.dir, file.relPath);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.bytes);
  }
  const manifest = JSON.parse(new TextDecoder().decode(demo.find((file) => file.relPath.includes("/manifests/"))!.bytes)) as { layers: { mediaType: string; digest: string }[] };
  const template = manifest.layers.find((layer) => layer.mediaType === "application/vnd.ollama.image.template")!;
  await rm(path.join(store, "blobs", template.digest.replace(":", "-")));
  for (const root of [shelf, store]) {
    const library = await temp.db.library.create({ data: { path: root, source: "env" } });
    await scanLibrary(temp.db, { libraryId: library.id, trigger: "manual", acceptMissing: false }, { settings: { stableMs: 0, fsTimeoutMs: 5_000 } });
  }
  for (const file of await temp.db.libraryFile.findMany({ where: { role: { in: ["gguf", "ollama-blob"] } } })) {
    expect((await verifyFile(temp.db, file.id, { trigger: "manual", readTimeoutMs: 10_000 })).status).toBe("verified");
  }
  server = await startRegistryServer({ db: temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 5_000 });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await temp?.cleanup();
});

describe("incomplete models", () => {
  it("lists a split model with a missing shard but does not serve it, even with every present shard verified", async () => {
    const tags = await get(server.url, "/v2/shelf/gappy/tags/list");
    expect(JSON.parse(tags.body.toString()).tags).toEqual(["f32"]);
    const response = await get(server.url, "/v2/shelf/gappy/manifests/f32", { headers: { Accept: OLLAMA_ACCEPT } });
    expect([response.status, errorCodes(response)]).toEqual([404, ["MANIFEST_UNKNOWN"]]);
    expect(response.body.toString()).toContain("incomplete");
  });

  it("does not serve an Ollama tag whose store lost one of its blobs, naming the problem", async () => {
    const response = await get(server.url, "/v2/library/tinyqwen/manifests/latest", { headers: { Accept: OLLAMA_ACCEPT } });
    expect([response.status, errorCodes(response)]).toEqual([404, ["MANIFEST_UNKNOWN"]]);
    expect(response.body.toString()).toContain("incomplete in its Ollama store");
    expect(response.body.toString()).toContain("template");
  });
});
