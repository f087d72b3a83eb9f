// The manifest of a model known only from GGUF files: what `ollama create` would
// write for it (formats.md §3): a ConfigV2 config blob, one model layer per shard
// in shard order (digest = the file's verified SHA-256), and a license layer when
// the GGUF carries general.license. Pure and deterministic: the same catalogue
// facts give the same bytes, so digests survive restarts.
import { humanNumber } from "./human-number.ts";
import { MEDIA_TYPES, digestOf, dockerManifestFor, goJson, type Descriptor } from "./manifest-json.ts";

export interface SynthesisInput {
  /** general.architecture */
  architecture: string;
  parameterCount: bigint;
  /** llama_ftype name as Ollama's FileType.String() prints it ("Q4_K_M", "F16", …). */
  fileType: string;
  /** general.license text; null or "" for none. */
  license: string | null;
  /** Every shard in shard order: lower-case hex SHA-256 and size in bytes. */
  shards: readonly { sha256: string; size: number }[];
}

export interface SynthesizedManifest {
  /** The Docker-form manifest bytes (what Ollama pulls). */
  manifest: Buffer;
  config: Descriptor;
  layers: Descriptor[];
  /** Blobs that exist only in memory (config, license), by digest. */
  blobs: Map<string, Buffer>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function synthesizeManifest(input: SynthesisInput): SynthesizedManifest {
  if (input.shards.length === 0) throw new RangeError("a model needs at least one shard");
  for (const shard of input.shards) {
    if (!SHA256_HEX.test(shard.sha256)) throw new RangeError(`not a lower-case hex SHA-256: "${shard.sha256}"`);
    if (!Number.isSafeInteger(shard.size) || shard.size < 0) throw new RangeError(`bad shard size ${shard.size}`);
  }
  // Field order and omissions as Ollama's ConfigV2 encodes them for a GGUF model
  // (omitempty fields are empty for a local GGUF; architecture/os fixed in CreateHandler).
  const configBytes = goJson({
    model_format: "gguf",
    model_family: input.architecture,
    model_families: [input.architecture],
    model_type: humanNumber(input.parameterCount),
    file_type: input.fileType,
    architecture: "amd64",
    os: "linux",
  });
  const blobs = new Map<string, Buffer>();
  const config: Descriptor = { mediaType: MEDIA_TYPES.dockerConfig, digest: digestOf(configBytes), size: configBytes.byteLength };
  blobs.set(config.digest, configBytes);
  const layers: Descriptor[] = input.shards.map((shard) => ({ mediaType: MEDIA_TYPES.model, digest: `sha256:${shard.sha256}`, size: shard.size }));
  if (input.license) {
    const licenseBytes = Buffer.from(input.license, "utf8");
    const license: Descriptor = { mediaType: MEDIA_TYPES.license, digest: digestOf(licenseBytes), size: licenseBytes.byteLength };
    blobs.set(license.digest, licenseBytes);
    layers.push(license);
  }
  return { manifest: dockerManifestFor(config, layers), config, layers, blobs };
}
