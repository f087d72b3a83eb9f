// The manifest of a GGUF-only model: Ollama's layout, deterministic bytes.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { goJson, ociManifestFor } from "../../lib/registry/manifest-json.ts";
import { synthesizeManifest, type SynthesisInput } from "../../lib/registry/synthesize-manifest.ts";

const hex = (seed: string) => createHash("sha256").update(seed).digest("hex");
const input: SynthesisInput = {
  architecture: "qwen2",
  parameterCount: 14_770_033_664n,
  fileType: "Q4_K_M",
  license: "Apache License\nVersion 2.0",
  shards: [
    { sha256: hex("a"), size: 5_000_000_000 },
    { sha256: hex("b"), size: 4_000_000_000 },
  ],
};

describe("synthesizeManifest", () => {
  it("writes the config blob Ollama's create writes for a GGUF model, field for field", () => {
    const result = synthesizeManifest(input);
    const config = result.blobs.get(result.config.digest)!;
    expect(config.toString("utf8")).toBe(
      '{"model_format":"gguf","model_family":"qwen2","model_families":["qwen2"],"model_type":"14.8B","file_type":"Q4_K_M","architecture":"amd64","os":"linux"}',
    );
    expect(result.config).toEqual({ mediaType: "application/vnd.docker.container.image.v1+json", digest: `sha256:${createHash("sha256").update(config).digest("hex")}`, size: config.byteLength });
  });

  it("lists one model layer per shard in shard order, then the license", () => {
    const result = synthesizeManifest(input);
    const manifest = JSON.parse(result.manifest.toString("utf8"));
    expect(Object.keys(manifest)).toEqual(["schemaVersion", "mediaType", "config", "layers"]);
    expect(manifest.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(manifest.layers).toEqual([
      { mediaType: "application/vnd.ollama.image.model", digest: `sha256:${hex("a")}`, size: 5_000_000_000 },
      { mediaType: "application/vnd.ollama.image.model", digest: `sha256:${hex("b")}`, size: 4_000_000_000 },
      { mediaType: "application/vnd.ollama.image.license", digest: expect.stringMatching(/^sha256:/), size: 26 },
    ]);
    expect(result.blobs.get(manifest.layers[2].digest)!.toString("utf8")).toBe("Apache License\nVersion 2.0");
  });

  it("has no license layer when the model has no license metadata", () => {
    const layers = synthesizeManifest({ ...input, license: null }).layers;
    expect(layers.map((layer) => layer.mediaType)).toEqual(["application/vnd.ollama.image.model", "application/vnd.ollama.image.model"]);
  });

  it("gives the same bytes for the same facts, and other bytes for other facts", () => {
    expect(synthesizeManifest(input).manifest.equals(synthesizeManifest({ ...input, shards: [...input.shards] }).manifest)).toBe(true);
    expect(synthesizeManifest(input).manifest.equals(synthesizeManifest({ ...input, fileType: "Q8_0" }).manifest)).toBe(false);
  });

  it("refuses shards without a proper SHA-256", () => {
    expect(() => synthesizeManifest({ ...input, shards: [{ sha256: "ABC", size: 1 }] })).toThrow(/SHA-256/);
    expect(() => synthesizeManifest({ ...input, shards: [] })).toThrow(/shard/);
  });

  it("encodes JSON as Go's json.Marshal does (HTML characters and line separators escaped)", () => {
    expect(goJson({ a: "<b>&\u2028", n: 1 }).toString("utf8")).toBe('{"a":"\\u003cb\\u003e\\u0026\\u2028","n":1}');
  });

  it("builds an OCI view with the same blobs and an OCI image config type", () => {
    const result = synthesizeManifest(input);
    const oci = JSON.parse(ociManifestFor(result.config, result.layers).toString("utf8"));
    expect(oci.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(oci.config).toEqual({ ...result.config, mediaType: "application/vnd.oci.image.config.v1+json" });
    expect(oci.layers).toEqual(result.layers);
  });
});
