// Pushing a model to an Ollama host by upload: blobs from the library, create
// with `files`, confirmation — and every failure a host or a library can cause.
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isAppError, type AppError } from "../../lib/errors.ts";
import { buildTinyModel, ggufShardFileName, splitGguf } from "../../lib/gguf/index.ts";
import { isCancelledError } from "../../lib/hashing/cancelled-error.ts";
import { createThrottle } from "../../lib/hashing/throttle.ts";
import { pushOllamaUpload, uploadOllamaBlob } from "../../lib/hosts/ollama/index.ts";
import { hostTarget, pushContext, pushFile, pushSource, sha256Hex, useLibraries } from "../ollama/driver-kit.ts";
import { tinyModel, useOllamaDouble } from "../ollama/ollama-test-kit.ts";

const double = useOllamaDouble();
const library = useLibraries();

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

async function listed(): Promise<{ name: string; digest: string; size: number }[]> {
  return ((await (await fetch(`${double().url}/api/tags`)).json()) as { models: { name: string; digest: string; size: number }[] }).models;
}

function blobPosts(digest?: string) {
  return double().requests.filter((r) => r.route === "POST /api/blobs/:digest" && (digest === undefined || r.path.endsWith(digest)));
}

/** A three-shard split model in a library folder, with its PushSource. */
async function splitModel(ref = "nas/tiny:f16") {
  const shards = splitGguf(buildTinyModel({ fileType: "F16", seed: 11 }), 3);
  const names = shards.map((_, i) => ggufShardFileName("tiny-f16", i, 3));
  const dir = await library(Object.fromEntries(names.map((name, i) => [`models/${name}`, shards[i]!])));
  const files = shards.map((bytes, i) => pushFile(dir, `models/${names[i]}`, bytes, i));
  return { shards, files, source: pushSource(ref, files) };
}

describe("pushOllamaUpload", () => {
  it("uploads the file, creates the model with the extras and reports what the host confirmed", async () => {
    const model = tinyModel();
    const dir = await library({ "tiny-q8_0.gguf": model });
    const source = pushSource("nas/tiny:q8_0", [pushFile(dir, "tiny-q8_0.gguf", model)], {
      template: "{{ .Prompt }}",
      system: "Be brief.",
      parameters: { num_ctx: 8192, stop: ["<|im_end|>"] },
      license: "Apache-2.0",
    });
    const ctx = pushContext();
    const outcome = await pushOllamaUpload(hostTarget(double().url), source, ctx);
    const routes = double().requests.map((r) => r.route);

    const [entry] = await listed();
    expect(outcome).toEqual({ hostName: "nas/tiny:q8_0", hostDigest: entry!.digest, sizeBytes: entry!.size, paths: [] });
    const create = double().requests.find((r) => r.route === "POST /api/create")!;
    expect(create.json).toEqual({
      model: "nas/tiny:q8_0",
      files: { "tiny-q8_0.gguf": `sha256:${sha256Hex(model)}` },
      template: "{{ .Prompt }}",
      system: "Be brief.",
      parameters: { num_ctx: 8192, stop: ["<|im_end|>"] },
      license: "Apache-2.0",
      stream: true,
    });
    // The host really holds the bytes: its blob is the library file.
    expect(Buffer.compare(await fsp.readFile(double().blobPath(`sha256:${sha256Hex(model)}`)), Buffer.from(model))).toBe(0);
    // Confirmation came from the host: /api/show then /api/tags after "success".
    expect(routes.slice(routes.indexOf("POST /api/create"))).toEqual(["POST /api/create", "POST /api/show", "GET /api/tags"]);
    expect(ctx.notes).toContain("parsing GGUF");
    expect(ctx.notes).toContain("success");
    const last = ctx.progressCalls.filter((p) => p.unit === "bytes").at(-1)!;
    expect([last.done, last.total]).toEqual([model.length, model.length]);
  });

  it("pushes every shard of a split model and names them as the host needs", async () => {
    const { shards, source } = await splitModel();
    const outcome = await pushOllamaUpload(hostTarget(double().url), source, pushContext());
    expect(outcome.hostName).toBe("nas/tiny:f16");
    const manifest = JSON.parse((await double().readManifest("nas/tiny:f16"))!.toString("utf8")) as { layers: { digest: string; from: string }[] };
    expect(manifest.layers.map((l) => [l.from, l.digest])).toEqual(shards.map((bytes, i) => [ggufShardFileName("tiny-f16", i, 3), `sha256:${sha256Hex(bytes)}`]));
  });

  it("skips blobs the host already has", async () => {
    const { source } = await splitModel();
    await pushOllamaUpload(hostTarget(double().url), source, pushContext());
    const ctx = pushContext();
    await pushOllamaUpload(hostTarget(double().url), pushSource("nas/tiny:again", source.files), ctx);
    expect(blobPosts()).toHaveLength(3);
    expect(ctx.notes.filter((n) => n.includes("already has blob"))).toHaveLength(3);
  });

  it("fails retryably when the host drops mid-upload, and the retry resumes from the blob checks", async () => {
    const { shards, source } = await splitModel();
    const second = `sha256:${sha256Hex(shards[1]!)}`;
    double().faults = { dropUploadAfterBytes: 20_000, dropUploadDigest: second };
    const error = await failure(pushOllamaUpload(hostTarget(double().url), source, pushContext()));
    expect(error).toMatchObject({ code: "unavailable", retryable: true });
    expect(error.message).toContain(second);
    expect(await listed()).toEqual([]);

    double().faults = {};
    const outcome = await pushOllamaUpload(hostTarget(double().url), source, pushContext());
    expect(outcome.hostName).toBe("nas/tiny:f16");
    // The first shard went up once; the cut one twice; the third once.
    expect(shards.map((bytes) => blobPosts(`sha256:${sha256Hex(bytes)}`).length)).toEqual([1, 2, 1]);
  });

  it("fails without retry when the file does not hash to its recorded SHA-256, and creates nothing", async () => {
    const model = tinyModel();
    const dir = await library({ "tiny.gguf": model });
    const file = { ...pushFile(dir, "tiny.gguf", model), sha256: sha256Hex(Buffer.from("another file")) };
    const error = await failure(pushOllamaUpload(hostTarget(double().url), pushSource("nas/tiny:x", [file]), pushContext()));
    expect(error).toMatchObject({ code: "corrupt-file", retryable: false });
    expect(error.message).toMatch(/tiny\.gguf no longer matches its verified SHA-256/);
    expect(double().requests.some((r) => r.route === "POST /api/create")).toBe(false);
    expect(await listed()).toEqual([]);
  });

  it("fails without retry when the file changed on disk since it was verified", async () => {
    const model = tinyModel();
    const dir = await library({ "tiny.gguf": model });
    const file = pushFile(dir, "tiny.gguf", model);
    // Same size, other bytes: only the hash can tell.
    const changed = Buffer.from(model);
    changed.writeUInt8(changed.readUInt8(changed.length - 1) ^ 0x01, changed.length - 1);
    await fsp.writeFile(path.join(dir, "tiny.gguf"), changed);
    const error = await failure(pushOllamaUpload(hostTarget(double().url), pushSource("nas/tiny:x", [file]), pushContext()));
    expect(error).toMatchObject({ code: "corrupt-file", retryable: false });
    expect(await listed()).toEqual([]);
  });

  it("refuses a file whose size changed before sending it", async () => {
    const model = tinyModel();
    const dir = await library({ "tiny.gguf": model });
    const file = pushFile(dir, "tiny.gguf", model);
    await fsp.appendFile(path.join(dir, "tiny.gguf"), "more");
    const error = await failure(pushOllamaUpload(hostTarget(double().url), pushSource("nas/tiny:x", [file]), pushContext()));
    expect(error).toMatchObject({ code: "conflict", retryable: false });
    expect(blobPosts()).toEqual([]);
  });

  it("fails without retry when the host's disk is full", async () => {
    const model = tinyModel();
    const dir = await library({ "tiny.gguf": model });
    double().faults = { diskFullAfterBytes: 50_000 };
    const error = await failure(pushOllamaUpload(hostTarget(double().url), pushSource("nas/tiny:x", [pushFile(dir, "tiny.gguf", model)]), pushContext()));
    expect(error).toMatchObject({ code: "io", retryable: false });
    expect(error.message).toMatch(/no space left on device.*disk is full/);
    expect(double().requests.some((r) => r.route === "POST /api/create")).toBe(false);
  });

  it("reports a create answer that is not NDJSON as an error, not a success", async () => {
    const model = tinyModel();
    const dir = await library({ "tiny.gguf": model });
    double().faults = { garbage: { "POST /api/create": "<html>Bad Gateway</html>" } };
    const error = await failure(pushOllamaUpload(hostTarget(double().url), pushSource("nas/tiny:x", [pushFile(dir, "tiny.gguf", model)]), pushContext()));
    expect(error).toMatchObject({ code: "io", retryable: false });
    expect(error.message).toMatch(/POST \/api\/create: the answer is not Ollama's \(line 1 is not JSON/);
  });

  it("passes on a create error line, permanent for a request the host rejects", async () => {
    // Shards named without llama.cpp's -0000N-of-0000M suffix: Ollama refuses to group them.
    const { files } = await splitModel();
    const renamed = files.map((f, i) => ({ ...f, fileName: `part-${i}.gguf` }));
    const error = await failure(pushOllamaUpload(hostTarget(double().url), pushSource("nas/tiny:x", renamed), pushContext()));
    expect(error).toMatchObject({ code: "io", retryable: false });
    expect(error.message).toMatch(/invalid split GGUF/);
  });

  it("fails when the host says success but does not list the model", async () => {
    const model = tinyModel();
    const dir = await library({ "tiny.gguf": model });
    double().faults = { garbage: { "GET /api/tags": JSON.stringify({ models: [] }) } };
    const error = await failure(pushOllamaUpload(hostTarget(double().url), pushSource("nas/tiny:x", [pushFile(dir, "tiny.gguf", model)]), pushContext()));
    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toMatch(/reported success for nas\/tiny:x but does not list it/);
  });

  it("reports a library-namespace model under the name the host lists it by", async () => {
    // Ollama's DisplayShortest drops the "library" namespace: polls will see "tiny:q8_0".
    const model = tinyModel();
    const dir = await library({ "tiny.gguf": model });
    const outcome = await pushOllamaUpload(hostTarget(double().url), pushSource("library/tiny:q8_0", [pushFile(dir, "tiny.gguf", model)]), pushContext());
    expect(outcome.hostName).toBe("tiny:q8_0");
  });

  it("stops an upload in flight when the signal aborts", async () => {
    // 4 MiB read in 1 MiB chunks at 1 MiB/s; aborting when the second chunk goes out lands
    // while the host is receiving the body.
    const bytes = randomBytes(4 * 1024 * 1024);
    const dir = await library({ "big.gguf": bytes });
    const controller = new AbortController();
    const ctx = pushContext({ signal: controller.signal, throttle: createThrottle({ bytesPerSecond: 1024 * 1024 }) });
    const progress = ctx.progress;
    let abortedAt = 0;
    ctx.progress = (done, total, unit, message) => {
      progress(done, total, unit, message);
      if (done > 1024 * 1024 && abortedAt === 0) {
        abortedAt = Date.now();
        controller.abort(new Error("job cancelled"));
      }
    };
    const error = await pushOllamaUpload(hostTarget(double().url), pushSource("nas/big:x", [pushFile(dir, "big.gguf", bytes)]), ctx).catch((e: unknown) => e);
    expect(isCancelledError(error)).toBe(true);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    await double().settled();
    const post = blobPosts()[0]!;
    expect(post.completed).toBe(false);
    expect(post.bodyBytes).toBeLessThan(bytes.length);
    expect(await double().hasBlob(`sha256:${sha256Hex(bytes)}`)).toBe(false);
  });

  it("fails with a retryable timeout when the host stops reading mid-upload", async () => {
    const bytes = randomBytes(4 * 1024 * 1024);
    const dir = await library({ "big.gguf": bytes });
    double().faults = { stallUploadAfterBytes: 64 * 1024 };
    const started = Date.now();
    const error = await failure(uploadOllamaBlob(hostTarget(double().url), pushFile(dir, "big.gguf", bytes), pushContext({ timeoutMs: 300 }), () => undefined, { idleFloorMs: 0 }));
    expect(error).toMatchObject({ code: "timeout", retryable: true });
    expect(error.message).toMatch(/the host took no bytes and sent no answer: no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
    // The hung handler holds the bytes it took in a temp file; no blob appears.
    expect(await double().hasBlob(`sha256:${sha256Hex(bytes)}`)).toBe(false);
  });
});
