// Scanner integration tests on real temp directories and a real SQLite file.
import { appendFile, mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scanLibrary, type ScanSettings } from "../../lib/catalog/scan-library.ts";
import { buildDemoFiles } from "../../lib/demo/ensure-demo-library.ts";
import { buildTinyModel } from "../../lib/gguf/index.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

let temp: TempDb;
let root: string;
beforeEach(async () => {
  temp = await createTempDb("modelshelf-scan-");
  root = path.join(temp.dir, "library");
  await mkdir(root, { recursive: true });
});
afterEach(async () => {
  await temp.cleanup();
});

const fast: Partial<ScanSettings> = { stableMs: 0, fsTimeoutMs: 5_000, missingGuardPercent: 20, missingGuardMinFiles: 3 };

async function addLibrary(dir = root) {
  return temp.db.library.create({ data: { path: dir, source: "env" } });
}

async function scan(libraryId: number, settings: Partial<ScanSettings> = fast, acceptMissing = false) {
  return scanLibrary(temp.db, { libraryId, trigger: "manual", acceptMissing }, { settings });
}

async function put(relPath: string, bytes: Uint8Array, dir = root) {
  const target = path.join(dir, relPath);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, bytes);
}

async function writeDemo(): Promise<{ gguf: string; ollama: string }> {
  for (const file of buildDemoFiles()) await put(file.relPath, file.bytes);
  return { gguf: path.join(root, "gguf"), ollama: path.join(root, "ollama") };
}

const llama = (seed = 1, name = "Tiny Llama") => buildTinyModel({ architecture: "llama", fileType: "F16", name, seed, tokenizer: "llama" });

describe("scanning a folder of GGUF files", () => {
  it("indexes every model with its metadata, one model per split set", async () => {
    const { gguf } = await writeDemo();
    const library = await addLibrary(gguf);
    const summary = await scan(library.id);
    expect(summary.status).toBe("ok");
    expect(summary.kind).toBe("gguf-dir");
    const models = await temp.db.model.findMany({ include: { files: true }, orderBy: { displayName: "asc" } });
    expect(models.map((m) => [m.displayName, m.architecture, m.fileType, m.files.length])).toEqual([
      ["TinyGemma 2", "gemma2", "Q8_0", 1],
      ["TinyLlama Base", "llama", "F32", 3],
      ["TinyLlama Chat", "llama", "F16", 1],
      ["TinyLlama Chat", "llama", "Q8_0", 1],
      ["TinyQwen Instruct", "qwen2", "Q4_0", 1],
    ]);
    const split = models[1]!;
    expect(split.shardCount).toBe(3);
    expect(JSON.parse(split.problemsJson)).toEqual([]);
    expect(Number(split.parameterCount)).toBe(Number(models[2]!.parameterCount));
  });

  it("reports a missing shard of a split model", async () => {
    const { gguf } = await writeDemo();
    await rm(path.join(gguf, "split", "TinyLlama-Base-F32-00002-of-00003.gguf"));
    const library = await addLibrary(gguf);
    await scan(library.id);
    const model = await temp.db.model.findFirstOrThrow({ where: { displayName: "TinyLlama Base" } });
    expect(JSON.parse(model.problemsJson)).toEqual(["missing shard 2 of 3 (TinyLlama-Base-F32-00002-of-00003.gguf)"]);
  });

  it("only stats unchanged files on a rescan (no header is read again)", async () => {
    const { gguf } = await writeDemo();
    const library = await addLibrary(gguf);
    const first = await scan(library.id);
    expect(first.bytesRead).toBeGreaterThan(0);
    const second = await scan(library.id);
    expect(second).toMatchObject({ added: 0, changed: 0, unchanged: 7, missing: 0, bytesRead: 0 });
  });

  it("re-reads a file whose content changed and updates its model", async () => {
    await put("a.gguf", llama(1, "Before"));
    const library = await addLibrary();
    await scan(library.id);
    await put("a.gguf", buildTinyModel({ architecture: "qwen2", fileType: "Q8_0", name: "After", seed: 5, tokenizer: "gpt2" }));
    const summary = await scan(library.id);
    expect(summary.changed).toBe(1);
    const file = await temp.db.libraryFile.findFirstOrThrow({ where: { relPath: "a.gguf" }, include: { model: true } });
    expect(file.model?.displayName).toBe("After");
    expect(file.model?.architecture).toBe("qwen2");
    // The old model row was reused rather than left behind as an orphan.
    expect(await temp.db.model.count()).toBe(1);
  });

  it("marks a deleted file missing, keeps it in the catalogue, and clears it when it returns", async () => {
    await put("a.gguf", llama(1, "A"));
    await put("b.gguf", llama(2, "B"));
    await put("c.gguf", llama(3, "C"));
    const library = await addLibrary();
    await scan(library.id);
    const bytes = llama(2, "B");
    await rm(path.join(root, "b.gguf"));
    const afterDelete = await scan(library.id);
    expect(afterDelete.missing).toBe(1);
    const missing = await temp.db.libraryFile.findFirstOrThrow({ where: { relPath: "b.gguf" } });
    expect(missing.missingSince).not.toBeNull();
    expect(missing.modelId).not.toBeNull();
    await writeFile(path.join(root, "b.gguf"), bytes);
    const afterReturn = await scan(library.id);
    expect(afterReturn.returned).toBe(1);
    expect((await temp.db.libraryFile.findFirstOrThrow({ where: { relPath: "b.gguf" } })).missingSince).toBeNull();
    expect(await temp.db.model.count()).toBe(3);
  });

  it("follows a rename: old path missing, new path indexed, same model", async () => {
    await put("old/model.gguf", llama(1, "Moved"));
    const library = await addLibrary();
    await scan(library.id);
    await mkdir(path.join(root, "new"));
    await rename(path.join(root, "old", "model.gguf"), path.join(root, "new", "model.gguf"));
    const summary = await scan(library.id);
    expect(summary).toMatchObject({ added: 1, missing: 1 });
    const files = await temp.db.libraryFile.findMany({ orderBy: { relPath: "asc" } });
    expect(files.map((f) => [f.relPath, f.missingSince === null])).toEqual([["new/model.gguf", true], ["old/model.gguf", false]]);
    expect(files[0]!.modelId).toBe(files[1]!.modelId);
  });

  it("lists temporary and partial names as ignored without reading them", async () => {
    await put(".model.gguf.Ab12Cd", new Uint8Array([1, 2, 3]));
    await put("download.gguf.part", new Uint8Array([1, 2, 3]));
    await put("real.gguf", llama());
    const library = await addLibrary();
    const summary = await scan(library.id);
    expect(summary).toMatchObject({ ignored: 2, added: 1, errors: 0 });
    const ignored = await temp.db.libraryFile.findMany({ where: { state: "ignored" }, orderBy: { relPath: "asc" } });
    expect(ignored.map((f) => f.relPath)).toEqual([".model.gguf.Ab12Cd", "download.gguf.part"]);
    expect(ignored[0]!.stateReason).toContain("temporary or partial name");
  });

  it("waits for a file that is still being written, then indexes it once stable", async () => {
    const bytes = llama();
    const half = Math.floor(bytes.length / 2);
    await put("copying.gguf", bytes.subarray(0, half));
    const library = await addLibrary();
    const writer = setTimeout(() => void appendFile(path.join(root, "copying.gguf"), bytes.subarray(half)), 100);
    const first = await scan(library.id, { ...fast, stableMs: 400 });
    clearTimeout(writer);
    expect(first).toMatchObject({ settling: 1, added: 0, errors: 0 });
    expect((await temp.db.libraryFile.findFirstOrThrow({ where: { relPath: "copying.gguf" } })).state).toBe("settling");
    expect(await temp.db.job.count({ where: { name: "catalog.scan-library" } })).toBe(1);
    const second = await scan(library.id, { ...fast, stableMs: 50 });
    expect(second).toMatchObject({ settling: 0, added: 1, errors: 0 });
    expect((await temp.db.libraryFile.findFirstOrThrow({ where: { relPath: "copying.gguf" } })).state).toBe("indexed");
  });

  it("records a corrupt file as an error with the byte offset and indexes the rest", async () => {
    const bytes = llama();
    await put("good.gguf", bytes);
    await put("truncated.gguf", bytes.subarray(0, 200));
    await put("not-gguf.gguf", new TextEncoder().encode("<html>404 Not Found</html>"));
    const library = await addLibrary();
    const summary = await scan(library.id);
    expect(summary).toMatchObject({ added: 3, errors: 2, status: "ok" });
    const truncated = await temp.db.libraryFile.findFirstOrThrow({ where: { relPath: "truncated.gguf" } });
    expect(truncated.state).toBe("error");
    expect(truncated.stateReason).toContain("truncated.gguf");
    expect(truncated.errorOffset).not.toBeNull();
    expect(await temp.db.model.count()).toBe(1);
  });
});

describe("mount-loss safety", () => {
  it("flags a vanished root unavailable and marks nothing missing; a returning root is ok again", async () => {
    await put("a.gguf", llama(1));
    const library = await addLibrary();
    await scan(library.id);
    const away = `${root}-away`;
    await rename(root, away);
    const summary = await scan(library.id);
    expect(summary.status).toBe("unavailable");
    expect(await temp.db.library.findUniqueOrThrow({ where: { id: library.id } })).toMatchObject({ status: "unavailable", statusCode: "root" });
    expect(await temp.db.libraryFile.count({ where: { missingSince: { not: null } } })).toBe(0);
    await rename(away, root);
    const back = await scan(library.id);
    expect(back).toMatchObject({ status: "ok", unchanged: 1, missing: 0 });
    expect(await temp.db.library.findUniqueOrThrow({ where: { id: library.id } })).toMatchObject({ status: "ok", statusCode: null });
  });

  it("treats an empty root as an unmounted share", async () => {
    await put("a.gguf", llama(1));
    const library = await addLibrary();
    await scan(library.id);
    await rm(path.join(root, "a.gguf"));
    const summary = await scan(library.id);
    expect(summary.status).toBe("unavailable");
    expect(summary.reason).toContain("root is empty");
    expect(await temp.db.libraryFile.count({ where: { missingSince: { not: null } } })).toBe(0);
  });

  it("stops when more than the guard share vanishes at once, until the admin accepts it", async () => {
    for (let i = 0; i < 6; i++) await put(`m${i}.gguf`, llama(i + 1, `M${i}`));
    const library = await addLibrary();
    await scan(library.id);
    for (let i = 0; i < 4; i++) await rm(path.join(root, `m${i}.gguf`));
    const blocked = await scan(library.id);
    expect(blocked.status).toBe("unavailable");
    expect(blocked.reason).toContain("4 of 6");
    expect((await temp.db.library.findUniqueOrThrow({ where: { id: library.id } })).statusCode).toBe("guard");
    expect(await temp.db.libraryFile.count({ where: { missingSince: { not: null } } })).toBe(0);
    const accepted = await scan(library.id, fast, true);
    expect(accepted).toMatchObject({ status: "ok", missing: 4 });
  });
});

describe("scanning an Ollama store", () => {
  it("indexes tags with their layers and links the model blob to the identical raw GGUF", async () => {
    const { gguf, ollama } = await writeDemo();
    const raw = await addLibrary(gguf);
    const store = await addLibrary(ollama);
    await scan(raw.id);
    const summary = await scan(store.id);
    expect(summary).toMatchObject({ status: "ok", kind: "ollama", added: 1, errors: 0 });
    const tag = await temp.db.ollamaTag.findFirstOrThrow({ include: { modelRef: { include: { files: true } } } });
    expect([tag.namespace, tag.model, tag.tag]).toEqual(["library", "tinyqwen", "latest"]);
    expect(tag.template).toContain("<|im_start|>");
    expect(tag.system).toContain("tiny demo model");
    expect(JSON.parse(tag.paramsJson!)).toMatchObject({ num_ctx: 256 });
    expect(tag.license).toContain("Apache");
    expect(tag.manifestDigest).toMatch(/^[0-9a-f]{64}$/);
    // Same bytes in two places: one model, two locations.
    expect(tag.modelRef?.displayName).toBe("TinyQwen Instruct");
    expect(tag.modelRef?.files.map((f) => f.role).sort()).toEqual(["gguf", "ollama-blob"]);
    expect(await temp.db.model.count()).toBe(5);
  });

  it("reports a tag whose model blob is missing from the store", async () => {
    const { ollama } = await writeDemo();
    const tagRow = buildDemoFiles().find((f) => f.relPath.startsWith("ollama/manifests/"))!;
    const manifest = JSON.parse(new TextDecoder().decode(tagRow.bytes)) as { layers: { digest: string }[] };
    await rm(path.join(ollama, "blobs", manifest.layers[0]!.digest.replace(":", "-")));
    const store = await addLibrary(ollama);
    await scan(store.id);
    const tag = await temp.db.ollamaTag.findFirstOrThrow();
    expect(JSON.parse(tag.problemsJson).join(" ")).toContain("is missing from the store");
    expect(tag.modelId).toBeNull();
  });

  it("marks a removed tag missing instead of deleting it", async () => {
    const { ollama } = await writeDemo();
    const store = await addLibrary(ollama);
    await scan(store.id);
    await rm(path.join(ollama, "manifests", "registry.ollama.ai", "library", "tinyqwen", "latest"));
    await scan(store.id);
    const tag = await temp.db.ollamaTag.findFirstOrThrow();
    expect(tag.missingSince).not.toBeNull();
  });
});

describe("a share that fails during the walk", () => {
  async function threeDirs() {
    for (const dir of ["a", "b", "c"]) await put(`${dir}/model.gguf`, llama(dir.charCodeAt(0), dir));
    const library = await addLibrary();
    await scan(library.id);
    return library;
  }

  it("marks nothing missing when directories vanish mid-walk", async () => {
    const library = await threeDirs();
    const { nodeWalkFs } = await import("../../lib/nfs/index.ts");
    let opened = 0;
    const vanishing = {
      ...nodeWalkFs,
      async opendir(dir: string, options: { bufferSize: number }) {
        // The root opens, then the mount goes away.
        if (++opened > 1) throw Object.assign(new Error(`ENOENT: no such file or directory, opendir '${dir}'`), { code: "ENOENT" });
        return nodeWalkFs.opendir(dir, options);
      },
    };
    const summary = await scanLibrary(temp.db, { libraryId: library.id, trigger: "manual", acceptMissing: false }, { settings: fast, walkFs: vanishing });
    expect(summary.missing).toBe(0);
    expect(await temp.db.libraryFile.count({ where: { missingSince: { not: null } } })).toBe(0);
  });

  it("flags the library unavailable when a directory read hangs, and marks nothing missing", async () => {
    const library = await threeDirs();
    const { nodeWalkFs } = await import("../../lib/nfs/index.ts");
    let opened = 0;
    const hanging = {
      ...nodeWalkFs,
      opendir(dir: string, options: { bufferSize: number }) {
        if (++opened > 2) return new Promise<never>(() => {});
        return nodeWalkFs.opendir(dir, options);
      },
    };
    const summary = await scanLibrary(
      temp.db,
      { libraryId: library.id, trigger: "manual", acceptMissing: false },
      { settings: { ...fast, fsTimeoutMs: 200 }, walkFs: hanging as typeof nodeWalkFs },
    );
    expect(summary.status).toBe("unavailable");
    expect(summary.reason).toMatch(/did not answer|timed out/i);
    expect((await temp.db.library.findUniqueOrThrow({ where: { id: library.id } })).statusCode).toBe("hung");
    expect(await temp.db.libraryFile.count({ where: { missingSince: { not: null } } })).toBe(0);
  });
});
