// Standard registry clients against ModelShelf's /v2/: skopeo inspects and
// copies models, and Docker Distribution mirrors them. Real binaries on loopback;
// skipped only on a developer machine without them (never in CI).
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistryServer, type RegistryServer } from "../../lib/registry/registry-server.ts";
import { createSkopeo, ociSkipReason, startDockerRegistry, type DockerRegistry, type Skopeo } from "../helpers/oci-tools.ts";
import { OLLAMA_ACCEPT, REFS, SKOPEO_ACCEPT, buildRegistryFixture, digestOf, get, sha256Hex, type RegistryFixture } from "./registry-fixture.ts";

process.env.MODELSHELF_LOG_LEVEL ??= "error";

const skip = ociSkipReason();
if (skip) console.warn(skip);

interface ManifestJson {
  config: { mediaType: string; digest: string; size: number };
  layers: { mediaType: string; digest: string; size: number }[];
}

describe.skipIf(skip !== null)("skopeo and Docker Distribution against the registry", () => {
  let fixture: RegistryFixture;
  let server: RegistryServer;
  let skopeo: Skopeo;
  let mirror: DockerRegistry;
  let workDir: string;

  beforeAll(async () => {
    fixture = await buildRegistryFixture();
    workDir = path.join(fixture.temp.dir, "oci");
    server = await startRegistryServer({ db: fixture.temp.db, host: "127.0.0.1", port: 0, fsTimeoutMs: 5_000 });
    skopeo = await createSkopeo(path.join(workDir, "skopeo"));
    mirror = await startDockerRegistry(path.join(workDir, "distribution"));
  }, 120_000);

  afterAll(async () => {
    await mirror?.stop();
    await server?.close();
    await fixture?.cleanup();
  });

  const source = (ref: { repository: string; tag: string }) => `docker://127.0.0.1:${server.port}/${ref.repository}:${ref.tag}`;
  /** What ModelShelf serves an OCI client for this tag: the manifest skopeo sees. */
  const servedOci = async (ref: { repository: string; tag: string }) => {
    const response = await get(server.url, `/v2/${ref.repository}/manifests/${ref.tag}`, { headers: { Accept: SKOPEO_ACCEPT } });
    return { bytes: response.body, digest: response.headers.get("docker-content-digest")!, manifest: JSON.parse(response.body.toString()) as ManifestJson };
  };
  /** The GGUF bytes each model layer must carry. */
  const ggufLayers = () => new Map<string, Uint8Array>([fixture.chat, ...fixture.shards, fixture.qwen].map((bytes) => [digestOf(bytes), bytes]));

  it("skopeo inspect reads a model as a linux/amd64 image with its layers and tags", async () => {
    for (const [ref, tags] of [[REFS.chat, ["f16"]], [REFS.ollama, ["latest", "q4_0"]]] as const) {
      const { stdout } = await skopeo.run(["inspect", "--tls-verify=false", source(ref)]);
      const inspected = JSON.parse(stdout) as { Name: string; Digest: string; RepoTags: string[]; Architecture: string; Os: string; Layers: string[] };
      const served = await servedOci(ref);
      expect(inspected).toMatchObject({ Name: `127.0.0.1:${server.port}/${ref.repository}`, Digest: served.digest, RepoTags: tags, Architecture: "amd64", Os: "linux" });
      expect(inspected.Layers).toEqual(served.manifest.layers.map((layer) => layer.digest));
    }
  });

  it("skopeo sees a model that awaits verification as an unknown manifest", async () => {
    await expect(skopeo.run(["inspect", "--tls-verify=false", source(REFS.unverified)])).rejects.toThrow(/manifest unknown/i);
  });

  it("skopeo copy to a directory writes the served manifest and every blob under its digest", async () => {
    const layers = ggufLayers();
    for (const ref of [REFS.chat, REFS.split, REFS.ollama]) {
      const target = path.join(workDir, "copies", ref.repository.replace("/", "-"));
      await mkdir(path.dirname(target), { recursive: true });
      await skopeo.run(["copy", "--src-tls-verify=false", source(ref), `dir:${target}`]);
      const served = await servedOci(ref);
      const manifestBytes = await readFile(path.join(target, "manifest.json"));
      expect(digestOf(manifestBytes), ref.repository).toBe(served.digest);
      for (const descriptor of [served.manifest.config, ...served.manifest.layers]) {
        const hex = descriptor.digest.slice("sha256:".length);
        const blob = await readFile(path.join(target, hex));
        expect(sha256Hex(blob), descriptor.digest).toBe(hex);
        expect(blob.byteLength).toBe(descriptor.size);
        if (descriptor.mediaType === "application/vnd.ollama.image.model") expect(blob.equals(Buffer.from(layers.get(descriptor.digest)!))).toBe(true);
      }
    }
  });

  it("skopeo copy mirrors models into Docker Distribution, which serves the same manifest and blobs back", async () => {
    for (const ref of [REFS.chat, REFS.split, REFS.ollama]) {
      const mirrored = { repository: `mirror/${ref.repository.split("/")[1]}`, tag: ref.tag };
      await skopeo.run(["copy", "--src-tls-verify=false", "--dest-tls-verify=false", source(ref), `docker://${mirror.hostPort}/${mirrored.repository}:${mirrored.tag}`]);
      const served = await servedOci(ref);
      const back = await get(mirror.url, `/v2/${mirrored.repository}/manifests/${mirrored.tag}`, { headers: { Accept: SKOPEO_ACCEPT } });
      expect(back.status).toBe(200);
      expect(back.headers.get("docker-content-digest"), ref.repository).toBe(served.digest);
      expect(back.body.equals(served.bytes)).toBe(true);
      for (const descriptor of [served.manifest.config, ...served.manifest.layers]) {
        const blob = await get(mirror.url, `/v2/${mirrored.repository}/blobs/${descriptor.digest}`);
        expect(blob.status).toBe(200);
        expect(digestOf(blob.body), descriptor.digest).toBe(descriptor.digest);
        expect(blob.body.byteLength).toBe(descriptor.size);
      }
    }
  });

  it("Docker Distribution accepts the Ollama-form manifest as it is and serves it back byte-exact to Ollama", async () => {
    // What a byte-exact mirror does (skopeo cannot parse Ollama layer types in a
    // Docker schema 2 manifest): upload each blob, then PUT the manifest bytes.
    const ours = await get(server.url, `/v2/${REFS.ollama.repository}/manifests/${REFS.ollama.tag}`, { headers: { Accept: OLLAMA_ACCEPT } });
    const manifest = JSON.parse(ours.body.toString()) as ManifestJson;
    const repository = "raw/tinyqwen";
    for (const descriptor of [manifest.config, ...manifest.layers]) {
      const blob = await get(server.url, `/v2/${REFS.ollama.repository}/blobs/${descriptor.digest}`);
      const started = await fetch(`${mirror.url}/v2/${repository}/blobs/uploads/`, { method: "POST" });
      expect(started.status).toBe(202);
      const upload = new URL(started.headers.get("location")!, mirror.url);
      upload.searchParams.set("digest", descriptor.digest);
      const finished = await fetch(upload, { method: "PUT", body: new Uint8Array(blob.body), headers: { "Content-Type": "application/octet-stream" } });
      expect(finished.status, await finished.clone().text()).toBe(201);
    }
    const put = await fetch(`${mirror.url}/v2/${repository}/manifests/latest`, {
      method: "PUT",
      body: new Uint8Array(ours.body),
      headers: { "Content-Type": "application/vnd.docker.distribution.manifest.v2+json" },
    });
    expect(put.status, await put.clone().text()).toBe(201);
    expect(put.headers.get("docker-content-digest")).toBe(ours.headers.get("docker-content-digest"));
    const back = await get(mirror.url, `/v2/${repository}/manifests/latest`, { headers: { Accept: OLLAMA_ACCEPT } });
    expect(back.status).toBe(200);
    expect(back.body.equals(Buffer.from(fixture.ollamaManifest))).toBe(true);
  });
});
