import { promises as fsp } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { statFile } from "../../lib/nfs/stat-file.ts";
import { useTempDirs, writeFileAt } from "./temp-dir.ts";

const tempDir = useTempDirs();

describe("statFile", () => {
  it("returns size, mtime, inode and device of a file", async () => {
    const file = await writeFileAt(await tempDir(), "a.gguf", "hello");
    const stats = await fsp.stat(file, { bigint: true });
    expect(await statFile(file, 5000)).toEqual({
      sizeBytes: 5,
      mtimeMs: Number(stats.mtimeMs),
      ino: stats.ino.toString(),
      dev: stats.dev.toString(),
    });
  });

  it("returns null when the file does not exist", async () => {
    expect(await statFile(path.join(await tempDir(), "gone.gguf"), 5000)).toBeNull();
  });

  it("refuses a folder with invalid-input", async () => {
    await expect(statFile(await tempDir(), 5000)).rejects.toMatchObject({ code: "invalid-input" });
  });
});
