import { promises as fsp } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { detectLibraryKind } from "../../lib/nfs/detect-library-kind.ts";
import { useTempDirs, writeFileAt } from "./temp-dir.ts";

const tempDir = useTempDirs();

describe("detectLibraryKind", () => {
  it("recognises an Ollama models folder by its manifests/ and blobs/ folders", async () => {
    const root = await tempDir();
    await fsp.mkdir(path.join(root, "manifests"));
    await fsp.mkdir(path.join(root, "blobs"));
    expect(await detectLibraryKind(root, 5000)).toBe("ollama");
  });

  it("treats a folder of GGUF files as gguf-dir", async () => {
    const root = await tempDir();
    await writeFileAt(root, "a.gguf");
    expect(await detectLibraryKind(root, 5000)).toBe("gguf-dir");
  });

  it("needs both folders: a lone manifests/ is a gguf-dir", async () => {
    const root = await tempDir();
    await fsp.mkdir(path.join(root, "manifests"));
    await writeFileAt(root, "blobs", "a file, not a folder");
    expect(await detectLibraryKind(root, 5000)).toBe("gguf-dir");
  });

  it("refuses the parent .ollama folder and names the models folder to use instead", async () => {
    const root = await tempDir();
    await fsp.mkdir(path.join(root, "models/manifests"), { recursive: true });
    await fsp.mkdir(path.join(root, "models/blobs"));
    await expect(detectLibraryKind(root, 5000)).rejects.toMatchObject({
      code: "invalid-input",
      message: expect.stringContaining(`use ${path.join(root, "models")} as the library root`),
    });
  });

  it("fails as unavailable when the root does not exist", async () => {
    await expect(detectLibraryKind(path.join(await tempDir(), "gone"), 5000)).rejects.toMatchObject({ code: "unavailable" });
  });
});
