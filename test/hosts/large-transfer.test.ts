// Multi-MiB transfers through the paths that recycle read buffers (registry blob
// GETs, Ollama blob uploads): every byte must arrive intact, also with several
// transfers of the same file at once, ranges, and a throttle in between.
import { createHash } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTinyModel } from "../../lib/gguf/index.ts";
import { createThrottle } from "../../lib/hashing/throttle.ts";
import { uploadOllamaBlob } from "../../lib/hosts/ollama/index.ts";
import { startRegistryServer, type RegistryServer } from "../../lib/registry/registry-server.ts";
import { hostTarget, pushContext, pushFile } from "../ollama/driver-kit.ts";
import { startOllamaDouble, type OllamaDouble } from "../helpers/ollama-double.ts";
import { createPushableLibrary, type PushableLibrary } from "../helpers/pushable-library.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

let temp: TempDb;
let library: PushableLibrary;
let registry: RegistryServer;
let ollama: OllamaDouble;
let bytes: Uint8Array;
let digest: string;
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

beforeAll(async () => {
  temp = await createTempDb("modelshelf-large-transfer-");
  // F32 weights with a wide embedding: a real GGUF of ~54 MB, many 1 MiB chunks.
  bytes = buildTinyModel({ architecture: "llama", fileType: "F32", name: "Large", seed: 3, vocabSize: 8192, embeddingLength: 512, blockCount: 2, feedForwardLength: 1024 });
  digest = sha256(bytes);
  library = await createPushableLibrary(temp.db, path.join(temp.dir, "models"), { "Large-F32.gguf": bytes });
  registry = await startRegistryServer({ db: temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 5_000, cacheMs: 0 });
  ollama = await startOllamaDouble();
}, 120_000);
afterAll(async () => {
  await ollama?.close();
  await registry?.close();
  await temp?.cleanup();
});

const blobUrl = () => `${registry.url}/v2/${library.refs[0]!.repository}/blobs/sha256:${digest}`;

async function fetchBytes(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Uint8Array }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
}

describe("large transfers", () => {
  it("serves a multi-MiB blob intact, to several clients at once", async () => {
    expect(bytes.length).toBeGreaterThan(32 * 1024 * 1024);
    const results = await Promise.all([fetchBytes(blobUrl()), fetchBytes(blobUrl()), fetchBytes(blobUrl())]);
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.body.length).toBe(bytes.length);
      expect(sha256(result.body)).toBe(digest);
    }
  });

  it("serves ranges that cross chunk boundaries byte for byte", async () => {
    const ranges: Array<[number, number]> = [
      [1_048_570, 5_242_890],
      [0, 3 * 1024 * 1024 - 1],
      [bytes.length - 2_500_000, bytes.length - 1],
    ];
    const results = await Promise.all(ranges.map(([a, b]) => fetchBytes(blobUrl(), { range: `bytes=${a}-${b}` })));
    results.forEach((result, i) => {
      const [a, b] = ranges[i]!;
      expect(result.status).toBe(206);
      expect(sha256(result.body)).toBe(sha256(bytes.subarray(a, b + 1)));
    });
  });

  it("uploads a multi-MiB blob to an Ollama host intact, also through a throttle", async () => {
    const file = pushFile(library.root, "Large-F32.gguf", bytes);
    expect(await uploadOllamaBlob(hostTarget(ollama.url), file, pushContext(), () => undefined)).toBe("uploaded");
    expect(await ollama.hasBlob(`sha256:${digest}`)).toBe(true);
    // The host's own digest check accepted it; a second host store proves it again under a throttle.
    const second = await startOllamaDouble();
    try {
      const throttle = createThrottle({ bytesPerSecond: 200 * 1024 * 1024 });
      expect(await uploadOllamaBlob(hostTarget(second.url), file, pushContext({ throttle }), () => undefined)).toBe("uploaded");
      expect(await second.hasBlob(`sha256:${digest}`)).toBe(true);
    } finally {
      await second.close();
    }
  });
});
