// The registry serving a library that is an nfs:// root (read with the built-in
// NFSv3 client) from a real user-space NFS server: manifests, whole blobs and
// ranges come from the share. Skipped only on a developer machine without
// ganesha (never in CI).
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanLibrary } from "../../lib/catalog/scan-library.ts";
import { buildTinyModel, splitGguf } from "../../lib/gguf/index.ts";
import { verifyFile } from "../../lib/hashing/verify-file.ts";
import { startRegistryServer, type RegistryServer } from "../../lib/registry/registry-server.ts";
import { nfsSkipReason, startGanesha, type GaneshaServer } from "../helpers/ganesha.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";
import { OLLAMA_ACCEPT, get } from "./registry-fixture.ts";

process.env.MODELSHELF_LOG_LEVEL ??= "error";

const skip = nfsSkipReason();
if (skip) console.warn(skip);
const digestOf = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

describe.skipIf(skip !== null)("the registry over an nfs:// library root", () => {
  let temp: TempDb;
  let nfs: GaneshaServer;
  let server: RegistryServer;
  const model = buildTinyModel({ architecture: "qwen2", fileType: "Q8_0", name: "Remote Qwen", seed: 11, tokenizer: "gpt2" });
  const shards = splitGguf(buildTinyModel({ architecture: "llama", fileType: "F16", name: "Remote Split", seed: 12, tokenizer: "llama" }), 2);

  beforeAll(async () => {
    temp = await createTempDb("modelshelf-registry-nfs-");
    const exportDir = path.join(temp.dir, "export");
    await mkdir(path.join(exportDir, "split"), { recursive: true });
    await writeFile(path.join(exportDir, "Remote-Qwen-Q8_0.gguf"), model);
    for (const [i, shard] of shards.entries()) await writeFile(path.join(exportDir, "split", `Remote-Split-F16-0000${i + 1}-of-00002.gguf`), shard);
    nfs = await startGanesha({ exportDir });
    const library = await temp.db.library.create({ data: { path: nfs.url(), label: "nas", source: "env" } });
    const summary = await scanLibrary(temp.db, { libraryId: library.id, trigger: "manual", acceptMissing: false }, { settings: { stableMs: 0, fsTimeoutMs: 5_000 } });
    expect(summary).toMatchObject({ status: "ok", errors: 0 });
    for (const file of await temp.db.libraryFile.findMany({ where: { role: "gguf" } })) {
      expect((await verifyFile(temp.db, file.id, { trigger: "manual", readTimeoutMs: 10_000 })).status).toBe("verified");
    }
    server = await startRegistryServer({ db: temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 5_000 });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await nfs?.stop();
    await temp?.cleanup();
  });

  it("serves manifests whose layers are the share's files", async () => {
    const catalog = JSON.parse((await get(server.url, "/v2/_catalog")).body.toString()) as { repositories: string[] };
    expect(catalog.repositories).toEqual(["nas/remote-qwen", "nas/remote-split"]);
    const split = JSON.parse((await get(server.url, "/v2/nas/remote-split/manifests/f16", { headers: { Accept: OLLAMA_ACCEPT } })).body.toString()) as {
      layers: { digest: string; size: number }[];
    };
    expect(split.layers.slice(0, 2)).toEqual(shards.map((shard) => ({ mediaType: "application/vnd.ollama.image.model", digest: digestOf(shard), size: shard.byteLength })));
  });

  it("streams whole blobs and ranges from the share, and HEAD answers without reading", async () => {
    const url = `/v2/nas/remote-qwen/blobs/${digestOf(model)}`;
    const whole = await get(server.url, url);
    expect(whole.status).toBe(200);
    expect(whole.body.equals(Buffer.from(model))).toBe(true);
    const size = model.byteLength;
    for (const [range, start, end] of [["bytes=0-4095", 0, 4095], ["bytes=70000-70100", 70_000, 70_100], ["bytes=-333", size - 333, size - 1]] as const) {
      const part = await get(server.url, url, { headers: { Range: range } });
      expect(part.status, range).toBe(206);
      expect(part.headers.get("content-range")).toBe(`bytes ${start}-${end}/${size}`);
      expect(part.body.equals(Buffer.from(model).subarray(start, end + 1)), range).toBe(true);
    }
    const head = await get(server.url, url, { method: "HEAD" });
    expect([head.status, Number(head.headers.get("content-length")), head.body.byteLength]).toEqual([200, size, 0]);
  });

  it("answers 503 UNAVAILABLE, not a broken body, while the NAS does not answer", async () => {
    await nfs.hang();
    try {
      const fresh = await startRegistryServer({ db: temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 1_000 });
      try {
        const response = await get(fresh.url, `/v2/nas/remote-qwen/blobs/${digestOf(model)}`);
        expect(response.status).toBe(503);
        expect(JSON.parse(response.body.toString()).errors[0].code).toBe("UNAVAILABLE");
      } finally {
        await fresh.close();
      }
    } finally {
      nfs.resume();
    }
  }, 30_000);
});
