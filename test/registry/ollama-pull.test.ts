// `ollama pull <modelshelf>/<ns>/<model>:<tag> --insecure` against the registry.
// No Ollama binary runs here, so the pull is made by the Ollama test double,
// which follows upstream's downloader (manifest GET with the Docker schema 2
// Accept header, HEAD for the size, a direct-URL GET that needs Location, Range
// parts, a digest check per blob, the manifest stored verbatim).
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistryServer, type RegistryServer } from "../../lib/registry/registry-server.ts";
import { startOllamaDouble, type OllamaDouble } from "../helpers/ollama-double.ts";
import { OLLAMA_ACCEPT, REFS, buildRegistryFixture, get, type RegistryFixture } from "./registry-fixture.ts";

process.env.MODELSHELF_LOG_LEVEL ??= "error";

/** Small parts, so even the tiny test models are fetched as several parallel Range requests. */
const PART_BYTES = 50_000;

let fixture: RegistryFixture;
let server: RegistryServer;
let ollama: OllamaDouble;

beforeAll(async () => {
  fixture = await buildRegistryFixture();
  server = await startRegistryServer({ db: fixture.temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 5_000 });
  ollama = await startOllamaDouble({ minPartSize: PART_BYTES, maxPartSize: PART_BYTES });
}, 120_000);

afterAll(async () => {
  await ollama?.close();
  await server?.close();
  await fixture?.cleanup();
});

async function pull(name: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${ollama.url}/api/pull`, { method: "POST", body: JSON.stringify({ model: name, insecure: true, stream: true }) });
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("ollama pull from ModelShelf", () => {
  it("pulls a model synthesised from GGUF shards and stores exactly what the registry served", async () => {
    const name = `127.0.0.1:${server.port}/${REFS.split.repository}:${REFS.split.tag}`;
    const lines = await pull(name);
    expect(lines.at(-1)).toEqual({ status: "success" });
    const served = await get(server.url, `/v2/${REFS.split.repository}/manifests/${REFS.split.tag}`, { headers: { Accept: OLLAMA_ACCEPT } });
    expect((await ollama.readManifest(name))?.equals(served.body)).toBe(true);
    const manifest = JSON.parse(served.body.toString()) as { config: { digest: string }; layers: { digest: string }[] };
    for (const [i, layer] of manifest.layers.entries()) {
      expect(Buffer.from(await readFile(ollama.blobPath(layer.digest))).equals(Buffer.from(fixture.shards[i]!)), layer.digest).toBe(true);
    }
    expect(await ollama.hasBlob(manifest.config.digest)).toBe(true);
    // Shards are larger than a part, so they came as Range parts: a registry that
    // answered those with the whole blob would fail the digest check above.
    expect(fixture.shards.every((shard) => shard.byteLength > PART_BYTES)).toBe(true);
  });

  it("pulls an Ollama tag with its template, params, system and license, manifest byte-exact", async () => {
    const name = `127.0.0.1:${server.port}/${REFS.ollama.repository}:${REFS.ollama.tag}`;
    const lines = await pull(name);
    expect(lines.at(-1)).toEqual({ status: "success" });
    expect((await ollama.readManifest(name))?.equals(Buffer.from(fixture.ollamaManifest))).toBe(true);
    for (const [digest, bytes] of fixture.ollamaBlobs) {
      expect(Buffer.from(await readFile(ollama.blobPath(digest))).equals(Buffer.from(bytes)), digest).toBe(true);
    }
  });

  it("fails the pull of a model that awaits verification, before any blob is fetched", async () => {
    const name = `127.0.0.1:${server.port}/${REFS.unverified.repository}:${REFS.unverified.tag}`;
    const lines = await pull(name);
    expect(lines.at(-1)).toHaveProperty("error");
    expect(await ollama.readManifest(name)).toBeNull();
  });
});
