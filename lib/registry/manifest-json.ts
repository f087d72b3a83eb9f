// The bytes of a manifest and of the JSON blobs ModelShelf writes itself. Ollama
// writes both with Go's json.Marshal (manifest/manifest.go, server/create.go), so
// synthesised ones use the same encoding: compact, fields in struct order, and
// Go's extra escapes. Same input, same bytes, same digest, on every run. Pure.
import { createHash } from "node:crypto";

export const MEDIA_TYPES = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  /** What Ollama labels its config blob (a ConfigV2 JSON). */
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  /** The same blob in the OCI view, so OCI tools treat the model as an image (see ociManifestFor). */
  ociConfig: "application/vnd.oci.image.config.v1+json",
  model: "application/vnd.ollama.image.model",
  license: "application/vnd.ollama.image.license",
} as const;

export interface Descriptor {
  mediaType: string;
  /** "sha256:<64 hex>" */
  digest: string;
  size: number;
}

/** A UTF-16 half without its other half: Go's encoder writes U+FFFD for invalid UTF-8 in its place. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** json.Marshal's output for plain data: JSON.stringify plus the escapes Go adds (HTML characters, U+2028/2029). */
export function goJson(value: unknown): Buffer {
  const wellFormed = (_key: string, item: unknown) => (typeof item === "string" ? item.replace(LONE_SURROGATE, "\uFFFD") : item);
  const text = JSON.stringify(value, wellFormed).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return Buffer.from(text, "utf8");
}

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function plain(descriptor: Descriptor): Descriptor {
  return { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
}

/** An Ollama manifest (Docker schema 2), field for field as Ollama's WriteManifest encodes it. */
export function dockerManifestFor(config: Descriptor, layers: readonly Descriptor[]): Buffer {
  return goJson({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerManifest, config: plain(config), layers: layers.map(plain) });
}

/**
 * The OCI view of a model: the same config and layer blobs under an OCI image
 * manifest. containers/image (skopeo, podman) rejects Docker schema 2 manifests
 * whose layers are not Docker layer types ("unsupported docker v2s2 media type:
 * application/vnd.ollama.image.model"), but accepts any layer type in an OCI
 * manifest; the config is labelled an OCI image config so `skopeo inspect`
 * reads it (it refuses other config types as "artifacts"). The config bytes are
 * Ollama's, with the fields an image config shares (architecture, os).
 */
export function ociManifestFor(config: Descriptor, layers: readonly Descriptor[]): Buffer {
  return goJson({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map(plain),
  });
}
