// Contract: the double's POST /api/pull downloads from a registry the way
// upstream's PullModel and blob downloader do (ollama/ollama server/images.go,
// server/download.go; formats.md §4.2): manifest GET with the docker v2 Accept
// header, a HEAD per blob for its size, one "direct URL" GET that must yield a
// Location, Range parts of size/16 clamped to [min, max], a digest check of
// every blob, and the manifest stored verbatim.
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startOllamaDouble, type OllamaDouble, type OllamaDoubleOptions } from "../helpers/ollama-double.ts";
import { ndjson, postJson, tinyModel, tinyShards } from "./ollama-test-kit.ts";
import { startRegistryFixture, type RegistryFixture, type RegistryFixtureOptions } from "./registry-fixture.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(doubleOptions: OllamaDoubleOptions = {}, registryOptions: RegistryFixtureOptions = {}): Promise<{ double: OllamaDouble; registry: RegistryFixture }> {
  const double = await startOllamaDouble(doubleOptions);
  cleanups.push(() => double.close());
  const registry = await startRegistryFixture(registryOptions);
  cleanups.push(() => registry.close());
  return { double, registry };
}

function pull(double: OllamaDouble, model: string, extra: Record<string, unknown> = { insecure: true }) {
  return postJson(double, "/api/pull", { model, ...extra });
}

describe("Ollama double: pull", () => {
  it("fetches the manifest with the docker v2 Accept header, then HEAD, direct GET and Range parts per blob", async () => {
    // images.go pullModelManifest: headers.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json");
    // download.go Prepare: HEAD → Content-Length; run: the direct-URL GET, then parts with
    // req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", part.StartsAt(), part.StopsAt()-1)).
    const { double, registry } = await setup({ minPartSize: 40_000, maxPartSize: 40_000 });
    const model = tinyModel();
    const published = registry.publish("nas/tiny", "q8_0", { files: [model] });
    const res = await pull(double, `${registry.host}/nas/tiny:q8_0`);
    expect((await ndjson(res)).at(-1)).toEqual({ status: "success" });

    const [manifestGet, ...rest] = registry.requests;
    expect(manifestGet).toMatchObject({ method: "GET", path: "/v2/nas/tiny/manifests/q8_0" });
    expect(manifestGet!.headers.accept).toBe("application/vnd.docker.distribution.manifest.v2+json");
    const modelPath = `/v2/nas/tiny/blobs/${published.layerDigests[0]}`;
    const forModel = rest.filter((r) => r.path === modelPath);
    expect(forModel.slice(0, 2).map((r) => [r.method, r.headers.range])).toEqual([
      ["HEAD", undefined],
      ["GET", undefined],
    ]);
    // 40 000-byte parts (size/16 is smaller, so the minimum applies), the last one shorter.
    const ranges = forModel.slice(2).map((r) => r.headers.range).sort((a, b) => Number(/=(\d+)/.exec(a!)![1]) - Number(/=(\d+)/.exec(b!)![1]));
    const expected: string[] = [];
    for (let start = 0; start < model.length; start += 40_000) expected.push(`bytes=${start}-${Math.min(start + 40_000, model.length) - 1}`);
    expect(ranges).toEqual(expected);
    expect(forModel.slice(2).every((r) => r.status === 206)).toBe(true);
  });

  it("cuts a blob into size/16 parts when that lies between the bounds", async () => {
    // download.go: size := b.Total / numDownloadParts, clamped to [minDownloadPartSize, maxDownloadPartSize].
    const { double, registry } = await setup({ minPartSize: 1000, maxPartSize: 1_000_000 });
    const model = tinyModel();
    const published = registry.publish("nas/tiny", "q8_0", { files: [model] });
    await ndjson(await pull(double, `${registry.host}/nas/tiny:q8_0`));
    const parts = registry.requests.filter((r) => r.path.endsWith(published.layerDigests[0]!) && r.headers.range);
    const partSize = Math.trunc(model.length / 16);
    expect(parts).toHaveLength(Math.ceil(model.length / partSize));
  });

  it("stores the registry's manifest bytes verbatim and lists their SHA-256 as the digest", async () => {
    // images.go PullModel: os.WriteFile(fp, manifestData, 0o644) with the bytes read from the registry.
    const { double, registry } = await setup({ minPartSize: 50_000, maxPartSize: 50_000 });
    const shards = tinyShards("tiny-f16", 2);
    const published = registry.publish("nas/tiny", "f16", { files: shards.map((s) => s.bytes), template: "{{ .Prompt }}" });
    const name = `${registry.host}/nas/tiny:f16`;
    await ndjson(await pull(double, name));
    expect(Buffer.compare((await double.readManifest(name))!, published.manifestBytes)).toBe(0);
    const listed = (await (await fetch(`${double.url}/api/tags`)).json()) as { models: { name: string; digest: string }[] };
    expect(listed.models).toEqual([expect.objectContaining({ name, digest: published.manifestDigest })]);
    for (const digest of [...published.layerDigests, published.configDigest]) expect(await double.hasBlob(digest)).toBe(true);
  });

  it("reports the upstream phases in order and ends with success", async () => {
    // images.go PullModel: "pulling manifest", per blob "pulling <digest[7:19]>" with digest/total/completed
    // (download.go Wait, every 60 ms), "verifying sha256 digest", "writing manifest", "success".
    // One part (the upstream 100 MB minimum) at 400 kB/s: the ~130 kB blob spans several 60 ms ticks.
    const { double, registry } = await setup({}, { bytesPerSecond: 400_000 });
    const model = tinyModel();
    const published = registry.publish("nas/tiny", "q8_0", { files: [model] });
    const lines = await ndjson(await pull(double, `${registry.host}/nas/tiny:q8_0`));
    const statuses = lines.map((l) => l.status);
    expect(statuses[0]).toBe("pulling manifest");
    expect(statuses.slice(-3)).toEqual(["verifying sha256 digest", "writing manifest", "success"]);
    const digest = published.layerDigests[0]!;
    const progress = lines.filter((l) => l.digest === digest);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((l) => l.status === `pulling ${digest.slice(7, 19)}` && l.total === model.length)).toBe(true);
  });

  it("skips blobs it already has and reports them complete", async () => {
    // download.go downloadBlob: an existing blob reports Total = Completed = fi.Size() and is a cache hit.
    const { double, registry } = await setup();
    const model = tinyModel();
    const published = registry.publish("nas/tiny", "q8_0", { files: [model] });
    await ndjson(await pull(double, `${registry.host}/nas/tiny:q8_0`));
    const before = registry.requests.length;
    const lines = await ndjson(await pull(double, `${registry.host}/nas/tiny:q8_0`));
    expect(registry.requests.slice(before).map((r) => r.path)).toEqual(["/v2/nas/tiny/manifests/q8_0"]);
    expect(lines).toContainEqual({ status: `pulling ${published.layerDigests[0]!.slice(7, 19)}`, digest: published.layerDigests[0], total: model.length, completed: model.length });
  });

  it("fails without a Location header on the direct-URL GET, as with a stock registry:2", async () => {
    // download.go: `return resp.Location()` for a 200 — Go's http.ErrNoLocation reads
    // "http: no Location header in response" (ollama/ollama#7244).
    const { double, registry } = await setup({}, { location: "none" });
    registry.publish("nas/tiny", "q8_0", { files: [tinyModel()] });
    const name = `${registry.host}/nas/tiny:q8_0`;
    const lines = await ndjson(await pull(double, name));
    expect(lines[0]).toEqual({ status: "pulling manifest" });
    expect(lines.at(-1)).toEqual({ error: "http: no Location header in response" });
    expect(await double.readManifest(name)).toBeNull();
  });

  it("keeps the first redirect to another host and fetches the parts there", async () => {
    // download.go CheckRedirect: "stop at the first redirect that is not the same hostname as the original request".
    const { double, registry } = await setup({ minPartSize: 50_000, maxPartSize: 50_000 }, { location: "redirect" });
    registry.publish("nas/tiny", "q8_0", { files: [tinyModel()] });
    expect((await ndjson(await pull(double, `${registry.host}/nas/tiny:q8_0`))).at(-1)).toEqual({ status: "success" });
    const ranged = registry.requests.filter((r) => r.headers.range);
    expect(ranged.length).toBeGreaterThan(0);
    expect(ranged.every((r) => r.server === "cdn")).toBe(true);
  });

  it("follows a redirected HEAD to learn the blob's size, as Docker Distribution's redirect middleware answers", async () => {
    // images.go makeRequest: `c := &http.Client{CheckRedirect: regOpts.CheckRedirect}` — nil for the blob HEAD,
    // so Go's default policy follows up to 10 redirects and the size comes from the final answer.
    const { double, registry } = await setup({ minPartSize: 50_000, maxPartSize: 50_000 }, { location: "redirect-all" });
    const model = tinyModel();
    registry.publish("nas/tiny", "q8_0", { files: [model] });
    expect((await ndjson(await pull(double, `${registry.host}/nas/tiny:q8_0`))).at(-1)).toEqual({ status: "success" });
    expect(registry.requests.some((r) => r.method === "HEAD" && r.server === "cdn")).toBe(true);
    expect(await double.hasBlob(`sha256:${createHash("sha256").update(model).digest("hex")}`)).toBe(true);
  });

  it("rejects a blob whose bytes do not match its digest and deletes it", async () => {
    // images.go: verifyBlob → fmt.Errorf("%w: want %s, got %s", errDigestMismatch, …) with errDigestMismatch
    // "digest mismatch, file must be downloaded again"; the blob is removed.
    const { double, registry } = await setup();
    const model = tinyModel();
    const published = registry.publish("nas/tiny", "q8_0", { files: [model] });
    const evil = Buffer.from(model);
    evil.writeUInt8(evil.readUInt8(evil.length - 1) ^ 0xff, evil.length - 1);
    registry.corrupt(published.layerDigests[0]!, evil);
    const lines = await ndjson(await pull(double, `${registry.host}/nas/tiny:q8_0`));
    const got = `sha256:${createHash("sha256").update(evil).digest("hex")}`;
    expect(lines.at(-1)).toEqual({ error: `digest mismatch, file must be downloaded again: want ${published.layerDigests[0]}, got ${got}` });
    expect(await double.hasBlob(published.layerDigests[0]!)).toBe(false);
  });

  it("reports a manifest the registry does not have as os.ErrNotExist", async () => {
    // makeRequestWithRetry: `case resp.StatusCode == http.StatusNotFound: return nil, os.ErrNotExist`;
    // PullModel: fmt.Errorf("pull model manifest: %s", err).
    const { double, registry } = await setup();
    const lines = await ndjson(await pull(double, `${registry.host}/nas/absent:x`));
    expect(lines).toEqual([{ status: "pulling manifest" }, { error: "pull model manifest: file does not exist" }]);
  });

  it("refuses an explicit http:// name without insecure before streaming", async () => {
    // PullModel: `if n.ProtocolScheme == "http" && !regOpts.Insecure { return errInsecureProtocol }` — the first
    // message, so streamResponse answers JSON with 500.
    const { double, registry } = await setup();
    registry.publish("nas/tiny", "q8_0", { files: [tinyModel()] });
    const res = await pull(double, `http://${registry.host}/nas/tiny:q8_0`, {});
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "insecure protocol http" });
  });

  it("talks https to the registry without insecure, which a plain-HTTP registry cannot answer", async () => {
    // name.go: the default scheme is https; makeRequest only switches to http when regOpts.Insecure.
    const { double, registry } = await setup();
    registry.publish("nas/tiny", "q8_0", { files: [tinyModel()] });
    const lines = await ndjson(await pull(double, `${registry.host}/nas/tiny:q8_0`, {}));
    expect(lines.at(-1)!.error).toMatch(new RegExp(`^pull model manifest: Get "https://${registry.host}/v2/nas/tiny/manifests/q8_0": `));
    expect(registry.requests.filter((r) => r.path.includes("/blobs/"))).toEqual([]);
  });

  it("stops on a full disk with the write error", async () => {
    // download.go: `case errors.Is(err, context.Canceled), errors.Is(err, syscall.ENOSPC): return err` (no retries).
    const { double, registry } = await setup({ minPartSize: 50_000, maxPartSize: 50_000 });
    registry.publish("nas/tiny", "q8_0", { files: [tinyModel()] });
    double.faults = { diskFullAfterBytes: 60_000 };
    const lines = await ndjson(await pull(double, `${registry.host}/nas/tiny:q8_0`));
    expect(lines.at(-1)!.error).toMatch(/^write .*-partial: no space left on device$/);
  });

  it('answers one JSON object for "stream": false', async () => {
    // PullHandler: `if req.Stream != nil && !*req.Stream { waitForStream(c, ch) }`.
    const { double, registry } = await setup();
    registry.publish("nas/tiny", "q8_0", { files: [tinyModel()] });
    const res = await pull(double, `${registry.host}/nas/tiny:q8_0`, { insecure: true, stream: false });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "success" });
  });

  it("removes the layers a re-pulled tag no longer uses", async () => {
    // PullModel: deleteMap from the existing manifest; "removing unused layers" when some are left over.
    const { double, registry } = await setup();
    const first = registry.publish("nas/tiny", "q8_0", { files: [tinyModel(1)] });
    const name = `${registry.host}/nas/tiny:q8_0`;
    await ndjson(await pull(double, name));
    registry.publish("nas/tiny", "q8_0", { files: [tinyModel(2)] });
    const lines = await ndjson(await pull(double, name));
    expect(lines.map((l) => l.status)).toContain("removing unused layers");
    expect(await double.hasBlob(first.layerDigests[0]!)).toBe(false);
  });
});
