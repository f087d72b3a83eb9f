// Contract: the double's POST /api/create follows upstream's CreateHandler and
// createModel (ollama/ollama server/create.go, create.ApplyModelfileLayers) and
// formats.md §3 / §4.1: JSON body with `files`, NDJSON statuses, errors as JSON
// before streaming and as a final {"error"} line after, manifest + config blob.
import { promises as fsp } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildTinyModel, readGgufHeaderFromBytes } from "../../lib/gguf/index.ts";
import { createFromFiles, digestOf, ndjson, postJson, tinyModel, tinyShards, uploadBlob, useOllamaDouble } from "./ollama-test-kit.ts";

const double = useOllamaDouble();

interface ManifestJson {
  schemaVersion: number;
  mediaType: string;
  config: { mediaType: string; digest: string; size: number };
  layers: { mediaType: string; digest: string; size: number; from?: string }[];
}

async function readManifest(name: string): Promise<{ bytes: Buffer; json: ManifestJson }> {
  const bytes = await double().readManifest(name);
  if (!bytes) throw new Error(`no manifest for ${name}`);
  return { bytes, json: JSON.parse(bytes.toString("utf8")) as ManifestJson };
}

async function readBlob(digest: string): Promise<string> {
  return fsp.readFile(double().blobPath(digest), "utf8");
}

describe("Ollama double: create", () => {
  it("streams the documented GGUF statuses as application/x-ndjson", async () => {
    // formats.md §4.1: documented GGUF example {"status":"parsing GGUF"}, {"status":"using existing layer sha256:…"},
    // {"status":"writing manifest"}, {"status":"success"}; routes.go streamResponse sets "application/x-ndjson".
    const model = tinyModel();
    await uploadBlob(double(), model);
    const res = await postJson(double(), "/api/create", { model: "nas/tiny:q8_0", files: { "tiny.gguf": digestOf(model) } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    expect(await ndjson(res)).toEqual([
      { status: "parsing GGUF" },
      { status: `using existing layer ${digestOf(model)}` },
      { status: "writing manifest" },
      { status: "success" },
    ]);
  });

  it("writes a compact manifest plus newline under manifests/<host>/<namespace>/<model>/<tag>", async () => {
    // formats.md §3: manifests/<host>/<namespace>/<model>/<tag>; manifest.WriteManifest: json.NewEncoder(f).Encode(m).
    const model = tinyModel();
    await createFromFiles(double(), "nas/tiny:q8_0", { "tiny.gguf": model });
    const file = path.join(double().storeDir, "manifests", "registry.ollama.ai", "nas", "tiny", "q8_0");
    const bytes = await fsp.readFile(file);
    const json = JSON.parse(bytes.toString("utf8")) as ManifestJson;
    expect(bytes.toString("utf8")).toBe(`${JSON.stringify(json)}\n`);
    expect(json.schemaVersion).toBe(2);
    expect(json.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    // create.go ggufLayersWithMediaType: manifest.NewLayerFromLayer(digest, mediaType, sourceName) keeps the
    // uploaded blob and names its source in "from".
    expect(json.layers).toEqual([{ mediaType: "application/vnd.ollama.image.model", digest: digestOf(model), size: model.length, from: "tiny.gguf" }]);
    expect(json.config.mediaType).toBe("application/vnd.docker.container.image.v1+json");
  });

  it("builds the config blob like createModel: format, family, HumanNumber size, file type", async () => {
    // create.go createModel: ModelFormat "gguf", ModelFamily = Architecture(), ModelType = format.HumanNumber(
    // parameterCount), FileType = FileType().String(); formats.md §3 fixes architecture/os to amd64/linux.
    const model = tinyModel();
    const parameters = readGgufHeaderFromBytes(model, { fileLabel: "tiny" }).tensors.reduce((sum, t) => sum + Number(t.elementCount), 0);
    await createFromFiles(double(), "nas/tiny:q8_0", { "tiny.gguf": model });
    const { json } = await readManifest("nas/tiny:q8_0");
    const configText = await readBlob(json.config.digest);
    expect(configText.endsWith("\n")).toBe(true);
    expect(digestOf(configText)).toBe(json.config.digest);
    expect(JSON.parse(configText)).toEqual({
      model_format: "gguf",
      model_family: "llama",
      model_families: ["llama"],
      model_type: `${Math.round(parameters / 1000)}K`,
      file_type: "Q8_0",
      architecture: "amd64",
      os: "linux",
    });
  });

  it("adds template, system, license and params layers in ApplyModelfileLayers order", async () => {
    // create.ApplyModelfileLayers: template, system, license(s), then params (json.NewEncoder, HTML-escaped, keys sorted).
    const model = tinyModel();
    const lines = await createFromFiles(
      double(),
      "nas/tiny:chat",
      { "tiny.gguf": model },
      { template: "{{ .Prompt }}", system: "Be brief.", license: "Apache-2.0", parameters: { stop: ["<|im_end|>"], num_ctx: 8192 } },
    );
    const { json } = await readManifest("nas/tiny:chat");
    expect(json.layers.map((l) => l.mediaType)).toEqual([
      "application/vnd.ollama.image.model",
      "application/vnd.ollama.image.template",
      "application/vnd.ollama.image.system",
      "application/vnd.ollama.image.license",
      "application/vnd.ollama.image.params",
    ]);
    const [, template, system, license, params] = json.layers;
    expect(await readBlob(template!.digest)).toBe("{{ .Prompt }}");
    expect(await readBlob(system!.digest)).toBe("Be brief.");
    expect(await readBlob(license!.digest)).toBe("Apache-2.0");
    expect(await readBlob(params!.digest)).toBe('{"num_ctx":8192,"stop":["\\u003c|im_end|\\u003e"]}\n');
    // manifest.NewLayer status: "creating new layer sha256:…" for bytes the store did not have.
    expect(lines.map((l) => l.status)).toEqual([
      "parsing GGUF",
      `using existing layer ${digestOf(model)}`,
      `creating new layer ${template!.digest}`,
      `creating new layer ${system!.digest}`,
      `creating new layer ${license!.digest}`,
      `creating new layer ${params!.digest}`,
      "writing manifest",
      "success",
    ]);
  });

  it('answers a single JSON object for "stream": false', async () => {
    // routes.go waitForStream: c.JSON(http.StatusOK, latest) with the last ProgressResponse.
    const model = tinyModel();
    await uploadBlob(double(), model);
    const res = await postJson(double(), "/api/create", { model: "nas/tiny:q8_0", files: { "tiny.gguf": digestOf(model) }, stream: false });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "success" });
  });

  it("keeps every shard of a split GGUF as a model layer, in shard order", async () => {
    // create_split_gguf.go groupSplitGGUFLayers: parts[index] = layer.Layer; primary.splitLayers = parts;
    // createModel appends layer.splitLayers and sets config.Requires = splitGGUFMinOllamaVersion ("0.35.0").
    const shards = tinyShards("tiny-f16", 3);
    const files = Object.fromEntries([...shards].reverse().map((s) => [s.name, s.bytes]));
    const lines = await createFromFiles(double(), "nas/tiny:f16", files);
    expect(lines.at(-1)).toEqual({ status: "success" });
    const { json } = await readManifest("nas/tiny:f16");
    expect(json.layers).toEqual(shards.map((s) => ({ mediaType: "application/vnd.ollama.image.model", digest: digestOf(s.bytes), size: s.bytes.length, from: s.name })));
    const config = JSON.parse(await readBlob(json.config.digest)) as Record<string, unknown>;
    const whole = buildTinyModel({ fileType: "F16", seed: 7 });
    const parameters = readGgufHeaderFromBytes(whole, { fileLabel: "whole" }).tensors.reduce((sum, t) => sum + Number(t.elementCount), 0);
    expect(config).toMatchObject({ model_type: `${Math.round(parameters / 1000)}K`, file_type: "F16", requires: "0.35.0" });
  });

  it("rejects shards that do not follow llama.cpp's split names with a final error line", async () => {
    // create_split_gguf.go: fmt.Errorf("split GGUF %q must use llama.cpp split filename pattern", filename),
    // wrapped as errInvalidSplitGGUF ("invalid split GGUF: …"); sent after "parsing GGUF" was streamed.
    const shards = tinyShards("tiny-f16", 2);
    const lines = await createFromFiles(double(), "nas/tiny:f16", { "a.gguf": shards[0]!.bytes, "b.gguf": shards[1]!.bytes });
    expect(lines[0]).toEqual({ status: "parsing GGUF" });
    expect(lines.at(-1)).toEqual({ error: 'invalid split GGUF: split GGUF "a.gguf" must use llama.cpp split filename pattern' });
    expect(await double().readManifest("nas/tiny:f16")).toBeNull();
  });

  it("answers request errors found before streaming as JSON with 400", async () => {
    // create.go: errtypes.InvalidModelNameErrMsg ("invalid model name"); validateCreateFilePath:
    // fmt.Errorf("%w: %s", errFilePath, filePath) with errFilePath "file path must be relative";
    // errNeitherFromOrFiles is sent with "status": http.StatusBadRequest before anything was written.
    const digest = digestOf(tinyModel());
    const cases: [unknown, string][] = [
      [{ model: "bad name!", files: { "a.gguf": digest } }, "invalid model name"],
      [{ model: "nas/tiny:x", files: { "../a.gguf": digest } }, "file path must be relative: ../a.gguf"],
      [{ model: "nas/tiny:x", files: { "a.gguf": "sha256:123" } }, "invalid digest for a.gguf: invalid digest format"],
      [{ model: "nas/tiny:x" }, "neither 'from' or 'files' was specified"],
    ];
    for (const [body, error] of cases) {
      const res = await postJson(double(), "/api/create", body);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ error });
    }
    const empty = await fetch(`${double().url}/api/create`, { method: "POST", body: "" });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: "missing request body" });
  });

  it("reports a blob it never received as a final error line, or a 500 without streaming", async () => {
    // create.go: after fn({"parsing GGUF"}), gguf.ReadFileMetadata(blobPath) fails with os.Open's error, sent as
    // gin.H{"error": err.Error()} (no status → 500 in waitForStream, an NDJSON line in streamResponse).
    const missing = digestOf("never uploaded");
    const lines = await ndjson(await postJson(double(), "/api/create", { model: "nas/tiny:x", files: { "a.gguf": missing } }));
    expect(lines[0]).toEqual({ status: "parsing GGUF" });
    expect(lines.at(-1)).toEqual({ error: `open ${double().blobPath(missing)}: no such file or directory` });
    const res = await postJson(double(), "/api/create", { model: "nas/tiny:x", files: { "a.gguf": missing }, stream: false });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toMatch(/no such file or directory$/);
  });

  it("rejects a .gguf file whose bytes are not GGUF", async () => {
    // ggml.Decode: "invalid file magic" for anything that does not start with GGUF.
    const notGguf = Buffer.from("definitely not a model");
    const lines = await createFromFiles(double(), "nas/tiny:x", { "a.gguf": notGguf });
    expect(lines.at(-1)).toEqual({ error: "invalid file magic" });
  });

  it("re-creating a name removes the layers only the replaced manifest used", async () => {
    // create.go pruneOldManifestLayers(oldManifest) after the new manifest is written.
    const model = tinyModel();
    await createFromFiles(double(), "nas/tiny:x", { "tiny.gguf": model }, { template: "old {{ .Prompt }}" });
    const oldTemplate = (await readManifest("nas/tiny:x")).json.layers[1]!.digest;
    await createFromFiles(double(), "nas/tiny:x", { "tiny.gguf": model }, { template: "new {{ .Prompt }}" });
    expect(await double().hasBlob(oldTemplate)).toBe(false);
    expect(await double().hasBlob(digestOf(model))).toBe(true);
    const newTemplate = (await readManifest("nas/tiny:x")).json.layers[1]!.digest;
    expect(await readBlob(newTemplate)).toBe("new {{ .Prompt }}");
  });
});
