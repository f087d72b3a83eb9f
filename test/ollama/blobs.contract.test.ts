// Contract: the double's /api/blobs endpoints behave as upstream's
// HeadBlobHandler and CreateBlobHandler (ollama/ollama server/routes.go) and
// docs/api.md "Check if a Blob Exists" / "Create a Blob" describe.
import { promises as fsp } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { digestOf, tinyModel, uploadBlob, useOllamaDouble } from "./ollama-test-kit.ts";

const double = useOllamaDouble();

async function blobFiles(): Promise<string[]> {
  return (await fsp.readdir(path.join(double().storeDir, "blobs"))).sort();
}

describe("Ollama double: blobs", () => {
  it("HEAD answers 404 for a missing blob and 200 once it is stored", async () => {
    // docs/api.md: "Return 200 OK if the blob exists, 404 Not Found if it does not."
    const bytes = tinyModel();
    expect((await fetch(`${double().url}/api/blobs/${digestOf(bytes)}`, { method: "HEAD" })).status).toBe(404);
    await uploadBlob(double(), bytes);
    expect((await fetch(`${double().url}/api/blobs/${digestOf(bytes)}`, { method: "HEAD" })).status).toBe(200);
  });

  it("HEAD answers 400 for a digest that is not sha256:<64 hex>", async () => {
    // routes.go HeadBlobHandler: `path, err := manifest.BlobsPath(c.Param("digest")); if err != nil {
    // c.AbortWithStatusJSON(http.StatusBadRequest, …)` — BlobsPath requires ^sha256[:-][0-9a-fA-F]{64}$.
    for (const bad of ["sha256:abc", "md5:" + "0".repeat(64), "0".repeat(64)]) {
      expect((await fetch(`${double().url}/api/blobs/${bad}`, { method: "HEAD" })).status).toBe(400);
    }
  });

  it("POST stores the body as blobs/sha256-<hex> and answers 201 Created", async () => {
    // docs/api.md: "Return 201 Created if the blob was successfully created"; formats.md §3: blobs/sha256-<64 hex>.
    const bytes = tinyModel();
    const res = await uploadBlob(double(), bytes);
    expect(res.status).toBe(201);
    const stored = await fsp.readFile(path.join(double().storeDir, "blobs", digestOf(bytes).replace(":", "-")));
    expect(Buffer.compare(stored, Buffer.from(bytes))).toBe(0);
    expect(await blobFiles()).toEqual([digestOf(bytes).replace(":", "-")]);
  });

  it("POST of a blob already present answers 200 OK", async () => {
    // routes.go CreateBlobHandler: when os.Stat(path) finds the blob, `c.Status(http.StatusOK); return`.
    const bytes = tinyModel();
    expect((await uploadBlob(double(), bytes)).status).toBe(201);
    expect((await uploadBlob(double(), bytes)).status).toBe(200);
  });

  it("POST of bytes with another hash answers 400 digest mismatch and keeps nothing", async () => {
    // routes.go: c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": fmt.Sprintf("digest mismatch,
    // expected %q, got %q", c.Param("digest"), layer.Digest)}); manifest.NewLayer: defer os.Remove(temp.Name()).
    const claimed = digestOf("something else");
    const bytes = tinyModel();
    const res = await uploadBlob(double(), bytes, claimed);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: `digest mismatch, expected "${claimed}", got "${digestOf(bytes)}"` });
    expect(await blobFiles()).toEqual([]);
  });

  it("POST under the sha256-<hex> spelling is a mismatch even for the right bytes", async () => {
    // routes.go compares `layer.Digest != c.Param("digest")`, and layer.Digest is always "sha256:<hex>".
    const bytes = tinyModel();
    const res = await uploadBlob(double(), bytes, digestOf(bytes).replace(":", "-"));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^digest mismatch/);
  });

  it("an upload cut off mid-body leaves neither a blob nor a temp file", async () => {
    // Fault: the host dies mid-upload. Upstream's NewLayer removes its temp file when io.Copy fails.
    double().faults = { dropUploadAfterBytes: 50_000 };
    await expect(uploadBlob(double(), tinyModel())).rejects.toThrow();
    await double().settled();
    expect(await blobFiles()).toEqual([]);
    const logged = double().requests.find((r) => r.route === "POST /api/blobs/:digest");
    expect(logged).toMatchObject({ completed: false, bodyBytes: 50_000 });
  });

  it("a full disk answers 500 with the write error and keeps nothing", async () => {
    // routes.go CreateBlobHandler: `layer, err := manifest.NewLayer(c.Request.Body, ""); if err != nil {
    // c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": err.Error()})` — on ENOSPC Go's
    // *PathError reads "write <temp file>: no space left on device".
    double().faults = { diskFullAfterBytes: 10_000 };
    const res = await uploadBlob(double(), tinyModel());
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toMatch(/^write .*\/blobs\/sha256-[0-9a-f]+: no space left on device$/);
    await double().settled();
    expect(await blobFiles()).toEqual([]);
  });
});
