import path from "node:path";
import { describe, expect, it } from "vitest";
import { readSmallFile } from "../../lib/nfs/read-small-file.ts";
import { useTempDirs, writeFileAt } from "./temp-dir.ts";

const tempDir = useTempDirs();

describe("readSmallFile", () => {
  it("returns the whole content of a file within the limit", async () => {
    const file = await writeFileAt(await tempDir(), "latest", '{"schemaVersion":2}');
    expect((await readSmallFile(file, 1024, 5000)).toString("utf8")).toBe('{"schemaVersion":2}');
  });

  it("reads an empty file as an empty buffer", async () => {
    const file = await writeFileAt(await tempDir(), "empty");
    expect(await readSmallFile(file, 1024, 5000)).toHaveLength(0);
  });

  it("accepts a file of exactly maxBytes", async () => {
    const file = await writeFileAt(await tempDir(), "params", "x".repeat(16));
    expect(await readSmallFile(file, 16, 5000)).toHaveLength(16);
  });

  it("refuses a file larger than maxBytes, naming both sizes", async () => {
    const file = await writeFileAt(await tempDir(), "template", "x".repeat(17));
    await expect(readSmallFile(file, 16, 5000)).rejects.toMatchObject({
      code: "corrupt-file",
      message: expect.stringMatching(/is 17 bytes, more than the 16 bytes/),
    });
  });

  it("fails with not-found for a missing file", async () => {
    await expect(readSmallFile(path.join(await tempDir(), "gone"), 16, 5000)).rejects.toMatchObject({ code: "not-found" });
  });

  it("refuses a folder", async () => {
    await expect(readSmallFile(await tempDir(), 16, 5000)).rejects.toMatchObject({ code: "invalid-input" });
  });
});
