// `modelshelf mirror` against real peers: Debian's docker-registry (Docker
// Distribution 2.8) on loopback receives the library by the standard push
// protocol and serves it back byte-exact to Ollama's Accept header. With
// Distribution's redirect storage middleware pointing blob downloads at a static
// file server on another loopback address, the strict Ollama double (upstream's
// downloader: HEAD, direct-URL GET, Range parts) pulls from the mirror; without
// it the pull fails as Ollama's does (formats.md §4.2, ollama issue #7244).
// Skipped only on a developer machine without the tools (never in CI).
import { execFile } from "node:child_process";
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mirrorLibrary, type MirrorResult } from "../../lib/registry/mirror-library.ts";
import { resolveModelArg } from "../../lib/registry/model-refs.ts";
import { startRegistryServer, type RegistryServer } from "../../lib/registry/registry-server.ts";
import { STREAM_CHUNK_BYTES } from "../../lib/catalog/library-file-stream.ts";
import {
  createSkopeo,
  freeLoopbackPort,
  ociSkipReason,
  startDockerRegistry,
  startStaticFileServer,
  type DockerRegistry,
  type StaticFileServer,
} from "../helpers/oci-tools.ts";
import { startOllamaDouble, type OllamaDouble } from "../helpers/ollama-double.ts";
import { OLLAMA_ACCEPT, REFS, buildRegistryFixture, digestOf, get, type RegistryFixture } from "./registry-fixture.ts";

process.env.MODELSHELF_LOG_LEVEL ??= "error";

const execFileAsync = promisify(execFile);
const bin = path.resolve(import.meta.dirname, "..", "..", "bin", "modelshelf.js");
/** Small download parts, so the double fetches even the tiny shards as several Range requests. */
const PART_BYTES = 50_000;
/** A CLI run starts tsx and migrates the catalogue (a few seconds) before copying a few MB on loopback. */
const CLI_TIMEOUT_MS = 120_000;

const skip = ociSkipReason();
if (skip) console.warn(skip);

interface ManifestJson {
  config: { mediaType: string; digest: string; size: number };
  layers: { mediaType: string; digest: string; size: number }[];
}

type Ref = { repository: string; tag: string };
const refText = (ref: Ref) => `${ref.repository}:${ref.tag}`;
/** Every model of the fixture that can be served (verified and complete). */
const SERVABLE = [REFS.chat, REFS.split, REFS.ollama, REFS.ollamaSecondTag, REFS.big];

let fixture: RegistryFixture;
let server: RegistryServer;
/** A stock Distribution: blobs are served by the registry itself (200, no Location). */
let plain: DockerRegistry;

beforeAll(async () => {
  // With the ~33 MB model: its upload takes many library chunks.
  fixture = await buildRegistryFixture({ big: true });
  server = await startRegistryServer({ db: fixture.temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 5_000 });
  if (skip === null) plain = await startDockerRegistry(path.join(fixture.temp.dir, "plain"), { accessLog: true });
}, 120_000);

afterAll(async () => {
  await plain?.stop();
  await server?.close();
  await fixture?.cleanup();
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [bin, ...args, "--db", fixture.temp.dbFile], {
      env: { ...process.env, MODELSHELF_DATA_DIR: fixture.temp.dir, MODELSHELF_LOG_LEVEL: "error" },
      timeout: CLI_TIMEOUT_MS,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** What ModelShelf serves Ollama for a tag: the manifest a mirror must reproduce. */
async function servedToOllama(ref: Ref) {
  const response = await get(server.url, `/v2/${ref.repository}/manifests/${ref.tag}`, { headers: { Accept: OLLAMA_ACCEPT } });
  expect(response.status, refText(ref)).toBe(200);
  return { bytes: response.body, digest: response.headers.get("docker-content-digest")!, manifest: JSON.parse(response.body.toString()) as ManifestJson };
}

describe.skipIf(skip !== null)("modelshelf mirror into Docker Distribution", () => {
  let first: MirrorResult;

  it("pushes every servable model; Distribution serves each manifest to Ollama byte-exact, with ModelShelf's digest", async () => {
    const run = await cli(["mirror", "--to", plain.url, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    first = JSON.parse(run.stdout) as MirrorResult;
    expect(first).toMatchObject({ registry: plain.url, ok: true });
    for (const ref of SERVABLE) {
      const ours = await servedToOllama(ref);
      expect(first.models.find((model) => model.ref === refText(ref))).toMatchObject({ status: "mirrored", manifestDigest: ours.digest, target: `${plain.hostPort}/${refText(ref)}` });
      const back = await get(plain.url, `/v2/${ref.repository}/manifests/${ref.tag}`, { headers: { Accept: OLLAMA_ACCEPT } });
      expect(back.status, refText(ref)).toBe(200);
      expect(back.headers.get("docker-content-digest"), refText(ref)).toBe(ours.digest);
      expect(back.body.equals(ours.bytes), refText(ref)).toBe(true);
    }
    // The Ollama tag's own file, "from" fields and indentation included.
    const tag = await get(plain.url, `/v2/${REFS.ollama.repository}/manifests/${REFS.ollama.tag}`, { headers: { Accept: OLLAMA_ACCEPT } });
    expect(tag.body.equals(Buffer.from(fixture.ollamaManifest))).toBe(true);
  });

  it("uploads every blob so that Distribution serves it under its digest, GGUF layers equal to the library files", async () => {
    const ggufs = new Map<string, Uint8Array>([fixture.chat, ...fixture.shards, fixture.qwen, fixture.big!].map((bytes) => [digestOf(bytes), bytes]));
    for (const ref of SERVABLE) {
      const { manifest } = await servedToOllama(ref);
      for (const descriptor of [manifest.config, ...manifest.layers]) {
        const blob = await get(plain.url, `/v2/${ref.repository}/blobs/${descriptor.digest}`);
        expect(blob.status, descriptor.digest).toBe(200);
        expect(digestOf(blob.body), descriptor.digest).toBe(descriptor.digest);
        expect(blob.body.byteLength).toBe(descriptor.size);
        if (descriptor.mediaType === "application/vnd.ollama.image.model") expect(blob.body.equals(Buffer.from(ggufs.get(descriptor.digest)!))).toBe(true);
      }
    }
  });

  it("leaves out a model that awaits verification, says why, and still exits 0", async () => {
    expect(first.models.find((model) => model.ref === refText(REFS.unverified))).toMatchObject({ status: "skipped", error: expect.stringMatching(/awaits verification/) });
    const absent = await get(plain.url, `/v2/${REFS.unverified.repository}/manifests/${REFS.unverified.tag}`, { headers: { Accept: OLLAMA_ACCEPT } });
    expect(absent.status).toBe(404);
  });

  it("uploads nothing on a second run: every blob is found by HEAD", async () => {
    const mark = plain.accessLog().length;
    const run = await cli(["mirror", "--to", plain.url, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const again = JSON.parse(run.stdout) as MirrorResult;
    const mirrored = again.models.filter((model) => model.status === "mirrored");
    expect(mirrored.map((model) => model.ref).sort()).toEqual(SERVABLE.map(refText).sort());
    for (const model of mirrored) {
      expect(model.uploadedBytes, model.ref).toBe(0);
      expect(model.blobs.every((blob) => blob.action === "present"), model.ref).toBe(true);
    }
    // Distribution's own account of the run: HEADs, no upload session, no blob PUT.
    const requests = plain.accessLog().slice(mark);
    expect(requests.some((line) => /"HEAD \/v2\/[^ ]+\/blobs\/sha256:/.test(line))).toBe(true);
    expect(requests.filter((line) => /"(POST|PUT|PATCH) \/v2\/[^ ]+\/blobs\/uploads\//.test(line))).toEqual([]);
  });

  it("streams a large blob from the library as it uploads, one library chunk at a time", async () => {
    const fresh = await startDockerRegistry(path.join(fixture.temp.dir, "fresh"));
    try {
      const digest = digestOf(fixture.big!);
      const sent: number[] = [];
      const result = await mirrorLibrary({
        db: fixture.temp.db,
        to: fresh.url,
        models: [refText(REFS.big)],
        fsTimeoutMs: 5_000,
        onProgress: (event) => {
          if (event.kind === "blob" && event.digest === digest && event.state === "uploading") sent.push(event.sent);
        },
      });
      expect(result.ok).toBe(true);
      expect(result.models[0]!.blobs).toContainEqual({ digest, size: fixture.big!.byteLength, action: "uploaded" });
      // Bytes are counted as undici takes them: never more than one read ahead of the socket.
      const steps = sent.slice(1).map((value, i) => value - sent[i]!);
      expect(sent.at(-1)).toBe(fixture.big!.byteLength);
      expect(steps.length).toBeGreaterThanOrEqual(Math.floor(fixture.big!.byteLength / STREAM_CHUNK_BYTES));
      expect(Math.max(...steps)).toBeLessThanOrEqual(STREAM_CHUNK_BYTES);
      const blob = await get(fresh.url, `/v2/${REFS.big.repository}/blobs/${digest}`);
      expect(digestOf(blob.body)).toBe(digest);
    } finally {
      await fresh.stop();
    }
  });

  it("leaves a tag mirrored for Ollama unreadable to OCI tools: skopeo refuses Ollama layers in a Docker manifest", async () => {
    // Why the README keeps the two routes apart: skopeo copies the OCI view, `modelshelf mirror` the Ollama one.
    const skopeo = await createSkopeo(path.join(fixture.temp.dir, "skopeo"));
    await expect(skopeo.run(["inspect", "--tls-verify=false", `docker://${plain.hostPort}/${refText(REFS.chat)}`])).rejects.toThrow(
      /unsupported docker v2s2 media type: .*application\/vnd\.ollama\.image\.model/,
    );
  });

  it("mirrors only the models named with --model, by reference or catalogue id", async () => {
    const split = await resolveModelArg(fixture.temp.db, refText(REFS.split));
    const result = await mirrorLibrary({ db: fixture.temp.db, to: plain.url, models: [refText(REFS.chat), String(split.modelId)], fsTimeoutMs: 5_000 });
    expect(result.ok).toBe(true);
    expect(result.models.map((model) => [model.ref, model.status])).toEqual([
      [refText(REFS.chat), "mirrored"],
      [refText(REFS.split), "mirrored"],
    ]);
  });

  it("fails a model named with --model that cannot be served yet", async () => {
    const result = await mirrorLibrary({ db: fixture.temp.db, to: plain.url, models: [refText(REFS.unverified)], fsTimeoutMs: 5_000 });
    expect(result.ok).toBe(false);
    expect(result.models).toEqual([expect.objectContaining({ ref: refText(REFS.unverified), status: "failed", error: expect.stringMatching(/awaits verification/) })]);
  });

  it("rejects an unknown --model before sending the registry anything", async () => {
    const mark = plain.accessLog().length;
    await expect(mirrorLibrary({ db: fixture.temp.db, to: plain.url, models: ["no/such:model"], fsTimeoutMs: 5_000 })).rejects.toThrow("No catalogue model is named no/such:model");
    expect(plain.accessLog().slice(mark)).toEqual([]);
  });

  it("fails a model whose library file changed since it was verified, and the registry keeps no such blob", async () => {
    const fresh = await startDockerRegistry(path.join(fixture.temp.dir, "changed"));
    // Same size, one byte different: only the hash can tell (the catalogue still says verified).
    const file = await open(path.join(fixture.shelfDir, "llama/TinyLlama-Chat-F16.gguf"), "r+");
    const last = fixture.chat.byteLength - 1;
    try {
      await file.write(Buffer.from([fixture.chat[last]! ^ 0xff]), 0, 1, last);
      const result = await mirrorLibrary({ db: fixture.temp.db, to: fresh.url, models: [refText(REFS.chat)], fsTimeoutMs: 5_000 });
      expect(result.ok).toBe(false);
      expect(result.models[0]).toMatchObject({ status: "failed", error: expect.stringMatching(/changed since it was verified \(run modelshelf verify\)/) });
      const head = await get(fresh.url, `/v2/${REFS.chat.repository}/blobs/${digestOf(fixture.chat)}`, { method: "HEAD" });
      expect(head.status).toBe(404);
    } finally {
      await file.write(Buffer.from([fixture.chat[last]!]), 0, 1, last);
      await file.close();
      await fresh.stop();
    }
  });

  it("exits 1 with the registry's own reason when the target does not accept pushes", async () => {
    // ModelShelf's /v2/ has every blob (HEAD finds them) but is read-only: the manifest PUT is refused.
    const run = await cli(["mirror", "--to", server.url, "--model", refText(REFS.chat)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`FAILED +${refText(REFS.chat)}: PUT ${server.url}/v2/${REFS.chat.repository}/manifests/${REFS.chat.tag} answered HTTP 405: UNSUPPORTED`));
    expect(run.stdout).toContain("0 of 1 model(s) mirrored");
  });

  it("exits 1 naming the request when nothing answers at the target", async () => {
    const port = await freeLoopbackPort();
    const run = await cli(["mirror", "--to", `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`GET http://127.0.0.1:${port}/v2/ failed`);
    expect(run.stderr).toContain("ECONNREFUSED");
  });

  it("refuses a --to with a path as a usage error (Ollama names are host/namespace/model)", async () => {
    const run = await cli(["mirror", "--to", `${plain.url}/project`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("path prefix cannot be used");
  });
});

describe.skipIf(skip !== null)("Ollama pulls from a Distribution mirror", () => {
  let files: StaticFileServer;
  let redirecting: DockerRegistry;
  let ollama: OllamaDouble;

  beforeAll(async () => {
    const workDir = path.join(fixture.temp.dir, "redirecting");
    // Another loopback address is another host to Ollama, which keeps the first cross-host redirect as its download URL.
    files = await startStaticFileServer(path.join(workDir, "storage"), "127.0.0.2");
    redirecting = await startDockerRegistry(workDir, { redirectBaseUrl: files.url });
    expect(redirecting.storageDir).toBe(path.join(workDir, "storage"));
    const mirrored = await mirrorLibrary({ db: fixture.temp.db, to: redirecting.url, fsTimeoutMs: 5_000 });
    expect(mirrored.ok, JSON.stringify(mirrored.models.map((model) => model.error))).toBe(true);
    // The stock registry gets the same model, independently of the first describe's runs.
    expect((await mirrorLibrary({ db: fixture.temp.db, to: plain.url, models: [refText(REFS.ollama)], fsTimeoutMs: 5_000 })).ok).toBe(true);
    ollama = await startOllamaDouble({ minPartSize: PART_BYTES, maxPartSize: PART_BYTES });
  }, 120_000);

  afterAll(async () => {
    await ollama?.close();
    await redirecting?.stop();
    await files?.close();
  });

  async function pull(name: string, host: OllamaDouble = ollama): Promise<Record<string, unknown>[]> {
    const response = await fetch(`${host.url}/api/pull`, { method: "POST", body: JSON.stringify({ model: name, insecure: true, stream: true }) });
    return (await response.text())
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it("pulls an Ollama tag through the redirect middleware: manifest and every blob are the catalogue's", async () => {
    // Distribution redirects the blob HEAD as well (307, no Content-Length): Ollama's HEAD
    // follows it (makeRequest's http.Client has no CheckRedirect there) and reads the size
    // from the storage host; its direct-URL GET keeps the 307's Location.
    const name = `${redirecting.hostPort}/${refText(REFS.ollama)}`;
    const lines = await pull(name);
    expect(lines.at(-1)).toEqual({ status: "success" });
    const manifest = await ollama.readManifest(name);
    expect(manifest?.equals(Buffer.from(fixture.ollamaManifest))).toBe(true);
    expect(digestOf(manifest!)).toBe((await servedToOllama(REFS.ollama)).digest);
    for (const [digest, bytes] of fixture.ollamaBlobs) {
      expect(Buffer.from(await readFile(ollama.blobPath(digest))).equals(Buffer.from(bytes)), digest).toBe(true);
    }
  });

  it("downloads the blobs from the storage host in Range parts, not from the registry", async () => {
    const name = `${redirecting.hostPort}/${refText(REFS.split)}`;
    const lines = await pull(name);
    expect(lines.at(-1)).toEqual({ status: "success" });
    const served = await servedToOllama(REFS.split);
    expect((await ollama.readManifest(name))?.equals(served.bytes)).toBe(true);
    for (const [i, layer] of served.manifest.layers.entries()) {
      expect(Buffer.from(await readFile(ollama.blobPath(layer.digest))).equals(Buffer.from(fixture.shards[i]!)), layer.digest).toBe(true);
      const hex = layer.digest.slice("sha256:".length);
      const parts = files.requests.filter((request) => request.method === "GET" && request.range !== null && request.path.endsWith(`/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`));
      // Each shard is larger than a part, so it came as several 206 answers from the storage host.
      expect(parts.length, layer.digest).toBeGreaterThan(1);
      expect(parts.every((part) => part.status === 206)).toBe(true);
      // The size came from there too: the registry's 307 to the HEAD has no Content-Length.
      expect(files.requests.some((request) => request.method === "HEAD" && request.path.endsWith(`/${hex}/data`) && request.status === 200), layer.digest).toBe(true);
    }
  });

  it("fails the same pull from a stock Distribution with Ollama's `no Location header` error", async () => {
    // Distribution serves blob GETs itself with 200 and no Location; Ollama's downloader
    // needs a 307 to another host or a Location (ollama issue #7244).
    // A fresh host: the other one already holds these blobs and would not download them again.
    const fresh = await startOllamaDouble({ minPartSize: PART_BYTES, maxPartSize: PART_BYTES });
    try {
      const name = `${plain.hostPort}/${refText(REFS.ollama)}`;
      const lines = await pull(name, fresh);
      expect(lines.at(-1)).toEqual({ error: expect.stringContaining("no Location header in response") });
      expect(await fresh.readManifest(name)).toBeNull();
    } finally {
      await fresh.close();
    }
  });
});
