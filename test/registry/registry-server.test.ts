// The /v2/ registry end to end over a real scanned and verified catalogue: what a
// registry client sees (status, headers, bytes) for every endpoint.
import http from "node:http";
import { readdir, readFile, readlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyFile } from "../../lib/hashing/verify-file.ts";
import { startRegistryServer, type RegistryServer } from "../../lib/registry/registry-server.ts";
import {
  OLLAMA_ACCEPT,
  REFS,
  SKOPEO_ACCEPT,
  buildRegistryFixture,
  digestOf,
  errorCodes,
  get,
  sha256Hex,
  type FetchedResponse,
  type RegistryFixture,
} from "./registry-fixture.ts";

process.env.MODELSHELF_LOG_LEVEL ??= "error";

let fixture: RegistryFixture;
let server: RegistryServer;

beforeAll(async () => {
  fixture = await buildRegistryFixture({ big: true });
  server = await startRegistryServer({ db: fixture.temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 5_000 });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await fixture?.cleanup();
});

const manifestPath = (ref: { repository: string; tag: string }) => `/v2/${ref.repository}/manifests/${ref.tag}`;
const blobPath = (repository: string, digest: string) => `/v2/${repository}/blobs/${digest}`;
const getManifest = (ref: { repository: string; tag: string }, accept = OLLAMA_ACCEPT) => get(server.url, manifestPath(ref), { headers: { Accept: accept } });

interface ManifestJson {
  mediaType: string;
  config: { mediaType: string; digest: string; size: number };
  layers: { mediaType: string; digest: string; size: number }[];
}
const parseManifest = (response: FetchedResponse) => JSON.parse(response.body.toString("utf8")) as ManifestJson;

/** A request sent exactly as written (fetch would normalise "..", "%2e" and friends). */
function rawRequest(method: string, rawPath: string, headers: Record<string, string> = {}, port = server.port): Promise<FetchedResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, method, path: rawPath, headers: { Connection: "close", ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) if (typeof value === "string") headers.set(name, value);
        resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
    });
    request.on("error", reject);
    request.end();
  });
}

describe("base and listing endpoints", () => {
  it("answers /v2/ with {} and the API version header, for GET and HEAD", async () => {
    const response = await get(server.url, "/v2/");
    expect(response.status).toBe(200);
    expect(response.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    expect(JSON.parse(response.body.toString())).toEqual({});
    const head = await get(server.url, "/v2/", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.byteLength).toBe(0);
  });

  it("lists every catalogue repository in _catalog, sorted", async () => {
    const response = await get(server.url, "/v2/_catalog");
    expect(JSON.parse(response.body.toString())).toEqual({
      repositories: ["library/tinyqwen", "shelf/big-vocab", "shelf/tinygemma-2", "shelf/tinyllama-base", "shelf/tinyllama-chat"],
    });
    expect(response.headers.get("link")).toBeNull();
  });

  it("pages _catalog with n and last, linking each page to the next", async () => {
    const seen: string[] = [];
    let next: string | null = "/v2/_catalog?n=2";
    const pages: number[] = [];
    while (next) {
      const response = await get(server.url, next);
      const { repositories } = JSON.parse(response.body.toString()) as { repositories: string[] };
      pages.push(repositories.length);
      seen.push(...repositories);
      next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get("link") ?? "")?.[1] ?? null;
    }
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual(["library/tinyqwen", "shelf/big-vocab", "shelf/tinygemma-2", "shelf/tinyllama-base", "shelf/tinyllama-chat"]);
    const first = await get(server.url, "/v2/_catalog?n=2");
    expect(first.headers.get("link")).toBe('</v2/_catalog?last=shelf%2Fbig-vocab&n=2>; rel="next"');
    const after = await get(server.url, "/v2/_catalog?last=shelf%2Ftinygemma-2");
    expect(JSON.parse(after.body.toString()).repositories).toEqual(["shelf/tinyllama-base", "shelf/tinyllama-chat"]);
    expect(JSON.parse((await get(server.url, "/v2/_catalog?n=0")).body.toString()).repositories).toEqual([]);
  });

  it("refuses a page size that is not a number", async () => {
    const response = await get(server.url, "/v2/_catalog?n=-1");
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(["PAGINATION_NUMBER_INVALID"]);
  });

  it("lists a repository's tags, paged the same way", async () => {
    const all = await get(server.url, "/v2/library/tinyqwen/tags/list");
    expect(JSON.parse(all.body.toString())).toEqual({ name: "library/tinyqwen", tags: ["latest", "q4_0"] });
    const first = await get(server.url, "/v2/library/tinyqwen/tags/list?n=1");
    expect(JSON.parse(first.body.toString()).tags).toEqual(["latest"]);
    expect(first.headers.get("link")).toBe('</v2/library/tinyqwen/tags/list?last=latest&n=1>; rel="next"');
    const second = await get(server.url, "/v2/library/tinyqwen/tags/list?last=latest&n=1");
    expect(JSON.parse(second.body.toString()).tags).toEqual(["q4_0"]);
    expect(second.headers.get("link")).toBeNull();
  });

  it("answers NAME_UNKNOWN for the tags of a repository that does not exist", async () => {
    const response = await get(server.url, "/v2/shelf/nothing-here/tags/list");
    expect(response.status).toBe(404);
    expect(errorCodes(response)).toEqual(["NAME_UNKNOWN"]);
    expect(response.headers.get("content-type")).toBe("application/json");
  });
});

describe("manifests", () => {
  it("serves a raw GGUF model's synthesised manifest in Ollama's layout with every header", async () => {
    const response = await getManifest(REFS.chat);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(Number(response.headers.get("content-length"))).toBe(response.body.byteLength);
    expect(response.headers.get("docker-content-digest")).toBe(digestOf(response.body));
    expect(response.headers.get("etag")).toBe(`"${digestOf(response.body)}"`);
    expect(response.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    const manifest = parseManifest(response);
    expect(manifest.config.mediaType).toBe("application/vnd.docker.container.image.v1+json");
    expect(manifest.layers).toEqual([
      { mediaType: "application/vnd.ollama.image.model", digest: digestOf(fixture.chat), size: fixture.chat.byteLength },
      { mediaType: "application/vnd.ollama.image.license", digest: digestOf(Buffer.from("apache-2.0")), size: 10 },
    ]);
    const config = await get(server.url, blobPath(REFS.chat.repository, manifest.config.digest));
    expect(config.body.toString()).toBe(
      '{"model_format":"gguf","model_family":"llama","model_families":["llama"],"model_type":"115K","file_type":"F16","architecture":"amd64","os":"linux"}',
    );
    const license = await get(server.url, blobPath(REFS.chat.repository, manifest.layers[1]!.digest));
    expect(license.body.toString()).toBe("apache-2.0");
  });

  it("gives a split model one model layer per shard, in shard order", async () => {
    const manifest = parseManifest(await getManifest(REFS.split));
    expect(manifest.layers).toEqual(fixture.shards.map((shard) => ({ mediaType: "application/vnd.ollama.image.model", digest: digestOf(shard), size: shard.byteLength })));
  });

  it("serves an Ollama tag's manifest file byte for byte, with the digest the catalogue recorded", async () => {
    const response = await getManifest(REFS.ollama);
    expect(response.status).toBe(200);
    expect(response.body.equals(Buffer.from(fixture.ollamaManifest))).toBe(true);
    const tag = await fixture.temp.db.ollamaTag.findFirstOrThrow({ where: { tag: "latest" } });
    expect(response.headers.get("docker-content-digest")).toBe(`sha256:${tag.manifestDigest}`);
    expect(response.headers.get("content-type")).toBe("application/vnd.docker.distribution.manifest.v2+json");
  });

  it("gives OCI clients an OCI view of the same blobs, and says the answer depends on Accept", async () => {
    for (const ref of [REFS.chat, REFS.ollama]) {
      const docker = parseManifest(await getManifest(ref));
      const response = await getManifest(ref, SKOPEO_ACCEPT);
      expect(response.headers.get("content-type")).toBe("application/vnd.oci.image.manifest.v1+json");
      expect(response.headers.get("vary")).toBe("Accept");
      expect(response.headers.get("docker-content-digest")).toBe(digestOf(response.body));
      const oci = parseManifest(response);
      expect(oci.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
      expect(oci.config).toEqual({ ...docker.config, mediaType: "application/vnd.oci.image.config.v1+json" });
      expect(oci.layers).toEqual(docker.layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })));
    }
    // A client that prefers Docker schema 2 by quality gets it.
    const preferring = await getManifest(REFS.chat, "application/vnd.oci.image.manifest.v1+json;q=0.5, application/vnd.docker.distribution.manifest.v2+json");
    expect(preferring.headers.get("content-type")).toBe("application/vnd.docker.distribution.manifest.v2+json");
  });

  it("serves both forms by digest, whatever the Accept header", async () => {
    const docker = await getManifest(REFS.ollama);
    const oci = await getManifest(REFS.ollama, SKOPEO_ACCEPT);
    for (const form of [docker, oci]) {
      const digest = form.headers.get("docker-content-digest")!;
      const byDigest = await get(server.url, `/v2/${REFS.ollama.repository}/manifests/${digest}`, { headers: { Accept: OLLAMA_ACCEPT } });
      expect(byDigest.status).toBe(200);
      expect(byDigest.body.equals(form.body)).toBe(true);
      expect(byDigest.headers.get("content-type")).toBe(form.headers.get("content-type"));
      expect(byDigest.headers.get("docker-content-digest")).toBe(digest);
    }
    const unknown = await get(server.url, `/v2/${REFS.ollama.repository}/manifests/sha256:${"0".repeat(64)}`);
    expect(unknown.status).toBe(404);
    expect(errorCodes(unknown)).toEqual(["MANIFEST_UNKNOWN"]);
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const full = await getManifest(REFS.split);
    const head = await get(server.url, manifestPath(REFS.split), { method: "HEAD", headers: { Accept: OLLAMA_ACCEPT } });
    expect(head.status).toBe(200);
    expect(head.body.byteLength).toBe(0);
    for (const name of ["content-type", "content-length", "docker-content-digest", "etag"]) expect(head.headers.get(name), name).toBe(full.headers.get(name));
  });

  it("answers 304 when the client already has the manifest", async () => {
    const full = await getManifest(REFS.chat);
    const again = await get(server.url, manifestPath(REFS.chat), { headers: { Accept: OLLAMA_ACCEPT, "If-None-Match": full.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect(again.body.byteLength).toBe(0);
  });

  it("matches names and tags as Ollama sends them, whatever their case", async () => {
    const response = await get(server.url, "/v2/Shelf/TinyLlama-Chat/manifests/F16", { headers: { Accept: OLLAMA_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.body.equals((await getManifest(REFS.chat)).body)).toBe(true);
  });

  it("answers NAME_UNKNOWN and MANIFEST_UNKNOWN for names and tags it does not have", async () => {
    const noRepo = await getManifest({ repository: "shelf/nothing", tag: "latest" });
    expect([noRepo.status, errorCodes(noRepo)]).toEqual([404, ["NAME_UNKNOWN"]]);
    const noTag = await getManifest({ repository: REFS.chat.repository, tag: "q2_k" });
    expect([noTag.status, errorCodes(noTag)]).toEqual([404, ["MANIFEST_UNKNOWN"]]);
    const deeper = await get(server.url, "/v2/a/b/c/manifests/latest");
    expect([deeper.status, errorCodes(deeper)]).toEqual([404, ["NAME_UNKNOWN"]]);
  });

  it("keeps a model whose files are not all verified out of the registry, saying why", async () => {
    const tags = await get(server.url, `/v2/${REFS.unverified.repository}/tags/list`);
    expect(JSON.parse(tags.body.toString()).tags).toEqual([REFS.unverified.tag]);
    const response = await getManifest(REFS.unverified);
    expect(response.status).toBe(404);
    expect(errorCodes(response)).toEqual(["MANIFEST_UNKNOWN"]);
    expect(response.body.toString()).toContain("awaits verification");
    const blob = await get(server.url, blobPath(REFS.unverified.repository, digestOf(fixture.unverified)));
    expect([blob.status, errorCodes(blob)]).toEqual([404, ["BLOB_UNKNOWN"]]);
  });
});

describe("blobs", () => {
  it("serves every blob of every manifest with its digest, size, ETag, ranges and a Location to itself", async () => {
    for (const ref of [REFS.chat, REFS.split, REFS.ollama]) {
      const manifest = parseManifest(await getManifest(ref));
      for (const descriptor of [manifest.config, ...manifest.layers]) {
        const url = blobPath(ref.repository, descriptor.digest);
        const response = await get(server.url, url);
        expect(response.status).toBe(200);
        expect(digestOf(response.body)).toBe(descriptor.digest);
        expect(response.body.byteLength).toBe(descriptor.size);
        expect(Number(response.headers.get("content-length"))).toBe(descriptor.size);
        expect(response.headers.get("docker-content-digest")).toBe(descriptor.digest);
        expect(response.headers.get("etag")).toBe(`"${descriptor.digest}"`);
        expect(response.headers.get("accept-ranges")).toBe("bytes");
        expect(response.headers.get("content-type")).toBe("application/octet-stream");
        expect(response.headers.get("location")).toBe(`${server.url}${url}`);
      }
    }
  });

  it("serves the Ollama store's own blobs (template, params, …) exactly as stored", async () => {
    for (const [digest, bytes] of fixture.ollamaBlobs) {
      const response = await get(server.url, blobPath(REFS.ollama.repository, digest));
      expect(response.body.equals(Buffer.from(bytes)), digest).toBe(true);
    }
  });

  it("gives Location the public URL's scheme when the request came in under the public host name", async () => {
    const proxied = await startRegistryServer({ db: fixture.temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 5_000, publicUrl: "https://models.example.lan" });
    try {
      const url = blobPath(REFS.chat.repository, digestOf(fixture.chat));
      const viaProxy = await rawRequest("GET", url, { Host: "Models.Example.Lan" }, proxied.port);
      expect(viaProxy.headers.get("location")).toBe(`https://Models.Example.Lan${url}`);
      const direct = await rawRequest("GET", url, { Host: `127.0.0.1:${proxied.port}` }, proxied.port);
      expect(direct.headers.get("location")).toBe(`http://127.0.0.1:${proxied.port}${url}`);
    } finally {
      await proxied.close();
    }
  });

  it("answers HEAD with the size and digest and no body, without a Location", async () => {
    const digest = digestOf(fixture.chat);
    const head = await get(server.url, blobPath(REFS.chat.repository, digest), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.byteLength).toBe(0);
    expect(Number(head.headers.get("content-length"))).toBe(fixture.chat.byteLength);
    expect(head.headers.get("docker-content-digest")).toBe(digest);
    expect(head.headers.get("accept-ranges")).toBe("bytes");
  });

  it("serves the first, a middle, the last and a suffix range with 206 and Content-Range", async () => {
    const bytes = Buffer.from(fixture.chat);
    const size = bytes.byteLength;
    const url = blobPath(REFS.chat.repository, digestOf(bytes));
    const cases: [string, number, number][] = [
      ["bytes=0-99", 0, 99],
      ["bytes=1000-1999", 1000, 1999],
      [`bytes=${size - 100}-${size - 1}`, size - 100, size - 1],
      ["bytes=-100", size - 100, size - 1],
      [`bytes=${size - 10}-`, size - 10, size - 1],
      [`bytes=${size - 10}-${size + 5000}`, size - 10, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const response = await get(server.url, url, { headers: { Range: range } });
      expect(response.status, range).toBe(206);
      expect(response.headers.get("content-range"), range).toBe(`bytes ${start}-${end}/${size}`);
      expect(Number(response.headers.get("content-length")), range).toBe(end - start + 1);
      expect(response.body.equals(bytes.subarray(start, end + 1)), range).toBe(true);
      expect(response.headers.get("docker-content-digest")).toBe(digestOf(bytes));
      expect(response.headers.get("location")).toBeNull();
    }
    // Ranges of an in-memory blob (the license) work the same way.
    const license = await get(server.url, blobPath(REFS.chat.repository, digestOf(Buffer.from("apache-2.0"))), { headers: { Range: "bytes=2-4" } });
    expect([license.status, license.body.toString()]).toEqual([206, "ach"]);
  });

  it("answers an unsatisfiable range with 416 and the blob's size", async () => {
    const size = fixture.chat.byteLength;
    for (const range of [`bytes=${size}-`, "bytes=-0", "bytes=10-5", "bytes=nonsense"]) {
      const response = await get(server.url, blobPath(REFS.chat.repository, digestOf(fixture.chat)), { headers: { Range: range } });
      expect(response.status, range).toBe(416);
      expect(response.headers.get("content-range"), range).toBe(`bytes */${size}`);
      expect(errorCodes(response)).toEqual(["RANGE_INVALID"]);
    }
  });

  it("answers BLOB_UNKNOWN for a digest that no manifest of the repository names", async () => {
    const unknown = await get(server.url, blobPath(REFS.chat.repository, `sha256:${"1".repeat(64)}`));
    expect([unknown.status, errorCodes(unknown)]).toEqual([404, ["BLOB_UNKNOWN"]]);
    // Blobs belong to repositories: another model's layer is not served here.
    const elsewhere = await get(server.url, blobPath(REFS.split.repository, digestOf(fixture.chat)));
    expect([elsewhere.status, errorCodes(elsewhere)]).toEqual([404, ["BLOB_UNKNOWN"]]);
    const noRepo = await get(server.url, blobPath("shelf/nothing", digestOf(fixture.chat)));
    expect([noRepo.status, errorCodes(noRepo)]).toEqual([404, ["NAME_UNKNOWN"]]);
  });

  it("closes the file as soon as a client hangs up in the middle of a blob", async () => {
    const big = fixture.big!;
    const file = path.join(fixture.shelfDir, "big/Big-Vocab-F32.gguf");
    const openHandles = async () => {
      let count = 0;
      for (const fd of await readdir("/proc/self/fd")) {
        const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
        if (target === file) count++;
      }
      return count;
    };
    expect(await openHandles()).toBe(0);
    let received = 0;
    const request = http.get({ host: "127.0.0.1", port: server.port, path: blobPath(REFS.big.repository, digestOf(big)) });
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => request.on("response", resolve).on("error", reject));
    expect(Number(response.headers["content-length"])).toBe(big.byteLength);
    await new Promise<void>((resolve) => {
      response.once("data", (chunk: Buffer) => {
        received += chunk.byteLength;
        response.pause();
        resolve();
      });
    });
    // The server is blocked on a full socket: the file is open mid-transfer.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await openHandles()).toBe(1);
    request.on("error", () => undefined);
    request.destroy();
    const deadline = Date.now() + 5_000;
    while ((await openHandles()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await openHandles()).toBe(0);
    expect(received).toBeLessThan(big.byteLength);
    // The server is still fine afterwards.
    expect((await get(server.url, "/v2/")).status).toBe(200);
  });
});

describe("hostile and write requests", () => {
  it("rejects traversal and garbage in every path segment before looking anything up", async () => {
    const digest = digestOf(fixture.chat);
    const cases: [string, number, string][] = [
      ["/v2/../../etc/passwd/manifests/latest", 400, "NAME_INVALID"],
      ["/v2/shelf/%2e%2e/manifests/latest", 400, "NAME_INVALID"],
      ["/v2/shelf/tinyllama-chat%2f..%2f..%2fx/manifests/f16", 400, "NAME_INVALID"],
      ["/v2/shelf/tinyllama-chat/manifests/..%2f..%2fsecret", 400, "TAG_INVALID"],
      ["/v2/shelf/tinyllama-chat/manifests/f16%00", 400, "TAG_INVALID"],
      ["/v2/shelf/tinyllama-chat/blobs/sha256:..%2f..%2fetc%2fpasswd", 400, "DIGEST_INVALID"],
      [`/v2/shelf/tinyllama-chat/blobs/${digest.toUpperCase().replace("SHA256", "sha256")}`, 400, "DIGEST_INVALID"],
      [`/v2/shelf/tinyllama-chat/blobs/sha512:${"ab".repeat(64)}`, 400, "DIGEST_INVALID"],
      ["/v2/shelf/%zz/tags/list", 400, "NAME_INVALID"],
      [`/v2/${"x".repeat(3000)}/tags/list`, 400, "NAME_INVALID"],
      ["/v2/shelf/tinyllama-chat/../../../etc/passwd", 404, "UNSUPPORTED"],
      ["/etc/passwd", 404, "UNSUPPORTED"],
    ];
    for (const [rawPath, status, code] of cases) {
      const response = await rawRequest("GET", rawPath);
      expect([response.status, errorCodes(response)], rawPath.slice(0, 80)).toEqual([status, [code]]);
    }
  });

  it("refuses every write with 405 UNSUPPORTED", async () => {
    const digest = digestOf(fixture.chat);
    const cases: [string, string][] = [
      ["PUT", manifestPath(REFS.chat)],
      ["DELETE", manifestPath(REFS.chat)],
      ["DELETE", blobPath(REFS.chat.repository, digest)],
      ["POST", `/v2/${REFS.chat.repository}/blobs/uploads/`],
      ["PATCH", `/v2/${REFS.chat.repository}/blobs/uploads/some-upload`],
      ["PUT", `/v2/${REFS.chat.repository}/blobs/uploads/some-upload?digest=${digest}`],
      ["POST", "/v2/"],
    ];
    for (const [method, rawPath] of cases) {
      const response = await rawRequest(method, rawPath);
      expect([response.status, errorCodes(response)], `${method} ${rawPath}`).toEqual([405, ["UNSUPPORTED"]]);
      expect(response.headers.get("allow")).toBe("GET, HEAD");
    }
    const upload = await rawRequest("GET", `/v2/${REFS.chat.repository}/blobs/uploads/some-upload`);
    expect([upload.status, errorCodes(upload)]).toEqual([405, ["UNSUPPORTED"]]);
    // Nothing was written.
    expect((await getManifest(REFS.chat)).status).toBe(200);
  });
});

describe("consistency over time", () => {
  it("serves the same manifest bytes and digests after a restart", async () => {
    const refs = [REFS.chat, REFS.split, REFS.ollama];
    const before = await Promise.all(refs.flatMap((ref) => [getManifest(ref), getManifest(ref, SKOPEO_ACCEPT)]));
    const second = await startRegistryServer({ db: fixture.temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 5_000 });
    try {
      let i = 0;
      for (const ref of refs) {
        for (const accept of [OLLAMA_ACCEPT, SKOPEO_ACCEPT]) {
          const after = await get(second.url, manifestPath(ref), { headers: { Accept: accept } });
          const earlier = before[i++]!;
          expect(after.body.equals(earlier.body), `${ref.repository} ${accept.slice(0, 30)}`).toBe(true);
          expect(after.headers.get("docker-content-digest")).toBe(earlier.headers.get("docker-content-digest"));
        }
      }
    } finally {
      await second.close();
    }
  });

  it("refuses an Ollama manifest that changed since the scan instead of serving the new bytes", async () => {
    const fresh = await startRegistryServer({ db: fixture.temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 5_000, cacheMs: 0 });
    const file = path.join(fixture.storeDir, fixture.ollamaManifestRelPath);
    const original = await readFile(file);
    try {
      await writeFile(file, Buffer.concat([original, Buffer.from(" ")]));
      const response = await get(fresh.url, manifestPath(REFS.ollama), { headers: { Accept: OLLAMA_ACCEPT } });
      expect(response.status).toBe(500);
      expect(errorCodes(response)).toEqual(["UNKNOWN"]);
      expect(response.body.toString()).toContain("changed since it was indexed");
    } finally {
      await writeFile(file, original);
      await fresh.close();
    }
    expect((await getManifest(REFS.ollama)).body.equals(original)).toBe(true);
  });

  it("starts serving a model once its files are verified", async () => {
    const fresh = await startRegistryServer({ db: fixture.temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 5_000, cacheMs: 0 });
    try {
      expect((await get(fresh.url, manifestPath(REFS.unverified))).status).toBe(404);
      const file = await fixture.temp.db.libraryFile.findFirstOrThrow({ where: { relPath: "gemma/TinyGemma-2-Q8_0.gguf" } });
      await verifyFile(fixture.temp.db, file.id, { trigger: "manual", readTimeoutMs: 10_000 });
      const response = await get(fresh.url, manifestPath(REFS.unverified), { headers: { Accept: OLLAMA_ACCEPT } });
      expect(response.status).toBe(200);
      expect(parseManifest(response).layers[0]).toEqual({ mediaType: "application/vnd.ollama.image.model", digest: digestOf(fixture.unverified), size: fixture.unverified.byteLength });
      const blob = await get(fresh.url, blobPath(REFS.unverified.repository, digestOf(fixture.unverified)));
      expect(sha256Hex(blob.body)).toBe(sha256Hex(fixture.unverified));
    } finally {
      await fixture.temp.db.libraryFile.updateMany({ where: { relPath: "gemma/TinyGemma-2-Q8_0.gguf" }, data: { verifyState: "unverified", sha256: null } });
      await fresh.close();
    }
  });
});
