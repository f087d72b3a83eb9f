// Small helpers shared by the Ollama double's contract tests: tiny GGUF models,
// digests, raw HTTP calls and NDJSON reading.
import { createHash } from "node:crypto";
import { afterEach, beforeEach } from "vitest";
import { buildTinyModel, ggufShardFileName, splitGguf } from "../../lib/gguf/index.ts";
import { startOllamaDouble, type OllamaDouble, type OllamaDoubleOptions } from "../helpers/ollama-double.ts";

/** "sha256:<hex>" of bytes. */
export function digestOf(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A loadable tiny model (Q8_0, ~130 KB); the seed changes its weights and so its digest. */
export function tinyModel(seed = 1): Uint8Array {
  return buildTinyModel({ fileType: "Q8_0", seed });
}

/** A tiny model split into `count` shards, named like llama.cpp names them. */
export function tinyShards(prefix: string, count: number, seed = 7): { name: string; bytes: Uint8Array }[] {
  return splitGguf(buildTinyModel({ fileType: "F16", seed }), count).map((bytes, i) => ({ name: ggufShardFileName(prefix, i, count), bytes }));
}

/** A fresh double per test, closed afterwards. */
export function useOllamaDouble(options: OllamaDoubleOptions = {}): () => OllamaDouble {
  let double: OllamaDouble | undefined;
  beforeEach(async () => {
    double = await startOllamaDouble(options);
  });
  afterEach(async () => {
    await double?.close();
    double = undefined;
  });
  return () => {
    if (!double) throw new Error("the Ollama double is only available inside a test");
    return double;
  };
}

export async function uploadBlob(double: OllamaDouble, bytes: Uint8Array, digest = digestOf(bytes)): Promise<Response> {
  return fetch(`${double.url}/api/blobs/${digest}`, { method: "POST", body: bytes as Uint8Array<ArrayBuffer> });
}

export function postJson(double: OllamaDouble, path: string, body: unknown, method = "POST"): Promise<Response> {
  return fetch(`${double.url}${path}`, { method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });
}

export async function ndjson(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Uploads `files` and creates `model` from them; returns the NDJSON lines. */
export async function createFromFiles(
  double: OllamaDouble,
  model: string,
  files: Record<string, Uint8Array>,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>[]> {
  const refs: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(files)) {
    const res = await uploadBlob(double, bytes);
    if (res.status !== 201 && res.status !== 200) throw new Error(`upload of ${name} answered ${res.status}`);
    refs[name] = digestOf(bytes);
  }
  return ndjson(await postJson(double, "/api/create", { model, files: refs, ...extra }));
}
