// Contract: the official JavaScript client (npm `ollama` 0.6.4, ollama/ollama-js)
// works against the double: version, list, show, create from uploaded blobs
// (streamed), load + ps, delete, pull (streamed), and its error type for a 404.
// ollama-js has no blob upload call, so blobs go up with fetch as `curl -T` would.
import { Ollama, type ProgressResponse } from "ollama";
import { afterEach, describe, expect, it } from "vitest";
import { digestOf, tinyModel, uploadBlob, useOllamaDouble } from "./ollama-test-kit.ts";
import { startRegistryFixture, type RegistryFixture } from "./registry-fixture.ts";

const double = useOllamaDouble();
let registry: RegistryFixture | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

function client(): Ollama {
  return new Ollama({ host: double().url });
}

async function collect(stream: AsyncIterable<ProgressResponse>): Promise<string[]> {
  const statuses: string[] = [];
  for await (const part of stream) statuses.push(part.status);
  return statuses;
}

/** create with `files`: the JSON API since Ollama v0.5.5; ollama-js 0.6.4's CreateRequest type lacks the
 * field but sends every property it is given (processStreamableRequest spreads the request into the body). */
async function createWithFiles(ollama: Ollama, model: string, files: Record<string, string>, extra: Record<string, unknown> = {}): Promise<string[]> {
  const request = { model, stream: true as const, files, ...extra };
  return collect(await ollama.create(request));
}

describe("official ollama-js client against the double", () => {
  it("reads the version", async () => {
    expect(await client().version()).toEqual({ version: "0.33.0" });
  });

  it("creates a model from an uploaded blob, streaming statuses until success", async () => {
    // ollama-js AbortableAsyncIterator: returns on a message with status "success", throws on {"error"}.
    const model = tinyModel();
    await uploadBlob(double(), model);
    const statuses = await createWithFiles(client(), "nas/tiny:q8_0", { "tiny.gguf": digestOf(model) }, { system: "Be brief." });
    expect(statuses[0]).toBe("parsing GGUF");
    expect(statuses.at(-1)).toBe("success");
  });

  it("surfaces a create error line as a thrown Error", async () => {
    // ollama-js: `if ('error' in message) { throw new Error(message.error) }`.
    await expect(createWithFiles(client(), "nas/tiny:x", { "a.gguf": digestOf("never uploaded") })).rejects.toThrow(/no such file or directory/);
  });

  it("lists and shows what it created", async () => {
    const model = tinyModel();
    await uploadBlob(double(), model);
    await createWithFiles(client(), "nas/tiny:q8_0", { "tiny.gguf": digestOf(model) }, { template: "{{ .Prompt }}" });
    const list = await client().list();
    expect(list.models.map((m) => m.name)).toEqual(["nas/tiny:q8_0"]);
    expect(list.models[0]!.details.quantization_level).toBe("Q8_0");
    const show = await client().show({ model: "nas/tiny:q8_0" });
    expect(show.template).toBe("{{ .Prompt }}");
    expect(show.details.family).toBe("llama");
  });

  it("reports a missing model as a ResponseError with status 404", async () => {
    // ollama-js checkOk: JSON error bodies become ResponseError(error, status_code).
    await expect(client().show({ model: "nas/absent:x" })).rejects.toMatchObject({ name: "ResponseError", status_code: 404, error: "model 'nas/absent:x' not found" });
  });

  it("lists a model loaded through generate in ps", async () => {
    const model = tinyModel();
    await uploadBlob(double(), model);
    await createWithFiles(client(), "nas/tiny:q8_0", { "tiny.gguf": digestOf(model) });
    const loaded = await client().generate({ model: "nas/tiny:q8_0", prompt: "" });
    expect(loaded.done_reason).toBe("load");
    const ps = await client().ps();
    expect(ps.models.map((m) => [m.name, m.size_vram > 0])).toEqual([["nas/tiny:q8_0", true]]);
  });

  it("deletes a model (it sends the deprecated `name` field)", async () => {
    // ollama-js delete(): utils.del(…, { name: request.model }); DeleteHandler reads cmp.Or(r.Model, r.Name).
    const model = tinyModel();
    await uploadBlob(double(), model);
    await createWithFiles(client(), "nas/tiny:q8_0", { "tiny.gguf": digestOf(model) });
    expect(await client().delete({ model: "nas/tiny:q8_0" })).toEqual({ status: "success" });
    expect((await client().list()).models).toEqual([]);
    expect(double().requests.find((r) => r.route === "DELETE /api/delete")?.json).toEqual({ name: "nas/tiny:q8_0" });
  });

  it("pulls from a registry with a streamed pull", async () => {
    // ollama-js pull(): { name: request.model, stream, insecure }; PullHandler reads cmp.Or(req.Model, req.Name).
    registry = await startRegistryFixture();
    const published = registry.publish("nas/tiny", "q8_0", { files: [tinyModel()] });
    const statuses = await collect(await client().pull({ model: `${registry.host}/nas/tiny:q8_0`, insecure: true, stream: true }));
    expect(statuses[0]).toBe("pulling manifest");
    expect(statuses.at(-1)).toBe("success");
    const [listed] = (await client().list()).models;
    expect([listed!.name, listed!.digest]).toEqual([`${registry.host}/nas/tiny:q8_0`, published.manifestDigest]);
  });
});
