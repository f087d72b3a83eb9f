// Push by copy into a local models directory of a real llama-server (router
// mode, built from node-llama-cpp's bundled llama.cpp): the host must list,
// load and run what was pushed, and must never see a broken copy.
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../lib/errors.ts";
import { isCancelledError } from "../../lib/hashing/cancelled-error.ts";
import { createThrottle } from "../../lib/hashing/throttle.ts";
import { buildTinyModel, ggufShardFileName, splitGguf } from "../../lib/gguf/build-tiny-model.ts";
import { STAGING_DIR } from "../../lib/hosts/llama-server/copy-to-models-dir.ts";
import { listLlamaModels } from "../../lib/hosts/llama-server/llama-server-api.ts";
import { pollLlamaServer } from "../../lib/hosts/llama-server/poll-llama-server.ts";
import { pushLlamaModel } from "../../lib/hosts/llama-server/push-llama-model.ts";
import { removeLlamaModel } from "../../lib/hosts/llama-server/remove-llama-model.ts";
import type { HostTarget, PushFile, PushSource } from "../../lib/hosts/types.ts";
import { chatOnce, llamaServerForTests, recordingPushContext, startLlamaServer, type LlamaServerProcess } from "../helpers/llama-server.ts";

const binary = await llamaServerForTests();
/** Loading a tiny model takes < 1 s; a chat answer of 4 tokens a few ms. Generous for a busy 2-core machine. */
const LLAMA_TEST_TIMEOUT_MS = 120_000;
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

describe.skipIf(binary.skip !== null)("llama-server: push by copy into a local models directory", () => {
  let server: LlamaServerProcess;
  let work: string;
  let libraryDir: string;
  let modelsDir: string;
  let host: HostTarget;
  // Random weights: greedy output of some seeds trips llama-server's chat output parser
  // ("does not match the expected peg-native format", HTTP 500); seed 1's answer parses.
  const single = buildTinyModel({ seed: 1 });
  const shards = splitGguf(single, 3);

  function source(ref: string, files: PushFile[]): PushSource {
    return { modelId: 1, ref, files, template: null, system: null, parameters: null, license: null, contextSize: null };
  }
  const singleFile = (): PushFile => ({ libraryPath: libraryDir, relPath: "tiny/tiny-f16.gguf", sizeBytes: single.length, sha256: sha256(single), shardIndex: 0, fileName: "tiny-f16.gguf" });
  const shardFiles = (): PushFile[] =>
    shards.map((bytes, i) => {
      const fileName = ggufShardFileName("tiny-split", i, shards.length);
      return { libraryPath: libraryDir, relPath: `split/${fileName}`, sizeBytes: bytes.length, sha256: sha256(bytes), shardIndex: i, fileName };
    });
  const listed = async (): Promise<string[]> => (await listLlamaModels(server.url, { timeoutMs: 10_000, reload: true })).map((m) => m.id).sort();

  beforeAll(async () => {
    work = await fsp.mkdtemp(path.join(os.tmpdir(), "modelshelf-llama-copy-"));
    libraryDir = path.join(work, "library");
    modelsDir = path.join(work, "models");
    await fsp.mkdir(path.join(libraryDir, "tiny"), { recursive: true });
    await fsp.mkdir(path.join(libraryDir, "split"));
    await fsp.mkdir(modelsDir);
    await fsp.writeFile(path.join(libraryDir, "tiny", "tiny-f16.gguf"), single);
    for (const [i, bytes] of shards.entries()) await fsp.writeFile(path.join(libraryDir, "split", ggufShardFileName("tiny-split", i, shards.length)), bytes);
    server = await startLlamaServer({ binary: binary.binary as string, modelsDir });
    host = { id: 1, name: "test-host", kind: "llama-server", baseUrl: server.url, delivery: "models-dir", modelsDir, presetPath: null, pathMap: [] };
  }, LLAMA_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await server?.close();
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  it("copies a model, which the host then lists, loads and chats with", { timeout: LLAMA_TEST_TIMEOUT_MS }, async () => {
    const recorded = recordingPushContext();
    const outcome = await pushLlamaModel(host, source("library/tiny:f16", [singleFile()]), recorded.ctx, { load: true });
    expect(outcome).toEqual({ hostName: "tiny-f16", hostDigest: sha256(single), sizeBytes: single.length, paths: [path.join(modelsDir, "tiny-f16.gguf")] });
    expect(sha256(await fsp.readFile(path.join(modelsDir, "tiny-f16.gguf")))).toBe(sha256(single));
    // Copy and read-back both reported in bytes up to the whole file.
    expect(recorded.progress.filter((p) => p.unit === "bytes" && p.done === single.length).map((p) => p.message)).toEqual([
      expect.stringMatching(/^Copying tiny-f16.gguf/),
      expect.stringMatching(/^Verifying/),
    ]);
    expect(await fsp.readdir(path.join(modelsDir, STAGING_DIR))).toEqual([]);
    const chat = await chatOnce(server.url, "tiny-f16");
    expect(chat.status, JSON.stringify(chat.body)).toBe(200);
    expect(chat.body).toMatchObject({ model: "tiny-f16", choices: [{ message: { role: "assistant", content: expect.any(String) } }] });
  });

  it("polls the host: its build, and the loaded model with its path and context", { timeout: LLAMA_TEST_TIMEOUT_MS }, async () => {
    const report = await pollLlamaServer(host, { timeoutMs: 10_000 });
    expect(report).toMatchObject({ reachable: true, error: null, version: expect.stringMatching(/^b\d+-[0-9a-f]{7}/) });
    expect(report.models).toEqual([
      {
        name: "tiny-f16",
        digest: null,
        sizeBytes: expect.any(Number),
        loaded: true,
        loadedBytes: null,
        vramBytes: null,
        status: "loaded",
        details: expect.objectContaining({ path: path.join(modelsDir, "tiny-f16.gguf"), source: "models_dir", contextLength: 256, fileType: "F16", failed: false }),
      },
    ]);
  });

  it("pushes the same model again by checking the copy in place instead of copying it", { timeout: LLAMA_TEST_TIMEOUT_MS }, async () => {
    const before = await fsp.stat(path.join(modelsDir, "tiny-f16.gguf"));
    const recorded = recordingPushContext();
    await pushLlamaModel(host, source("library/tiny:f16", [singleFile()]), recorded.ctx);
    expect(recorded.notes.join("\n")).toMatch(/already in .* not copying it again/);
    expect((await fsp.stat(path.join(modelsDir, "tiny-f16.gguf"))).ino).toBe(before.ino);
  });

  it("removes it: unloaded, file deleted, no longer listed", { timeout: LLAMA_TEST_TIMEOUT_MS }, async () => {
    const recorded = recordingPushContext();
    const outcome = await removeLlamaModel(host, "tiny-f16", recorded.ctx);
    expect(outcome.paths).toEqual([path.join(modelsDir, "tiny-f16.gguf")]);
    expect(recorded.notes).toContain("Unloaded tiny-f16");
    expect(await listed()).toEqual([]);
    await expect(fsp.stat(path.join(modelsDir, "tiny-f16.gguf"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("puts a split model in a sub-directory named after its id, loaded from the first shard", { timeout: LLAMA_TEST_TIMEOUT_MS }, async () => {
    const outcome = await pushLlamaModel(host, source("acme/tiny-split:f16", shardFiles()), recordingPushContext().ctx, { load: true });
    expect(outcome.hostName).toBe("acme-tiny-split-f16");
    expect(outcome.paths).toEqual(shardFiles().map((f) => path.join(modelsDir, "acme-tiny-split-f16", f.fileName)));
    expect((await fsp.readdir(path.join(modelsDir, "acme-tiny-split-f16"))).sort()).toEqual(shardFiles().map((f) => f.fileName));
    const report = await pollLlamaServer(host, { timeoutMs: 10_000 });
    expect(report.models).toEqual([
      expect.objectContaining({ name: "acme-tiny-split-f16", loaded: true, details: expect.objectContaining({ path: outcome.paths[0] }) }),
    ]);
    const chat = await chatOnce(server.url, "acme-tiny-split-f16");
    expect(chat, JSON.stringify(chat.body)).toMatchObject({ status: 200, body: { model: "acme-tiny-split-f16" } });
    await removeLlamaModel(host, "acme-tiny-split-f16", recordingPushContext().ctx);
    expect(await fsp.readdir(modelsDir)).toEqual([STAGING_DIR]);
  });

  it("deletes a copy that does not match the verified checksum and fails for good", { timeout: LLAMA_TEST_TIMEOUT_MS }, async () => {
    const corrupt = { ...singleFile(), sha256: "0".repeat(64) };
    const error = await pushLlamaModel(host, source("library/tiny:broken", [corrupt]), recordingPushContext().ctx).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(isAppError(error) && error.code === "corrupt-file" && !error.retryable).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`SHA-256 ${sha256(single)}, not the verified 0{64}.*The copy was deleted`));
    expect(await fsp.readdir(modelsDir)).toEqual([STAGING_DIR]);
    expect(await fsp.readdir(path.join(modelsDir, STAGING_DIR))).toEqual([]);
    expect(await listed()).toEqual([]);
  });

  it("stops a push when cancelled, at once, and leaves nothing behind", { timeout: LLAMA_TEST_TIMEOUT_MS }, async () => {
    const controller = new AbortController();
    // Copy and read-back of the 240 KB model take ~7 s at this cap; the abort comes after 0.3 s.
    const ctx = { ...recordingPushContext().ctx, signal: controller.signal, throttle: createThrottle({ bytesPerSecond: 32 * 1024 }) };
    setTimeout(() => controller.abort(new Error("user cancelled")), 300);
    const started = performance.now();
    const error = await pushLlamaModel(host, source("library/tiny:slow", [singleFile()]), ctx).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(isCancelledError(error)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await fsp.readdir(modelsDir)).toEqual([STAGING_DIR]);
    expect(await fsp.readdir(path.join(modelsDir, STAGING_DIR))).toEqual([]);
  });

  it("refuses a split model whose shards are not named for llama.cpp", async () => {
    const files = shardFiles().map((f, i) => ({ ...f, fileName: `part${i}.gguf` }));
    await expect(pushLlamaModel(host, source("acme/odd:f16", files), recordingPushContext().ctx)).rejects.toThrow(/is not named like a split shard/);
  });
});
