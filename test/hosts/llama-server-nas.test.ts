// A real llama-server whose models directory and preset INI live on a NAS
// (nfs-ganesha on loopback, exporting the folders the host reads): pushes
// written through ModelShelf's own NFSv3 client, and pushes by preset where the
// host reads the library itself through a path map.
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTinyModel, ggufShardFileName, splitGguf } from "../../lib/gguf/build-tiny-model.ts";
import { STAGING_DIR } from "../../lib/hosts/llama-server/copy-to-models-dir.ts";
import { listLlamaModels, modelPathOf, type LlamaModel } from "../../lib/hosts/llama-server/llama-server-api.ts";
import { readPresetSections } from "../../lib/hosts/llama-server/preset-ini.ts";
import { pushLlamaModel } from "../../lib/hosts/llama-server/push-llama-model.ts";
import { removeLlamaModel } from "../../lib/hosts/llama-server/remove-llama-model.ts";
import type { HostTarget, PushFile, PushSource } from "../../lib/hosts/types.ts";
import { nfsSkipReason } from "../helpers/ganesha.ts";
import { chatOnce, llamaServerForTests, recordingPushContext, startLlamaServer, type LlamaServerProcess } from "../helpers/llama-server.ts";
import { useGanesha } from "../nfs/client/ganesha-fixture.ts";

const binary = await llamaServerForTests();
const nfsSkip = nfsSkipReason();
if (nfsSkip) console.warn(nfsSkip);
const skip = binary.skip !== null || nfsSkip !== null;
const LLAMA_TEST_TIMEOUT_MS = 120_000;
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

// Seed 1: its greedy chat answer parses (see llama-server-copy.test.ts).
const tiny = buildTinyModel({ seed: 1 });
const splitV1 = splitGguf(buildTinyModel({ seed: 3 }), 2);
const splitV2 = splitGguf(buildTinyModel({ seed: 4 }), 2);
const PRESET_HEAD = "; Hand-written presets of the GPU box: ModelShelf must leave these alone.\n[*]\nstop-timeout = 5\n\n";

const ganesha = useGanesha(
  async (dir) => {
    await fsp.mkdir(path.join(dir, "models"));
    await fsp.mkdir(path.join(dir, "library", "tiny"), { recursive: true });
    await fsp.mkdir(path.join(dir, "library", "split-v1"));
    await fsp.mkdir(path.join(dir, "library", "split-v2"));
    await fsp.writeFile(path.join(dir, "library", "tiny", "tiny-f16.gguf"), tiny);
    for (const [version, shards] of [["split-v1", splitV1], ["split-v2", splitV2]] as const) {
      for (const [i, bytes] of shards.entries()) await fsp.writeFile(path.join(dir, "library", version, ggufShardFileName("tiny-split", i, shards.length)), bytes);
    }
    await fsp.writeFile(path.join(dir, "presets.ini"), `${PRESET_HEAD}[hand-made]\nmodel = ${path.join(dir, "library", "tiny", "tiny-f16.gguf")}\n`);
  },
  { skip },
);

describe.skipIf(skip)("llama-server with its models and presets on a NAS", () => {
  let server: LlamaServerProcess;
  const disk = (rel: string): string => path.join(ganesha.dir, rel);
  const libraryUrl = (): string => ganesha.server.url("library");

  function source(ref: string, files: PushFile[], contextSize: number | null = null): PushSource {
    return { modelId: 1, ref, files, template: null, system: null, parameters: null, license: null, contextSize };
  }
  const tinyFile = (libraryPath: string): PushFile => ({ libraryPath, relPath: "tiny/tiny-f16.gguf", sizeBytes: tiny.length, sha256: sha256(tiny), shardIndex: 0, fileName: "tiny-f16.gguf" });
  const splitFiles = (version: string, shards: Uint8Array[]): PushFile[] =>
    shards.map((bytes, i) => {
      const fileName = ggufShardFileName("tiny-split", i, shards.length);
      return { libraryPath: libraryUrl(), relPath: `${version}/${fileName}`, sizeBytes: bytes.length, sha256: sha256(bytes), shardIndex: i, fileName };
    });
  const modelsDirHost = (): HostTarget => ({
    id: 1,
    name: "nas-copy",
    kind: "llama-server",
    baseUrl: server.url,
    delivery: "models-dir",
    modelsDir: ganesha.server.url("models"),
    presetPath: null,
    pathMap: [],
  });
  const presetHost = (presetPath: string, pathMap: HostTarget["pathMap"]): HostTarget => ({
    id: 2,
    name: "nas-direct",
    kind: "llama-server",
    baseUrl: server.url,
    delivery: "nas-direct",
    modelsDir: null,
    presetPath,
    pathMap,
  });
  const models = (): Promise<LlamaModel[]> => listLlamaModels(server.url, { timeoutMs: 10_000, reload: true });

  beforeAll(async () => {
    // No -c: a preset's context size must reach the model (the router's CLI would override it).
    server = await startLlamaServer({ binary: binary.binary as string, modelsDir: disk("models"), presetPath: disk("presets.ini"), ctxSize: null });
  }, LLAMA_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await server?.close();
  });

  it("copies a split model through NFS, reading the library over NFS too", { timeout: LLAMA_TEST_TIMEOUT_MS }, async () => {
    const outcome = await pushLlamaModel(modelsDirHost(), source("acme/split:f16", splitFiles("split-v1", splitV1)), recordingPushContext().ctx);
    expect(outcome.paths).toEqual(splitFiles("split-v1", splitV1).map((f) => `nfs://127.0.0.1${ganesha.server.exportPath}/models/acme-split-f16/${f.fileName}`));
    for (const [i, bytes] of splitV1.entries()) {
      expect(sha256(await fsp.readFile(disk(`models/acme-split-f16/${ggufShardFileName("tiny-split", i, 2)}`)))).toBe(sha256(bytes));
    }
    const listed = (await models()).find((m) => m.id === "acme-split-f16");
    expect(listed && modelPathOf(listed)).toBe(disk(`models/acme-split-f16/${ggufShardFileName("tiny-split", 0, 2)}`));
  });

  it("replaces a split model's folder with a new version and leaves nothing staged", { timeout: LLAMA_TEST_TIMEOUT_MS }, async () => {
    await pushLlamaModel(modelsDirHost(), source("acme/split:f16", splitFiles("split-v2", splitV2)), recordingPushContext().ctx);
    expect(sha256(await fsp.readFile(disk(`models/acme-split-f16/${ggufShardFileName("tiny-split", 1, 2)}`)))).toBe(sha256(splitV2[1] as Uint8Array));
    expect(await fsp.readdir(disk(`models/${STAGING_DIR}`))).toEqual([]);
    await removeLlamaModel(modelsDirHost(), "acme-split-f16", recordingPushContext().ctx);
    expect((await fsp.readdir(disk("models"))).sort()).toEqual([STAGING_DIR]);
    expect((await models()).map((m) => m.id)).not.toContain("acme-split-f16");
  });

  it("adds a preset section over NFS for a library on a local disk: the host loads it with the context size", { timeout: LLAMA_TEST_TIMEOUT_MS }, async () => {
    const host = presetHost(ganesha.server.url("presets.ini"), [{ from: disk("library"), to: disk("library") }]);
    const outcome = await pushLlamaModel(host, source("library/tiny:f16", [tinyFile(disk("library"))], 128), recordingPushContext().ctx, { load: true });
    expect(outcome).toMatchObject({ hostName: "tiny-f16", paths: [`nfs://127.0.0.1${ganesha.server.exportPath}/presets.ini`] });
    const text = await fsp.readFile(disk("presets.ini"), "utf8");
    expect(text.startsWith(PRESET_HEAD)).toBe(true);
    // Host on this machine, library on a local disk: mmap stays on.
    expect(readPresetSections(text).get("tiny-f16")).toEqual(new Map([["model", disk("library/tiny/tiny-f16.gguf")], ["c", "128"]]));
    const model = (await models()).find((m) => m.id === "tiny-f16");
    expect(model?.status.value).toBe("loaded");
    expect(model?.status.args).toEqual(expect.arrayContaining(["--ctx-size", "128"]));
    expect(model?.status.args).not.toContain("--no-mmap");
    const chat = await chatOnce(server.url, "tiny-f16");
    expect(chat.status, JSON.stringify(chat.body)).toBe(200);
  });

  it("turns mmap off for a library the host reads over the network", { timeout: LLAMA_TEST_TIMEOUT_MS }, async () => {
    const host = presetHost(disk("presets.ini"), [{ from: libraryUrl(), to: disk("library") }]);
    await pushLlamaModel(host, source("acme/tiny:f16", [tinyFile(libraryUrl())]), recordingPushContext().ctx);
    const text = await fsp.readFile(disk("presets.ini"), "utf8");
    expect(readPresetSections(text).get("acme-tiny-f16")).toEqual(new Map([["model", disk("library/tiny/tiny-f16.gguf")], ["no-mmap", "true"]]));
    const model = (await models()).find((m) => m.id === "acme-tiny-f16");
    expect(model?.status.args).toContain("--no-mmap");
  });

  it("refuses a preset push no path mapping covers, leaving the preset as it was", async () => {
    const before = await fsp.readFile(disk("presets.ini"), "utf8");
    const host = presetHost(disk("presets.ini"), [{ from: "/somewhere/else", to: "/mnt/else" }]);
    await expect(pushLlamaModel(host, source("acme/other:f16", [tinyFile(disk("library"))]), recordingPushContext().ctx)).rejects.toThrow(
      /No path mapping of nas-direct covers .*library\/tiny\/tiny-f16.gguf/,
    );
    expect(await fsp.readFile(disk("presets.ini"), "utf8")).toBe(before);
  });

  it("removes preset models: sections gone, the admin's lines intact, no longer listed", { timeout: LLAMA_TEST_TIMEOUT_MS }, async () => {
    const host = presetHost(ganesha.server.url("presets.ini"), []);
    const removed = await removeLlamaModel(host, "tiny-f16", recordingPushContext().ctx);
    expect(removed.paths).toEqual([`nfs://127.0.0.1${ganesha.server.exportPath}/presets.ini`]);
    await removeLlamaModel(host, "acme-tiny-f16", recordingPushContext().ctx);
    expect(await fsp.readFile(disk("presets.ini"), "utf8")).toBe(`${PRESET_HEAD}[hand-made]\nmodel = ${disk("library/tiny/tiny-f16.gguf")}\n`);
    expect((await models()).map((m) => m.id)).toEqual(["hand-made"]);
    expect((await fsp.readdir(ganesha.dir)).filter((name) => name.includes("modelshelf"))).toEqual([]);
  });
});
