import { promises as fsp } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_SINGLE_READ_BYTES, openFileSource } from "../../lib/nfs/open-file-source.ts";
import { useTempDirs, writeFileAt } from "./temp-dir.ts";

const tempDir = useTempDirs();
const timeoutMs = 5000;
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");

async function sourceOf(content: string, maxReadBytes?: number) {
  const file = await writeFileAt(await tempDir(), "m.gguf", content);
  return openFileSource(file, maxReadBytes === undefined ? { timeoutMs } : { timeoutMs, maxReadBytes });
}

describe("openFileSource", () => {
  it("reports the file size", async () => {
    const source = await sourceOf("GGUF0123456789");
    expect(source.size).toBe(14);
    await source.close();
  });

  it("reads the requested bytes at any position", async () => {
    const source = await sourceOf("GGUF0123456789");
    expect(text(await source.read(4, 3))).toBe("012");
    expect(text(await source.read(0, 4))).toBe("GGUF");
    await source.close();
  });

  it("counts the bytes it returned", async () => {
    const source = await sourceOf("GGUF0123456789");
    await source.read(0, 4);
    await source.read(10, 100);
    expect(source.bytesRead).toBe(8);
    await source.close();
  });

  it("returns fewer bytes only at the end of the file", async () => {
    const source = await sourceOf("GGUF0123456789");
    expect(text(await source.read(10, 100))).toBe("6789");
    expect(await source.read(14, 10)).toHaveLength(0);
    await source.close();
  });

  it("refuses reads beyond maxReadBytes in total as a corrupt file", async () => {
    const source = await sourceOf("GGUF0123456789", 10);
    await source.read(0, 8);
    await expect(source.read(8, 4)).rejects.toMatchObject({ code: "corrupt-file" });
    await source.close();
  });

  it("refuses a single read larger than the per-read cap", async () => {
    const source = await sourceOf("GGUF");
    await expect(source.read(0, MAX_SINGLE_READ_BYTES + 1)).rejects.toMatchObject({ code: "invalid-input" });
    await source.close();
  });

  it("reads the first bytes of a 2 GB sparse file instantly", async () => {
    const file = await writeFileAt(await tempDir(), "huge.gguf", "GGUF");
    await fsp.truncate(file, 2 * 1024 ** 3);
    const started = Date.now();
    const source = await openFileSource(file, { timeoutMs });
    expect(text(await source.read(0, 4))).toBe("GGUF");
    expect(Date.now() - started).toBeLessThan(500);
    expect(source.size).toBe(2 * 1024 ** 3);
    await source.close();
  });

  it("fails with not-found for a missing file", async () => {
    await expect(openFileSource(path.join(await tempDir(), "no.gguf"), { timeoutMs })).rejects.toMatchObject({ code: "not-found" });
  });

  it("refuses a folder", async () => {
    await expect(openFileSource(await tempDir(), { timeoutMs })).rejects.toMatchObject({ code: "invalid-input" });
  });

  it("refuses reads after close", async () => {
    const source = await sourceOf("GGUF");
    await source.close();
    await expect(source.read(0, 1)).rejects.toMatchObject({ code: "internal" });
  });
});
