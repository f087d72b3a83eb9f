// Pushes catalogue models into another Docker Distribution-API registry, so a
// larger site can serve its hosts from a standard registry (Docker Distribution,
// Harbor, Artifactory) instead of from ModelShelf. What is pushed is exactly what
// ModelShelf's own /v2/ serves Ollama: the same manifest resolution and blob
// streams (registry-catalog.ts), the Docker schema 2 (Ollama) manifest byte-exact
// under the same namespace/model:tag, so `ollama pull <mirror>/<ns>/<model>:<tag>`
// stores the same manifest digest as a pull from ModelShelf.
//
// Per model: every blob is looked up with HEAD and uploaded only when missing
// (streamed from the library, hashed on the way), then the manifest is PUT and
// read back with Ollama's Accept header; the model counts as mirrored only when
// the registry serves the same manifest digest and has every blob at its size.
// Worker-side code (it reads the library roots); used by `modelshelf mirror`.
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import type { Db } from "../db/client.ts";
import { AppError, errorMessage, isAppError } from "../errors.ts";
import { isCancelledError } from "../hashing/cancelled-error.ts";
import { MEDIA_TYPES, digestOf } from "./manifest-json.ts";
import { createMirrorRegistryClient, parseRegistryBaseUrl, type MirrorRegistryClient } from "./mirror-registry-client.ts";
import { resolveModelArg } from "./model-refs.ts";
import { createRegistryCatalog, type RegistryCatalog, type ServedModel } from "./registry-catalog.ts";

export interface MirrorLibraryOptions {
  db: Db;
  /** Base URL of the target registry: http(s)://host[:port]. */
  to: string;
  /** Catalogue ids or namespace/model:tag references; empty or absent = every servable model. */
  models?: readonly string[];
  /** Accept the target's TLS certificate unchecked (self-signed). */
  insecureTls?: boolean;
  /** Timeout for opening a library root and for each remote read (MODELSHELF_FS_TIMEOUT_MS). */
  fsTimeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (event: MirrorProgress) => void;
}

export type MirrorProgress =
  | { kind: "model"; ref: string; index: number; count: number }
  | { kind: "blob"; ref: string; digest: string; size: number; sent: number; state: "checking" | "uploading" | "present" | "uploaded" }
  | { kind: "verify"; ref: string };

export interface MirroredBlob {
  digest: string;
  size: number;
  /** Already in the target repository (found by HEAD), or sent now. */
  action: "present" | "uploaded";
}

export interface MirroredModel {
  /** namespace/model:tag, the same in the catalogue and in the target registry. */
  ref: string;
  /** What a host pulls: <target host>/<namespace>/<model>:<tag>. */
  target: string;
  /** mirrored: verified in the target; skipped: not servable yet (default selection only); failed: see error. */
  status: "mirrored" | "skipped" | "failed";
  /** The Docker schema 2 manifest digest ModelShelf serves Ollama (null when it could not be resolved). */
  manifestDigest: string | null;
  blobs: MirroredBlob[];
  uploadedBytes: number;
  error: string | null;
}

export interface MirrorResult {
  /** The target registry's origin. */
  registry: string;
  /** True when every selected model (skipped ones aside) was mirrored and verified. */
  ok: boolean;
  models: MirroredModel[];
}

interface Selected {
  repository: string;
  tag: string;
  /** Named on the command line: a model that cannot be served is a failure, not a skip. */
  explicit: boolean;
}

export async function mirrorLibrary(options: MirrorLibraryOptions): Promise<MirrorResult> {
  const origin = parseRegistryBaseUrl(options.to);
  const catalog = createRegistryCatalog(options.db, { fsTimeoutMs: options.fsTimeoutMs });
  const selected = await selectModels(options.db, catalog, options.models ?? []);
  const client = createMirrorRegistryClient({ origin, insecureTls: options.insecureTls, signal: options.signal });
  try {
    // One request first: a wrong URL, TLS or an auth wall fails the run once, not once per model.
    await client.checkApi();
    const host = new URL(origin).host;
    const models: MirroredModel[] = [];
    // One model and one blob at a time: the share is the bottleneck, and parallel streams
    // of multi-GB files from it would only compete for the same disks and link.
    for (const [index, entry] of selected.entries()) {
      const ref = `${entry.repository}:${entry.tag}`;
      options.onProgress?.({ kind: "model", ref, index, count: selected.length });
      models.push(await mirrorModel({ catalog, client, signal: options.signal, onProgress: options.onProgress }, entry, `${host}/${ref}`));
    }
    return { registry: origin, ok: models.every((model) => model.status !== "failed"), models };
  } finally {
    await client.close();
  }
}

async function selectModels(db: Db, catalog: RegistryCatalog, args: readonly string[]): Promise<Selected[]> {
  if (args.length === 0) {
    const all: Selected[] = [];
    for (const repository of await catalog.repositories()) {
      for (const tag of (await catalog.tags(repository)) ?? []) all.push({ repository, tag, explicit: false });
    }
    return all;
  }
  const seen = new Set<string>();
  const picked: Selected[] = [];
  for (const arg of args) {
    // Throws not-found / invalid-input naming the argument, before anything is sent.
    const ref = await resolveModelArg(db, arg);
    if (seen.has(ref.ref)) continue;
    seen.add(ref.ref);
    picked.push({ repository: ref.repository, tag: ref.tag, explicit: true });
  }
  return picked;
}

interface MirrorContext {
  catalog: RegistryCatalog;
  client: MirrorRegistryClient;
  signal?: AbortSignal;
  onProgress?: (event: MirrorProgress) => void;
}

async function mirrorModel(ctx: MirrorContext, entry: Selected, target: string): Promise<MirroredModel> {
  const ref = `${entry.repository}:${entry.tag}`;
  const result: MirroredModel = { ref, target, status: "failed", manifestDigest: null, blobs: [], uploadedBytes: 0, error: null };
  let served: ServedModel;
  try {
    served = await ctx.catalog.manifestByTag(entry.repository, entry.tag);
  } catch (error) {
    // MANIFEST_UNKNOWN: awaiting verification, incomplete, gone. Only a model asked for by name must be there.
    const notServable = isAppError(error) && error.code === "not-found";
    return { ...result, status: notServable && !entry.explicit ? "skipped" : "failed", error: errorMessage(error) };
  }
  const manifest = served.docker;
  result.manifestDigest = manifest.digest;
  try {
    for (const [digest, blob] of served.blobs) {
      ctx.signal?.throwIfAborted();
      const action = await pushBlob(ctx, entry.repository, ref, digest, blob.size);
      result.blobs.push({ digest, size: blob.size, action });
      if (action === "uploaded") result.uploadedBytes += blob.size;
    }
    const stored = await ctx.client.putManifest(entry.repository, entry.tag, manifest.mediaType, manifest.bytes);
    if (stored !== null && stored !== manifest.digest) {
      throw new AppError("io", `the registry stored the manifest of ${ref} as ${stored}, not ${manifest.digest}: it rewrote the bytes`);
    }
    ctx.onProgress?.({ kind: "verify", ref });
    await verifyModel(ctx, entry, served);
    return { ...result, status: "mirrored" };
  } catch (error) {
    if (ctx.signal?.aborted || isCancelledError(error)) throw error;
    return { ...result, error: errorMessage(error) };
  }
}

async function pushBlob(ctx: MirrorContext, repository: string, ref: string, digest: string, size: number): Promise<MirroredBlob["action"]> {
  const progress = (state: "checking" | "uploading" | "present" | "uploaded", sent: number) => ctx.onProgress?.({ kind: "blob", ref, digest, size, sent, state });
  progress("checking", 0);
  const status = await ctx.client.blobStatus(repository, digest);
  if (status.present) {
    if (status.size !== null && status.size !== size) {
      throw new AppError("io", `the registry has ${digest} in ${repository} as ${status.size} bytes, but it is ${size}: the registry's copy is damaged`);
    }
    progress("present", size);
    return "present";
  }
  const blob = await ctx.catalog.resolveBlob(repository, digest);
  const body = await blob.open({ start: 0, end: size - 1 }, ctx.signal ?? new AbortController().signal);
  let sent = 0;
  progress("uploading", 0);
  const hashed: HashState = { hash: createHash("sha256"), bytes: 0, actual: null };
  try {
    await ctx.client.uploadBlob(repository, digest, size, hashedChunks(body, digest, ref, hashed), (bytes) => {
      sent += bytes;
      progress("uploading", sent);
    });
  } catch (error) {
    // The registry may answer DIGEST_INVALID before the last chunk's check below runs:
    // when every byte went out, say which side is wrong ourselves.
    if (hashed.actual === null && hashed.bytes === size) hashed.actual = `sha256:${hashed.hash.digest("hex")}`;
    if (hashed.actual !== null && hashed.actual !== digest) throw changedSinceVerified(ref, digest, hashed.actual);
    throw error;
  } finally {
    body.destroy();
  }
  progress("uploaded", size);
  return "uploaded";
}

/**
 * The blob's bytes, hashed on the way: the catalogue verified them once, but a file
 * rewritten in place since then (same size) must fail with that reason, before the
 * registry's own digest check answers with a bare DIGEST_INVALID.
 */
interface HashState {
  hash: ReturnType<typeof createHash>;
  bytes: number;
  /** Set once every byte is hashed. */
  actual: string | null;
}

function changedSinceVerified(ref: string, digest: string, actual: string): AppError {
  return new AppError("corrupt-file", `${ref}: the library copy of ${digest} now hashes to ${actual}: it changed since it was verified (run modelshelf verify)`, {
    details: { expected: digest, actual },
  });
}

async function* hashedChunks(body: Readable, digest: string, ref: string, state: HashState): AsyncGenerator<Buffer> {
  for await (const chunk of body as AsyncIterable<Buffer>) {
    state.hash.update(chunk);
    state.bytes += chunk.length;
    yield chunk;
  }
  state.actual = `sha256:${state.hash.digest("hex")}`;
  if (state.actual !== digest) throw changedSinceVerified(ref, digest, state.actual);
}

/** Reads the model back as Ollama would: the manifest by tag with Ollama's Accept header, then every blob by HEAD. */
async function verifyModel(ctx: MirrorContext, entry: Selected, served: ServedModel): Promise<void> {
  const ref = `${entry.repository}:${entry.tag}`;
  const expected = served.docker.digest;
  const back = await ctx.client.getManifest(entry.repository, entry.tag, MEDIA_TYPES.dockerManifest);
  const actual = digestOf(back.bytes);
  if (actual !== expected || (back.digest !== null && back.digest !== expected)) {
    throw new AppError("io", `the registry serves Ollama a different manifest for ${ref} (${back.digest ?? actual}, content type ${back.mediaType ?? "none"}) than ModelShelf does (${expected})`, {
      details: { expected, actual, header: back.digest },
    });
  }
  for (const [digest, blob] of served.blobs) {
    const status = await ctx.client.blobStatus(entry.repository, digest);
    if (!status.present) throw new AppError("io", `the registry lost ${digest} of ${ref} after the manifest was pushed`);
    if (status.size !== null && status.size !== blob.size) {
      throw new AppError("io", `the registry serves ${digest} of ${ref} as ${status.size} bytes, but it is ${blob.size}`);
    }
  }
}
