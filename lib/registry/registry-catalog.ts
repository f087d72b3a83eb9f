// What the /v2/ registry serves, looked up in the catalogue: repositories and
// tags from the model references, each model's manifest in two forms, and where
// each blob's bytes are. Worker processes only: manifests of Ollama tags and
// blobs are read from the library roots (through library-file-stream).
//
// A model is served only when it can be delivered whole and checked: every GGUF
// file it needs has a verified SHA-256 (that hash is the layer digest), its
// files are all present, and an Ollama tag's manifest file still has the digest
// the scan recorded. Otherwise its manifest is MANIFEST_UNKNOWN with the reason.
import { completeCopies, isVerifiedFile } from "../catalog/complete-copies.ts";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { openLibraryFileStream } from "../catalog/library-file-stream.ts";
import { libraryFilePath } from "../catalog/library-path.ts";
import { GGUF_LAYER_TYPES, blobRelPath, parseOllamaManifest } from "../catalog/parse-ollama-manifest.ts";
import type { Db } from "../db/client.ts";
import { errorMessage, isAppError } from "../errors.ts";
import { log } from "../log.ts";
import { MEDIA_TYPES, ociManifestFor } from "./manifest-json.ts";
import { loadModelRefs, type ModelRef } from "./model-refs.ts";
import { registryError } from "./registry-error.ts";
import { synthesizeManifest } from "./synthesize-manifest.ts";

/** References and resolved manifests are reused this long: Ollama fetches a big
 * blob as 16 parallel ranges, which should cost one catalogue lookup, not 16. */
export const CATALOG_CACHE_MS = 2_000;
/** Largest Ollama manifest read (as the scanner's limit): real ones are ~1 KB. */
const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Uncatalogued store blobs up to this size (config, template, params, system,
 * license: a few KB) are hashed before they are sent. Larger ones (none in a GGUF
 * model; Ollama's newer tensor layers) stream with a size check only. */
export const MAX_HASHED_STORE_BLOB_BYTES = 16 * 1024 * 1024;

export interface ManifestForm {
  mediaType: string;
  bytes: Buffer;
  /** "sha256:<hex>" of the bytes. */
  digest: string;
}

export interface ServedModel {
  ref: ModelRef;
  /** What Ollama pulls: the tag's manifest file byte-exact, or the synthesised manifest. */
  docker: ManifestForm;
  /** The same blobs under an OCI image manifest, for OCI tools (see ociManifestFor). */
  oci: ManifestForm;
  /** Every blob the manifest names (config and layers), by digest. */
  blobs: Map<string, BlobEntry>;
}

type BlobEntry =
  /** Synthesised config and license blobs. */
  | { kind: "memory"; size: number; bytes: Buffer }
  /** GGUF content: any verified, present catalogued file with this SHA-256. */
  | { kind: "catalogued"; size: number }
  /** A non-GGUF blob of the Ollama store a tag lives in: blobs/sha256-<hex>. */
  | { kind: "store"; size: number; libraryPath: string };

export interface ByteRange {
  start: number;
  /** Inclusive; start - 1 opens nothing but still checks the file (for HEAD). */
  end: number;
}

export interface ResolvedBlob {
  digest: string;
  size: number;
  /** A stream of the range; rejects (before any byte is sent) when no copy can be read. */
  open(range: ByteRange, signal: AbortSignal): Promise<Readable>;
}

export interface RegistryCatalog {
  /** "namespace/model" of every catalogue model, sorted. */
  repositories(): Promise<string[]>;
  /** Sorted tags of a repository; null when there is no such repository. */
  tags(repository: string): Promise<string[] | null>;
  manifestByTag(repository: string, tag: string): Promise<ServedModel>;
  manifestByDigest(repository: string, digest: string): Promise<{ served: ServedModel; form: ManifestForm }>;
  resolveBlob(repository: string, digest: string): Promise<ResolvedBlob>;
}

export interface RegistryCatalogOptions {
  /** Timeout for opening a library root and for each remote read. */
  fsTimeoutMs: number;
  cacheMs?: number;
}

interface RefIndex {
  repositories: string[];
  byRepository: Map<string, ModelRef[]>;
}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

export function createRegistryCatalog(db: Db, options: RegistryCatalogOptions): RegistryCatalog {
  const cacheMs = options.cacheMs ?? CATALOG_CACHE_MS;
  const timeoutMs = options.fsTimeoutMs;
  let refsCache: Cached<RefIndex> | null = null;
  const servedCache = new Map<string, Cached<ServedModel>>();

  function refIndex(): Promise<RefIndex> {
    const now = Date.now();
    if (refsCache === null || now - refsCache.at >= cacheMs) {
      const value = loadModelRefs(db).then(indexRefs);
      const entry = { at: now, value };
      refsCache = entry;
      // A failed lookup is not remembered: the next request tries again.
      value.catch(() => {
        if (refsCache === entry) refsCache = null;
      });
    }
    return refsCache.value;
  }

  async function refsOf(repository: string): Promise<ModelRef[]> {
    const refs = (await refIndex()).byRepository.get(repository);
    if (!refs) throw registryError("NAME_UNKNOWN", `repository ${repository} is not in the catalogue`, { detail: { name: repository } });
    return refs;
  }

  function served(ref: ModelRef): Promise<ServedModel> {
    const now = Date.now();
    for (const [key, entry] of servedCache) if (now - entry.at >= cacheMs) servedCache.delete(key);
    const key = `${ref.ref}|${ref.modelId}|${ref.ollamaTagId ?? ""}`;
    const hit = servedCache.get(key);
    if (hit) return hit.value;
    const value = ref.source === "ollama-tag" ? servedFromTag(ref) : servedFromFiles(ref);
    const entry = { at: now, value };
    servedCache.set(key, entry);
    value.catch(() => {
      if (servedCache.get(key) === entry) servedCache.delete(key);
    });
    return value;
  }

  async function servedFromFiles(ref: ModelRef): Promise<ServedModel> {
    const model = await db.model.findUnique({
      where: { id: ref.modelId },
      select: {
        architecture: true,
        parameterCount: true,
        fileType: true,
        license: true,
        shardCount: true,
        files: {
          where: { role: "gguf", missingSince: null, state: "indexed" },
          select: { libraryId: true, relPath: true, shardIndex: true, splitGroup: true, sizeBytes: true, sha256: true, verifyState: true },
          orderBy: [{ libraryId: "asc" }, { relPath: "asc" }],
        },
      },
    });
    if (!model) throw registryError("MANIFEST_UNKNOWN", `${ref.ref} is no longer in the catalogue`);
    const copies = completeCopies(model.files, model.shardCount);
    if (copies.length === 0) {
      throw registryError("MANIFEST_UNKNOWN", `${ref.ref} is incomplete: no library holds all ${model.shardCount} of its shards`);
    }
    const verified = copies.find((copy) => copy.every(isVerifiedFile));
    if (!verified) {
      const best = Math.max(...copies.map((copy) => copy.filter(isVerifiedFile).length));
      throw registryError("MANIFEST_UNKNOWN", `${ref.ref} awaits verification: ${best} of its ${model.shardCount} file(s) have a verified SHA-256`, {
        detail: { reason: "awaiting-verification" },
      });
    }
    const synthesized = synthesizeManifest({
      architecture: model.architecture,
      parameterCount: model.parameterCount,
      fileType: model.fileType,
      license: model.license,
      shards: verified.map((file) => ({ sha256: file.sha256!, size: Number(file.sizeBytes) })),
    });
    const blobs = new Map<string, BlobEntry>();
    for (const [digest, bytes] of synthesized.blobs) blobs.set(digest, { kind: "memory", size: bytes.byteLength, bytes });
    for (const layer of synthesized.layers) if (!blobs.has(layer.digest)) blobs.set(layer.digest, { kind: "catalogued", size: layer.size });
    return {
      ref,
      docker: form(MEDIA_TYPES.dockerManifest, synthesized.manifest),
      oci: form(MEDIA_TYPES.ociManifest, ociManifestFor(synthesized.config, synthesized.layers)),
      blobs,
    };
  }

  async function servedFromTag(ref: ModelRef): Promise<ServedModel> {
    const tag = await db.ollamaTag.findUnique({
      where: { id: ref.ollamaTagId ?? -1 },
      select: { manifestRelPath: true, manifestDigest: true, problemsJson: true, missingSince: true, library: { select: { path: true } } },
    });
    if (!tag || tag.missingSince) throw registryError("MANIFEST_UNKNOWN", `${ref.ref} is no longer in its Ollama store`);
    const problems = JSON.parse(tag.problemsJson) as string[];
    if (problems.length > 0) throw registryError("MANIFEST_UNKNOWN", `${ref.ref} is incomplete in its Ollama store: ${problems.join("; ")}`);
    const libraryPath = tag.library.path;
    const display = libraryFilePath(libraryPath, tag.manifestRelPath);
    const bytes = await readSmallLibraryFile(libraryPath, tag.manifestRelPath, MAX_MANIFEST_BYTES, timeoutMs);
    const hex = sha256Hex(bytes);
    if (hex !== tag.manifestDigest) {
      // Never serve other bytes than the catalogue knows: the tag was re-pulled or edited since the scan.
      throw registryError("UNKNOWN", `${display} changed since it was indexed (sha256 ${hex.slice(0, 12)}…, catalogue ${tag.manifestDigest.slice(0, 12)}…): rescan the library`, {
        status: 500,
      });
    }
    const parsed = parseOllamaManifest(bytes, display);
    if (!parsed.config) throw registryError("MANIFEST_UNKNOWN", `${display} has no config blob`);
    const unverified: string[] = [];
    for (const layer of parsed.layers) {
      if (GGUF_LAYER_TYPES.has(layer.mediaType) && (await verifiedCopies(db, layer.digest, layer.size, 1)).length === 0) unverified.push(layer.digest);
    }
    if (unverified.length > 0) {
      throw registryError("MANIFEST_UNKNOWN", `${ref.ref} awaits verification: ${unverified.length} GGUF layer(s) have no verified copy yet`, {
        detail: { reason: "awaiting-verification", layers: unverified },
      });
    }
    const blobs = new Map<string, BlobEntry>();
    for (const descriptor of [parsed.config, ...parsed.layers]) {
      // Requests name digests in lower-case hex (parse-registry-path); Ollama writes them so too.
      const digest = descriptor.digest.toLowerCase();
      if (blobs.has(digest)) continue;
      blobs.set(digest, GGUF_LAYER_TYPES.has(descriptor.mediaType) ? { kind: "catalogued", size: descriptor.size } : { kind: "store", size: descriptor.size, libraryPath });
    }
    return {
      ref,
      docker: { mediaType: manifestMediaType(bytes), bytes, digest: `sha256:${hex}` },
      oci: form(MEDIA_TYPES.ociManifest, ociManifestFor(parsed.config, parsed.layers)),
      blobs,
    };
  }

  function blobSource(digest: string, entry: BlobEntry): ResolvedBlob {
    const size = entry.size;
    switch (entry.kind) {
      case "memory":
        return { digest, size, open: async (range) => bytesStream(entry.bytes.subarray(range.start, range.end + 1)) };
      case "catalogued":
        return {
          digest,
          size,
          async open(range, signal) {
            const copies = await verifiedCopies(db, digest, size);
            if (copies.length === 0) throw registryError("BLOB_UNKNOWN", `no verified copy of ${digest} is present any more`, { detail: { digest } });
            let lastError: unknown;
            // Any verified copy will do; one on a share that is away should not fail the pull.
            for (const copy of copies) {
              try {
                const stream = await openLibraryFileStream(copy.libraryPath, copy.relPath, { ...range, timeoutMs, signal, expectedSize: size });
                return stream.body;
              } catch (error) {
                if (signal.aborted) throw error;
                lastError = error;
                log.warn("registry: a blob copy cannot be read; trying the next", { digest, path: libraryFilePath(copy.libraryPath, copy.relPath), error: errorMessage(error) });
              }
            }
            throw lastError;
          },
        };
      case "store": {
        const relPath = blobRelPath(digest);
        return {
          digest,
          size,
          async open(range, signal) {
            if (range.end < range.start || size > MAX_HASHED_STORE_BLOB_BYTES) {
              return (await openLibraryFileStream(entry.libraryPath, relPath, { ...range, timeoutMs, signal, expectedSize: size })).body;
            }
            const bytes = await readSmallLibraryFile(entry.libraryPath, relPath, MAX_HASHED_STORE_BLOB_BYTES, timeoutMs, size);
            if (`sha256:${sha256Hex(bytes)}` !== digest) {
              throw registryError("UNKNOWN", `${libraryFilePath(entry.libraryPath, relPath)} does not hash to its name: the Ollama store is damaged`, { status: 500 });
            }
            return bytesStream(bytes.subarray(range.start, range.end + 1));
          },
        };
      }
    }
  }

  return {
    async repositories() {
      return (await refIndex()).repositories;
    },
    async tags(repository) {
      const refs = (await refIndex()).byRepository.get(repository);
      return refs ? refs.map((ref) => ref.tag) : null;
    },
    async manifestByTag(repository, tag) {
      const ref = (await refsOf(repository)).find((candidate) => candidate.tag === tag);
      if (!ref) throw registryError("MANIFEST_UNKNOWN", `${repository}:${tag} is not in the catalogue`, { detail: { name: repository, tag } });
      return served(ref);
    },
    async manifestByDigest(repository, digest) {
      let failure: unknown = null;
      for (const ref of await refsOf(repository)) {
        const model = await served(ref).catch((error: unknown) => {
          failure = preferredFailure(failure, error);
          return null;
        });
        if (model?.docker.digest === digest) return { served: model, form: model.docker };
        if (model?.oci.digest === digest) return { served: model, form: model.oci };
      }
      if (failure !== null && !isNotFound(failure)) throw failure;
      throw registryError("MANIFEST_UNKNOWN", `no manifest ${digest} in ${repository}`, { detail: { name: repository, digest } });
    },
    async resolveBlob(repository, digest) {
      let failure: unknown = null;
      for (const ref of await refsOf(repository)) {
        const model = await served(ref).catch((error: unknown) => {
          failure = preferredFailure(failure, error);
          return null;
        });
        const entry = model?.blobs.get(digest);
        if (entry) return blobSource(digest, entry);
      }
      // A manifest that could not be read (share away) may name the blob: say so rather than "unknown".
      if (failure !== null && !isNotFound(failure)) throw failure;
      throw registryError("BLOB_UNKNOWN", `blob ${digest} is not part of any servable manifest of ${repository}`, { detail: { digest } });
    },
  };
}

function indexRefs(refs: ModelRef[]): RefIndex {
  const byRepository = new Map<string, ModelRef[]>();
  for (const ref of refs) {
    const list = byRepository.get(ref.repository) ?? [];
    list.push(ref);
    byRepository.set(ref.repository, list);
  }
  for (const list of byRepository.values()) list.sort((a, b) => compare(a.tag, b.tag));
  return { repositories: [...byRepository.keys()].sort(compare), byRepository };
}

/** Code-unit order: the lexical order the distribution spec's pagination assumes. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Present, verified catalogue files holding exactly these bytes, first library first. */
async function verifiedCopies(db: Db, digest: string, size: number, take?: number): Promise<{ libraryPath: string; relPath: string }[]> {
  const rows = await db.libraryFile.findMany({
    where: {
      sha256: digest.slice("sha256:".length).toLowerCase(),
      sizeBytes: BigInt(size),
      verifyState: "verified",
      missingSince: null,
      state: "indexed",
      role: { in: ["gguf", "ollama-blob"] },
    },
    select: { relPath: true, library: { select: { path: true } } },
    orderBy: [{ libraryId: "asc" }, { relPath: "asc" }],
    take,
  });
  return rows.map((row) => ({ libraryPath: row.library.path, relPath: row.relPath }));
}

/** Reads a whole small file of a library root, refusing more than `maxBytes` (or another size than `expectedSize`). */
async function readSmallLibraryFile(libraryPath: string, relPath: string, maxBytes: number, timeoutMs: number, expectedSize?: number): Promise<Buffer> {
  const stream = await openLibraryFileStream(libraryPath, relPath, { timeoutMs, expectedSize });
  if (stream.size > maxBytes) {
    stream.body.destroy();
    throw registryError("UNKNOWN", `${stream.display} is ${stream.size} bytes, more than the ${maxBytes} a registry manifest or small blob may have`, { status: 500 });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function bytesStream(bytes: Buffer): Readable {
  return Readable.from(bytes.byteLength > 0 ? [bytes] : [], { objectMode: false });
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function form(mediaType: string, bytes: Buffer): ManifestForm {
  return { mediaType, bytes, digest: `sha256:${sha256Hex(bytes)}` };
}

/** The manifest's own mediaType (Ollama writes the Docker schema 2 type; OCI is allowed), for Content-Type. */
function manifestMediaType(bytes: Buffer): string {
  const parsed = JSON.parse(bytes.toString("utf8")) as { mediaType?: unknown };
  return typeof parsed.mediaType === "string" && parsed.mediaType.length > 0 ? parsed.mediaType : MEDIA_TYPES.dockerManifest;
}

function isNotFound(error: unknown): boolean {
  return isAppError(error) && error.code === "not-found";
}

/** Of two failures, the one worth reporting: a share that is away beats "not servable". */
function preferredFailure(current: unknown, next: unknown): unknown {
  if (current === null || isNotFound(current)) return next;
  return current;
}
