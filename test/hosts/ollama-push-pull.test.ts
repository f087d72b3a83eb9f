// Pushing a model to an Ollama host by pull: the host fetches it from a
// registry. The registry here is test/ollama/registry-fixture.ts; to run these
// against ModelShelf's own registry, replace startRegistry() with one that
// publishes through it (same PublishedModel facts: manifest bytes and digest).
import { afterEach, describe, expect, it } from "vitest";
import { isAppError, type AppError } from "../../lib/errors.ts";
import { buildTinyModel, splitGguf } from "../../lib/gguf/index.ts";
import { pullName, pushOllamaPull } from "../../lib/hosts/ollama/index.ts";
import { startOllamaDouble, type OllamaDouble } from "../helpers/ollama-double.ts";
import { hostTarget, pushContext, pushSource } from "../ollama/driver-kit.ts";
import { tinyModel } from "../ollama/ollama-test-kit.ts";
import { startRegistryFixture, type RegistryFixture, type RegistryFixtureOptions } from "../ollama/registry-fixture.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startRegistry(options: RegistryFixtureOptions = {}): Promise<RegistryFixture> {
  const registry = await startRegistryFixture(options);
  cleanups.push(() => registry.close());
  return registry;
}

async function startHost(): Promise<OllamaDouble> {
  // Small parts, so even tiny blobs arrive in several Range requests as big ones do.
  const double = await startOllamaDouble({ minPartSize: 16_384, maxPartSize: 16_384 });
  cleanups.push(() => double.close());
  return double;
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

// The pull method sends no files: the registry serves them.
const source = (ref: string) => pushSource(ref, []);

describe("pushOllamaPull", () => {
  it("has the host pull <registry host:port>/<ref> insecurely and reports the name and digest it lists", async () => {
    // 100 kB/s per part: each blob takes longer than the host's 60 ms progress tick.
    const registry = await startRegistry({ bytesPerSecond: 100_000 });
    const double = await startHost();
    const published = registry.publish("nas/tiny", "f16", { files: splitGguf(buildTinyModel({ fileType: "F16", seed: 5 }), 2) });
    const ctx = pushContext();
    const outcome = await pushOllamaPull(hostTarget(double.url), source("nas/tiny:f16"), registry.url, ctx);

    expect(outcome).toEqual({ hostName: `${registry.host}/nas/tiny:f16`, hostDigest: published.manifestDigest, sizeBytes: expect.any(Number), paths: [] });
    expect(double.requests.find((r) => r.route === "POST /api/pull")?.json).toEqual({ model: `${registry.host}/nas/tiny:f16`, insecure: true, stream: true });
    // The host wrote the registry's manifest bytes: what ModelShelf serves is what the host runs.
    expect(Buffer.compare((await double.readManifest(`${registry.host}/nas/tiny:f16`))!, published.manifestBytes)).toBe(0);
    expect(ctx.notes).toEqual(expect.arrayContaining(["pulling manifest", "verifying sha256 digest", "writing manifest", "success"]));
    const bytes = ctx.progressCalls.filter((p) => p.unit === "bytes");
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.every((p) => p.done <= p.total)).toBe(true);
  });

  it("fails without retry when the registry answers blob GETs without Location", async () => {
    const registry = await startRegistry({ location: "none" });
    const double = await startHost();
    registry.publish("nas/tiny", "q8_0", { files: [tinyModel()] });
    const error = await failure(pushOllamaPull(hostTarget(double.url), source("nas/tiny:q8_0"), registry.url, pushContext()));
    expect(error).toMatchObject({ code: "unsupported", retryable: false });
    expect(error.message).toMatch(/http: no Location header in response — the registry must answer blob GETs with a Location header/);
  });

  it("fails without retry when the registry does not serve the model", async () => {
    const registry = await startRegistry();
    const double = await startHost();
    const error = await failure(pushOllamaPull(hostTarget(double.url), source("nas/absent:x"), registry.url, pushContext()));
    expect(error).toMatchObject({ code: "not-found", retryable: false });
  });

  it("fails without retry when a blob does not match its digest, and reports nothing pushed", async () => {
    const registry = await startRegistry();
    const double = await startHost();
    const model = tinyModel();
    const published = registry.publish("nas/tiny", "q8_0", { files: [model] });
    registry.corrupt(published.layerDigests[0]!, Buffer.from(model).reverse());
    const error = await failure(pushOllamaPull(hostTarget(double.url), source("nas/tiny:q8_0"), registry.url, pushContext()));
    expect(error).toMatchObject({ code: "corrupt-file", retryable: false });
    expect(((await (await fetch(`${double.url}/api/tags`)).json()) as { models: unknown[] }).models).toEqual([]);
  });

  it("is retryable when the registry cannot be reached from the host", async () => {
    const registry = await startRegistry();
    const url = registry.url;
    await registry.close();
    const double = await startHost();
    const error = await failure(pushOllamaPull(hostTarget(double.url), source("nas/tiny:q8_0"), url, pushContext()));
    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toMatch(/pull model manifest: Get .*ECONNREFUSED/);
  });

  it("names https registries without insecure and refuses URLs Ollama cannot express", () => {
    // images.go makeRequest switches to http when insecure, so an https registry must not set it.
    expect(pullName("http://10.0.0.2:8080", "nas/qwen:q4_k_m")).toEqual({ name: "10.0.0.2:8080/nas/qwen:q4_k_m", insecure: true });
    expect(pullName("https://registry.example", "nas/qwen:q4_k_m")).toEqual({ name: "registry.example/nas/qwen:q4_k_m", insecure: false });
    expect(() => pullName("http://nas:8080/registry", "nas/qwen:q4_k_m")).toThrow(/must be just scheme:\/\/host\[:port\]/);
    expect(() => pullName("ftp://nas", "nas/qwen:q4_k_m")).toThrow(/http:\/\/ or https:\/\//);
  });
});
