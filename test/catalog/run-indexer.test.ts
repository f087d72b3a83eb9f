// The indexer process logic, in-process: start-up scan, demo library,
// watcher hints, and a clean stop.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig, type AppConfig } from "../../lib/config.ts";
import { runIndexer } from "../../lib/catalog/run-indexer.ts";
import { buildTinyModel } from "../../lib/gguf/index.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

// Scans inside the job runner take their settings from the process config.
process.env.MODELSHELF_STABLE_MS = "50";
process.env.MODELSHELF_LOG_LEVEL = "error";

let temp: TempDb;
let controller: AbortController;
let running: Promise<void> | undefined;
beforeEach(async () => {
  temp = await createTempDb("modelshelf-indexer-");
  controller = new AbortController();
});
afterEach(async () => {
  controller.abort();
  await running;
  await temp.cleanup();
});

function config(extra: Record<string, string>): AppConfig {
  return parseConfig({ MODELSHELF_DATA_DIR: path.join(temp.dir, "data"), MODELSHELF_SCAN_INTERVAL_MINUTES: "0", ...extra }, temp.dir);
}

async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("indexer", () => {
  it("generates and indexes the demo library when no library is configured", async () => {
    running = runIndexer(temp.db, config({ MODELSHELF_WATCH: "off" }), controller.signal);
    await until(
      async () =>
        (await temp.db.ollamaTag.count()) === 1 &&
        (await temp.db.model.count()) === 5 &&
        (await temp.db.library.count({ where: { status: "ok" } })) === 2,
    );
    const libraries = await temp.db.library.findMany({ orderBy: { path: "asc" } });
    expect(libraries.map((l) => [path.relative(temp.dir, l.path), l.kind, l.status, l.source])).toEqual([
      ["data/demo-library/gguf", "gguf-dir", "ok", "demo"],
      ["data/demo-library/ollama", "ollama", "ok", "demo"],
    ]);
    const qwen = await temp.db.model.findFirstOrThrow({ where: { architecture: "qwen2" }, include: { files: true } });
    expect(qwen.files).toHaveLength(2);
  });

  it("indexes a configured root at start and a file added later through the watcher", async () => {
    const root = path.join(temp.dir, "models");
    await mkdir(root);
    await writeFile(path.join(root, "first.gguf"), buildTinyModel({ architecture: "llama", fileType: "F16", name: "First", seed: 1, tokenizer: "llama" }));
    running = runIndexer(temp.db, config({ MODELSHELF_LIBRARIES: root, MODELSHELF_WATCH: "on" }), controller.signal);
    await until(() => temp.db.model.findFirst({ where: { displayName: "First" } }));
    // Let the watcher finish its initial crawl before adding a file.
    await new Promise((r) => setTimeout(r, 1_000));
    await writeFile(path.join(root, "second.gguf"), buildTinyModel({ architecture: "llama", fileType: "Q8_0", name: "Second", seed: 2, tokenizer: "llama" }));
    const second = await until(() => temp.db.model.findFirst({ where: { displayName: "Second" } }), 30_000);
    expect(second.fileType).toBe("Q8_0");
    const triggers = (await temp.db.scanRun.findMany()).map((run) => run.trigger);
    expect(triggers).toContain("startup");
    expect(triggers).toContain("watch");
  });

  it("closes scan runs left running by a crashed worker", async () => {
    const library = await temp.db.library.create({ data: { path: path.join(temp.dir, "nowhere"), source: "env" } });
    await temp.db.scanRun.create({ data: { libraryId: library.id, trigger: "startup", status: "running" } });
    running = runIndexer(temp.db, config({ MODELSHELF_LIBRARIES: library.path, MODELSHELF_WATCH: "off" }), controller.signal);
    const closed = await until(() => temp.db.scanRun.findFirst({ where: { status: "failed", message: { contains: "interrupted" } } }));
    expect(closed.finishedAt).not.toBeNull();
  });
});
