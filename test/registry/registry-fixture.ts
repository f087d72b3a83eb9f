// A real, scanned and verified catalogue for the registry tests: a folder of GGUF
// files (a raw model with a license, a 3-shard split model, an unverified model,
// optionally a ~33 MB model) and an Ollama store with one model under two tags
// (manifest + config, template, system, params and license blobs). Everything is
// generated in code, scanned by the real scanner and hashed by the real verifier.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { scanLibrary } from "../../lib/catalog/scan-library.ts";
import { buildTinyModel, splitGguf } from "../../lib/gguf/index.ts";
import { verifyFile } from "../../lib/hashing/verify-file.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

export const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
export const digestOf = (bytes: Uint8Array) => `sha256:${sha256Hex(bytes)}`;

/** What Ollama sends when it pulls a manifest (server/images.go pullModelManifest). */
export const OLLAMA_ACCEPT = "application/vnd.docker.distribution.manifest.v2+json";
/** What skopeo 1.9 (containers/image) sends. */
export const SKOPEO_ACCEPT =
  "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.v1+prettyjws, application/vnd.docker.distribution.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json";

export const REFS = {
  chat: { repository: "shelf/tinyllama-chat", tag: "f16" },
  split: { repository: "shelf/tinyllama-base", tag: "f32" },
  unverified: { repository: "shelf/tinygemma-2", tag: "q8_0" },
  ollama: { repository: "library/tinyqwen", tag: "latest" },
  ollamaSecondTag: { repository: "library/tinyqwen", tag: "q4_0" },
  big: { repository: "shelf/big-vocab", tag: "f32" },
} as const;

export interface RegistryFixture {
  temp: TempDb;
  shelfDir: string;
  storeDir: string;
  chat: Uint8Array;
  shards: Uint8Array[];
  unverified: Uint8Array;
  qwen: Uint8Array;
  big: Uint8Array | null;
  /** The tinyqwen:latest manifest file, as written. */
  ollamaManifest: Uint8Array;
  ollamaManifestRelPath: string;
  /** Every blob of the Ollama store, by digest. */
  ollamaBlobs: Map<string, Uint8Array>;
  cleanup(): Promise<void>;
}

const encoder = new TextEncoder();

export async function buildRegistryFixture(options: { big?: boolean } = {}): Promise<RegistryFixture> {
  const temp = await createTempDb("modelshelf-registry-");
  const shelfDir = path.join(temp.dir, "shelf");
  const storeDir = path.join(temp.dir, "ollama");
  const put = async (root: string, relPath: string, bytes: Uint8Array) => {
    await mkdir(path.dirname(path.join(root, relPath)), { recursive: true });
    await writeFile(path.join(root, relPath), bytes);
  };

  const chat = buildTinyModel({ architecture: "llama", fileType: "F16", name: "TinyLlama Chat", seed: 1, tokenizer: "llama", license: "apache-2.0" });
  const shards = splitGguf(buildTinyModel({ architecture: "llama", fileType: "F32", name: "TinyLlama Base", seed: 3, tokenizer: "llama" }), 3);
  const unverified = buildTinyModel({ architecture: "gemma2", fileType: "Q8_0", name: "TinyGemma 2", seed: 4, tokenizer: "llama" });
  await put(shelfDir, "llama/TinyLlama-Chat-F16.gguf", chat);
  for (const [i, shard] of shards.entries()) await put(shelfDir, `split/TinyLlama-Base-F32-0000${i + 1}-of-00003.gguf`, shard);
  await put(shelfDir, "gemma/TinyGemma-2-Q8_0.gguf", unverified);
  // Big enough (~33 MB) that a transfer is still running when a client hangs up: socket buffers hold a few MB.
  const big = options.big ? buildTinyModel({ architecture: "llama", fileType: "F32", name: "Big Vocab", seed: 9, tokenizer: "llama", vocabSize: 65_536, blockCount: 1 }) : null;
  if (big) await put(shelfDir, "big/Big-Vocab-F32.gguf", big);

  // The Ollama store, laid out as `ollama pull` leaves it (formats.md §3).
  const qwen = buildTinyModel({ architecture: "qwen2", fileType: "Q4_0", name: "TinyQwen Instruct", seed: 2, tokenizer: "gpt2", license: "apache-2.0" });
  const texts: [string, Uint8Array][] = [
    ["application/vnd.ollama.image.template", encoder.encode("{{ .Prompt }}<&>")],
    ["application/vnd.ollama.image.system", encoder.encode("You are a tiny test model.")],
    ["application/vnd.ollama.image.params", encoder.encode(JSON.stringify({ stop: ["<|im_end|>"], num_ctx: 256 }))],
    ["application/vnd.ollama.image.license", encoder.encode("Apache License 2.0 (test fixture)")],
  ];
  const config = encoder.encode(
    JSON.stringify({ model_format: "gguf", model_family: "qwen2", model_families: ["qwen2"], model_type: "115K", file_type: "Q4_0", architecture: "amd64", os: "linux" }),
  );
  const descriptor = (mediaType: string, bytes: Uint8Array) => ({ mediaType, digest: digestOf(bytes), size: bytes.byteLength });
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: descriptor("application/vnd.docker.container.image.v1+json", config),
    // "from" and the indentation are what a re-encoding would lose: the served bytes must keep them.
    layers: [{ ...descriptor("application/vnd.ollama.image.model", qwen), from: "/tmp/tinyqwen.gguf" }, ...texts.map(([type, bytes]) => descriptor(type, bytes))],
  };
  const ollamaManifest = encoder.encode(`${JSON.stringify(manifest, null, 2)}\n`);
  const ollamaBlobs = new Map<string, Uint8Array>([qwen, config, ...texts.map(([, bytes]) => bytes)].map((bytes) => [digestOf(bytes), bytes]));
  for (const [digest, bytes] of ollamaBlobs) await put(storeDir, `blobs/${digest.replace(":", "-")}`, bytes);
  const ollamaManifestRelPath = "manifests/registry.ollama.ai/library/tinyqwen/latest";
  await put(storeDir, ollamaManifestRelPath, ollamaManifest);
  await put(storeDir, "manifests/registry.ollama.ai/library/tinyqwen/q4_0", ollamaManifest);

  for (const root of [shelfDir, storeDir]) {
    const library = await temp.db.library.create({ data: { path: root, source: "env" } });
    const summary = await scanLibrary(temp.db, { libraryId: library.id, trigger: "manual", acceptMissing: false }, { settings: { stableMs: 0, fsTimeoutMs: 5_000 } });
    if (summary.status !== "ok" || summary.errors > 0) throw new Error(`fixture scan of ${root} failed: ${JSON.stringify(summary)}`);
  }
  const files = await temp.db.libraryFile.findMany({ where: { role: { in: ["gguf", "ollama-blob"] } } });
  for (const file of files) {
    if (file.relPath.startsWith("gemma/")) continue;
    const outcome = await verifyFile(temp.db, file.id, { trigger: "manual", readTimeoutMs: 10_000 });
    if (outcome.status !== "verified") throw new Error(`fixture verification of ${file.relPath} failed: ${outcome.message}`);
  }
  return {
    temp,
    shelfDir,
    storeDir,
    chat,
    shards,
    unverified,
    qwen,
    big,
    ollamaManifest,
    ollamaManifestRelPath,
    ollamaBlobs,
    cleanup: () => temp.cleanup(),
  };
}

export interface FetchedResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** One request with fetch (which normalises the path: use rawRequest for hostile paths). */
export async function get(baseUrl: string, pathAndQuery: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<FetchedResponse> {
  const response = await fetch(`${baseUrl}${pathAndQuery}`, { method: init.method ?? "GET", headers: init.headers, redirect: "manual" });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

export function errorCodes(response: FetchedResponse): string[] {
  const parsed = JSON.parse(response.body.toString("utf8")) as { errors: { code: string }[] };
  return parsed.errors.map((error) => error.code);
}
