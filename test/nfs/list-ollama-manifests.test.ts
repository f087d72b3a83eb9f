import { promises as fsp } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listOllamaBlobs, listOllamaManifests } from "../../lib/nfs/list-ollama-manifests.ts";
import { useTempDirs, writeFileAt } from "./temp-dir.ts";

const tempDir = useTempDirs();
const digest = (c: string) => c.repeat(64);

/** A small Ollama store as `ollama pull` leaves it, plus the debris real stores collect. */
async function fakeStore(): Promise<string> {
  const root = await tempDir();
  await writeFileAt(root, "manifests/registry.ollama.ai/library/qwen2.5/14b-instruct-q4_K_M", '{"schemaVersion":2}');
  await writeFileAt(root, "manifests/registry.ollama.ai/library/qwen2.5/latest", "{}");
  await writeFileAt(root, "manifests/registry.ollama.ai/me/foo/bar", "{}");
  await writeFileAt(root, "manifests/registry.ollama.ai/library/.DS_Store", "");
  await writeFileAt(root, "manifests/registry.ollama.ai/library/qwen2.5/.latest.swp", "");
  await writeFileAt(root, "manifests/registry.ollama.ai/library/qwen2.5/latest.tmp", "");
  await writeFileAt(root, "manifests/registry.ollama.ai/library/toplevel-file", "");
  await writeFileAt(root, "manifests/registry.ollama.ai/library/qwen2.5/extra/too-deep", "");
  await writeFileAt(root, `blobs/sha256-${digest("a")}`, "GGUF....");
  await writeFileAt(root, `blobs/sha256-${digest("b")}`, "{}");
  await writeFileAt(root, `blobs/sha256-${digest("c")}-partial`, "GG");
  await writeFileAt(root, `blobs/sha256-${digest("c")}-partial-0`, "{}");
  await writeFileAt(root, "blobs/sha256-3141592653", "");
  await writeFileAt(root, "blobs/README", "");
  return root;
}

describe("listOllamaManifests", () => {
  it("lists files exactly four levels below manifests/ as host, namespace, model and tag", async () => {
    const root = await fakeStore();
    const manifests = await listOllamaManifests(root, 5000);
    expect(manifests.map(({ relPath, host, namespace, model, tag }) => ({ relPath, host, namespace, model, tag }))).toEqual([
      {
        relPath: "manifests/registry.ollama.ai/library/qwen2.5/14b-instruct-q4_K_M",
        host: "registry.ollama.ai",
        namespace: "library",
        model: "qwen2.5",
        tag: "14b-instruct-q4_K_M",
      },
      { relPath: "manifests/registry.ollama.ai/library/qwen2.5/latest", host: "registry.ollama.ai", namespace: "library", model: "qwen2.5", tag: "latest" },
      { relPath: "manifests/registry.ollama.ai/me/foo/bar", host: "registry.ollama.ai", namespace: "me", model: "foo", tag: "bar" },
    ]);
  });

  it("reports each manifest's size and mtime", async () => {
    const root = await fakeStore();
    const [first] = await listOllamaManifests(root, 5000);
    const stats = await fsp.stat(path.join(root, first?.relPath ?? ""));
    expect(first).toMatchObject({ sizeBytes: 19, mtimeMs: Math.trunc(stats.mtimeMs) });
  });

  it("fails as unavailable when manifests/ is missing", async () => {
    const root = await tempDir();
    await expect(listOllamaManifests(root, 5000)).rejects.toMatchObject({ code: "unavailable", details: { reason: "missing" } });
  });
});

describe("listOllamaBlobs", () => {
  it("lists finished blobs with their digest, size and inode", async () => {
    const root = await fakeStore();
    const { blobs } = await listOllamaBlobs(root, 5000);
    const stats = await fsp.stat(path.join(root, `blobs/sha256-${digest("a")}`), { bigint: true });
    expect(blobs.map((b) => b.digestHex)).toEqual([digest("a"), digest("b")]);
    expect(blobs[0]).toMatchObject({ name: `sha256-${digest("a")}`, sizeBytes: 8, ino: stats.ino.toString() });
  });

  it("lists partial downloads and Go temp files separately from blobs", async () => {
    const root = await fakeStore();
    const { temps } = await listOllamaBlobs(root, 5000);
    expect(temps.map((t) => t.name)).toEqual(["sha256-3141592653", `sha256-${digest("c")}-partial`, `sha256-${digest("c")}-partial-0`]);
  });

  it("counts stray entries without listing them", async () => {
    const root = await fakeStore();
    expect((await listOllamaBlobs(root, 5000)).otherCount).toBe(1);
  });
});
