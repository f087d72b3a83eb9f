import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { watchLibrary, type LibraryChange, type LibraryWatcher } from "../../lib/nfs/watch-library.ts";
import { useTempDirs, writeFileAt } from "./temp-dir.ts";

const tempDir = useTempDirs();
const open: LibraryWatcher[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function startWatching(mode: "events" | "poll") {
  const root = await tempDir();
  await fsp.mkdir(path.join(root, "existing"));
  const hints: Array<[string, LibraryChange]> = [];
  const errors: Error[] = [];
  const watcher = watchLibrary(root, {
    mode,
    pollIntervalMs: 100,
    onHint: (relPath, event) => hints.push([relPath, event]),
    onError: (error) => errors.push(error),
  });
  open.push(watcher);
  await watcher.ready;
  return { root, hints, errors };
}

describe.each(["events", "poll"] as const)("watchLibrary in %s mode", (mode) => {
  it("hints at a new GGUF file within a few seconds", async () => {
    const { root, hints, errors } = await startWatching(mode);
    await writeFileAt(root, "existing/new.gguf", "GGUF");
    await waitFor(() => hints.some(([p, e]) => p === "existing/new.gguf" && e === "add"), 5000);
    expect(errors).toEqual([]);
  });

  it("gives no hint for temp names or NAS housekeeping folders", async () => {
    const { root, hints } = await startWatching(mode);
    await writeFileAt(root, "existing/.big.gguf.Ab12Cd", "GG");
    await writeFileAt(root, "existing/big.gguf.part", "GG");
    await writeFileAt(root, `existing/sha256-${"f".repeat(64)}-partial`, "GG");
    await fsp.mkdir(path.join(root, "existing/@eaDir"));
    await writeFileAt(root, "existing/@eaDir/thumb.gguf", "GG");
    await writeFileAt(root, "existing/marker.gguf", "GGUF");
    await waitFor(() => hints.some(([p]) => p === "existing/marker.gguf"), 5000);
    // Give late events for the earlier files a chance to show up (the poll interval is 100 ms).
    await new Promise((resolve) => setTimeout(resolve, 400));
    // A write can show up as "add" then "change"; only the set of hinted paths matters.
    expect([...new Set(hints.map(([p]) => p))]).toEqual(["existing/marker.gguf"]);
  });
});

describe("watchLibrary", () => {
  it("resolves close() more than once without error", async () => {
    const root = await tempDir();
    const watcher = watchLibrary(root, { mode: "events", onHint: () => undefined, onError: () => undefined });
    await watcher.ready;
    await watcher.close();
    await expect(watcher.close()).resolves.toBeUndefined();
  });

  it("refuses a poll interval that is not a positive integer", () => {
    expect(() => watchLibrary("/tmp", { mode: "poll", pollIntervalMs: 0, onHint: () => undefined, onError: () => undefined })).toThrow(
      /pollIntervalMs must be an integer/,
    );
  });
});
