import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { blobRelPath, ollamaTagName, parseOllamaManifest } from "../../lib/catalog/parse-ollama-manifest.ts";
import { isAppError } from "../../lib/errors.ts";

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const manifest = {
  schemaVersion: 2,
  mediaType: "application/vnd.docker.distribution.manifest.v2+json",
  config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: digest("c"), size: 412 },
  layers: [
    { mediaType: "application/vnd.ollama.image.model", digest: digest("a"), size: 8988110784 },
    { mediaType: "application/vnd.ollama.image.template", digest: digest("b"), size: 1482 },
  ],
};
const bytes = new TextEncoder().encode(JSON.stringify(manifest));

describe("parseOllamaManifest", () => {
  it("finds the model layer and totals the sizes like Ollama's /api/tags", () => {
    const parsed = parseOllamaManifest(bytes, "m");
    expect(parsed.modelLayer?.digest).toBe(digest("a"));
    expect(parsed.totalSize).toBe(8988110784 + 1482 + 412);
  });

  it("uses the SHA-256 of the manifest bytes as the digest", () => {
    expect(parseOllamaManifest(bytes, "m").digest).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  it("rejects JSON that is not a manifest, naming the file", () => {
    const error = (() => {
      try {
        parseOllamaManifest(new TextEncoder().encode('{"layers": "nope"}'), "manifests/x/y/z/latest");
      } catch (e) {
        return e;
      }
    })();
    expect(isAppError(error) && error.code).toBe("corrupt-file");
    expect((error as Error).message).toContain("manifests/x/y/z/latest");
  });

  it("rejects a layer digest that is not sha256 (no path tricks via blob names)", () => {
    const evil = { ...manifest, layers: [{ mediaType: "application/vnd.ollama.image.model", digest: "sha256:../../etc/passwd", size: 1 }] };
    expect(() => parseOllamaManifest(new TextEncoder().encode(JSON.stringify(evil)), "m")).toThrow(/sha256/);
  });

  it("rejects bytes that are not UTF-8 JSON", () => {
    expect(() => parseOllamaManifest(new Uint8Array([0xff, 0xfe, 0x00]), "m")).toThrow(/not valid UTF-8 JSON/);
  });
});

describe("Ollama names", () => {
  it("maps a digest to its blob file", () => {
    expect(blobRelPath(`sha256:${"AB".repeat(32)}`)).toBe(`blobs/sha256-${"ab".repeat(32)}`);
  });
  it("shortens names the way the ollama CLI shows them", () => {
    expect(ollamaTagName("registry.ollama.ai", "library", "qwen2.5", "7b")).toBe("qwen2.5:7b");
    expect(ollamaTagName("registry.ollama.ai", "me", "foo", "bar")).toBe("me/foo:bar");
    expect(ollamaTagName("nas:5000", "team", "foo", "bar")).toBe("nas:5000/team/foo:bar");
  });
});
