import { promises as fsp } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors.ts";
import { READDIR_BATCH_SIZE, nodeWalkFs, walkLibrary, type WalkFs } from "../../lib/nfs/walk-library.ts";
import { errnoError, never, useTempDirs, writeFileAt } from "./temp-dir.ts";

const tempDir = useTempDirs();
const timeoutMs = 5000;

/** Real fs, except that the listed paths fail or hang as on a broken share. */
function fakeFs(root: string, faults: { opendir?: Record<string, Error | "hang">; stat?: Record<string, Error | "hang"> }): WalkFs {
  const fault = (table: Record<string, Error | "hang"> | undefined, p: string): Promise<never> | undefined => {
    const f = table?.[path.relative(root, p)];
    if (f === undefined) return undefined;
    return f === "hang" ? never() : Promise.reject(f);
  };
  return {
    opendir: (p, options) => fault(faults.opendir, p) ?? nodeWalkFs.opendir(p, options),
    stat: (p) => fault(faults.stat, p) ?? nodeWalkFs.stat(p),
  };
}

async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe("walkLibrary", () => {
  it("lists GGUF files in nested folders with forward-slash paths, sizes and inode strings", async () => {
    const root = await tempDir();
    await writeFileAt(root, "top.gguf", "abc");
    await writeFileAt(root, "TheBloke/Llama-3-8B/llama-3-8b.Q4_K_M.gguf", "12345");
    const { files } = await walkLibrary(root, { timeoutMs });
    expect(files.map((f) => [f.relPath, f.name, f.kind, f.sizeBytes])).toEqual([
      ["TheBloke/Llama-3-8B/llama-3-8b.Q4_K_M.gguf", "llama-3-8b.Q4_K_M.gguf", "gguf", 5],
      ["top.gguf", "top.gguf", "gguf", 3],
    ]);
    const stats = await fsp.stat(path.join(root, "top.gguf"), { bigint: true });
    expect(files[1]).toMatchObject({ ino: stats.ino.toString(), dev: stats.dev.toString(), mtimeMs: Number(stats.mtimeMs), viaSymlink: false });
  });

  it("returns temp files as kind temp and counts other files without listing them", async () => {
    const root = await tempDir();
    await writeFileAt(root, "a.gguf");
    await writeFileAt(root, ".b.gguf.Xy12Ab");
    await writeFileAt(root, "c.gguf.part");
    await writeFileAt(root, "README.md");
    await writeFileAt(root, "sub/notes.txt");
    const result = await walkLibrary(root, { timeoutMs });
    expect(result.files.map((f) => [f.relPath, f.kind])).toEqual([
      [".b.gguf.Xy12Ab", "temp"],
      ["a.gguf", "gguf"],
      ["c.gguf.part", "temp"],
    ]);
    expect(result.counts).toMatchObject({ otherFiles: 2, directories: 2, entries: 6 });
  });

  it("does not enter NAS housekeeping folders such as @eaDir and #recycle", async () => {
    const root = await tempDir();
    await writeFileAt(root, "m/a.gguf");
    await writeFileAt(root, "m/@eaDir/a.gguf/SYNO_THUMB.gguf");
    await writeFileAt(root, "#recycle/old.gguf");
    const result = await walkLibrary(root, { timeoutMs });
    expect(result.files.map((f) => f.relPath)).toEqual(["m/a.gguf"]);
    expect(result.counts.skippedDirs).toBe(2);
  });

  it("reports a symlinked folder in skipped instead of following it", async () => {
    const root = await tempDir();
    await writeFileAt(root, "real/a.gguf");
    await fsp.symlink(path.join(root, "real"), path.join(root, "loop"));
    await fsp.symlink(root, path.join(root, "real/back-to-root"));
    const result = await walkLibrary(root, { timeoutMs });
    expect(result.files.map((f) => f.relPath)).toEqual(["real/a.gguf"]);
    expect(result.skipped).toEqual([
      { relPath: "loop", reason: "symlinked-dir" },
      { relPath: "real/back-to-root", reason: "symlinked-dir" },
    ]);
  });

  it("reports a symlinked GGUF file with the size and inode of its target", async () => {
    const root = await tempDir();
    const target = await writeFileAt(root, "blobs/0f3c", "0123456789");
    await fsp.symlink(target, path.join(root, "model.gguf"));
    const [file] = (await walkLibrary(root, { timeoutMs })).files;
    const stats = await fsp.stat(target, { bigint: true });
    expect(file).toMatchObject({ relPath: "model.gguf", kind: "gguf", sizeBytes: 10, ino: stats.ino.toString(), viaSymlink: true });
  });

  it("reports a dangling symlink as broken", async () => {
    const root = await tempDir();
    await fsp.symlink(path.join(root, "gone.gguf"), path.join(root, "model.gguf"));
    const result = await walkLibrary(root, { timeoutMs });
    expect(result.files).toEqual([]);
    expect(result.skipped).toMatchObject([{ relPath: "model.gguf", reason: "broken-symlink", errno: "ENOENT" }]);
  });

  it("stops descending below maxDepth and says where", async () => {
    const root = await tempDir();
    await writeFileAt(root, "a/one.gguf");
    await writeFileAt(root, "a/b/two.gguf");
    const result = await walkLibrary(root, { timeoutMs, maxDepth: 1 });
    expect(result.files.map((f) => f.relPath)).toEqual(["a/one.gguf"]);
    expect(result.skipped).toEqual([{ relPath: "a/b", reason: "max-depth" }]);
  });

  it("fails with a clear error when the tree holds more than maxEntries entries", async () => {
    const root = await tempDir();
    for (const name of ["a", "b", "c", "d"]) await writeFileAt(root, `${name}.gguf`);
    const error = await failureOf(walkLibrary(root, { timeoutMs, maxEntries: 3 }));
    expect(error.code).toBe("invalid-input");
    expect(error.message).toMatch(/more than 3 entries.*raise maxEntries/);
  });

  it("lists folders larger than one read batch completely", async () => {
    const root = await tempDir();
    const count = READDIR_BATCH_SIZE * 2 + 7;
    await Promise.all(Array.from({ length: count }, (_, i) => writeFileAt(root, `m${String(i).padStart(4, "0")}.gguf`)));
    expect((await walkLibrary(root, { timeoutMs })).files).toHaveLength(count);
  });

  // Tests run as root, where chmod cannot make a folder unreadable; the fs is faked instead.
  it("reports an unreadable sub-folder in skipped and still lists the rest", async () => {
    const root = await tempDir();
    await writeFileAt(root, "ok/a.gguf");
    await writeFileAt(root, "locked/b.gguf");
    const fs = fakeFs(root, { opendir: { locked: errnoError("EACCES", "opendir") } });
    const result = await walkLibrary(root, { timeoutMs, fs });
    expect(result.files.map((f) => f.relPath)).toEqual(["ok/a.gguf"]);
    expect(result.skipped).toMatchObject([{ relPath: "locked", reason: "unreadable-dir", errno: "EACCES" }]);
    expect(result.skipped[0]?.message).toMatch(/Permission denied/);
  });

  it("reports a GGUF file whose stat fails with EIO as unreadable", async () => {
    const root = await tempDir();
    await writeFileAt(root, "bad.gguf");
    const fs = fakeFs(root, { stat: { "bad.gguf": errnoError("EIO") } });
    expect((await walkLibrary(root, { timeoutMs, fs })).skipped).toMatchObject([{ relPath: "bad.gguf", reason: "unreadable-file", errno: "EIO" }]);
  });

  it("fails with a timeout when a call inside the tree hangs", async () => {
    const root = await tempDir();
    await writeFileAt(root, "deep/a.gguf");
    const fs = fakeFs(root, { stat: { "deep/a.gguf": "hang" } });
    const error = await failureOf(walkLibrary(root, { timeoutMs: 50, fs }));
    expect(error).toMatchObject({ code: "timeout", retryable: true });
    expect(error.message).toMatch(/a\.gguf did not answer within 0\.05s/);
  });

  it("fails as unavailable when the root does not exist", async () => {
    const error = await failureOf(walkLibrary(path.join(await tempDir(), "missing"), { timeoutMs }));
    expect(error).toMatchObject({ code: "unavailable", details: { reason: "missing", failure: "ENOENT" } });
    expect(error.message).toMatch(/does not exist/);
  });

  it("fails as unavailable when the root is a file", async () => {
    const file = await writeFileAt(await tempDir(), "model.gguf");
    const error = await failureOf(walkLibrary(file, { timeoutMs }));
    expect(error).toMatchObject({ code: "unavailable", details: { reason: "not-a-directory" } });
    expect(error.message).toMatch(/is a file, not a folder/);
  });

  it("fails as unavailable when part of the root's path is a file", async () => {
    const file = await writeFileAt(await tempDir(), "model.gguf");
    const error = await failureOf(walkLibrary(path.join(file, "sub"), { timeoutMs }));
    expect(error).toMatchObject({ code: "unavailable", details: { failure: "ENOTDIR" } });
    expect(error.message).toMatch(/part of its path is a file/);
  });

  it("fails as unavailable with 'permission denied' when the root cannot be listed", async () => {
    const root = await tempDir();
    const fs = fakeFs(root, { opendir: { "": errnoError("EACCES", "opendir") } });
    const error = await failureOf(walkLibrary(root, { timeoutMs, fs }));
    expect(error).toMatchObject({ code: "unavailable", details: { reason: "permission-denied" } });
    expect(error.message).toMatch(/permission denied/);
  });

  it("fails as unavailable with 'hung' when the root does not answer", async () => {
    const root = await tempDir();
    const fs = fakeFs(root, { stat: { "": "hang" } });
    const error = await failureOf(walkLibrary(root, { timeoutMs: 50, fs }));
    expect(error).toMatchObject({ code: "unavailable", retryable: true, details: { reason: "hung" } });
    expect(error.message).toMatch(/did not answer within 0\.05s \(hung network mount\?\)/);
  });

  it("reports progress as a growing count of entries, ending with the total", async () => {
    const root = await tempDir();
    await writeFileAt(root, "a/1.gguf");
    await writeFileAt(root, "b/2.gguf");
    const seen: number[] = [];
    const result = await walkLibrary(root, { timeoutMs, onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(seen.at(-1)).toBe(result.counts.entries);
  });

  it("stops with the signal's reason when aborted", async () => {
    const root = await tempDir();
    await writeFileAt(root, "a/1.gguf");
    const controller = new AbortController();
    const walking = walkLibrary(root, { timeoutMs, signal: controller.signal, onProgress: () => controller.abort(new Error("worker stopping")) });
    await expect(walking).rejects.toThrow("worker stopping");
  });
});
