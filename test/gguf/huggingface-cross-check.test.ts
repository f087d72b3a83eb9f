// Cross-check against an independent parser: @huggingface/gguf 0.4.6 must see
// the same header as ours in every fixture, so neither our writer nor our
// reader can be wrong in the same way without notice.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gguf } from "@huggingface/gguf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferSource } from "../../lib/gguf/byte-source.ts";
import { buildTinyModel, splitGguf } from "../../lib/gguf/build-tiny-model.ts";
import { GgufValueType, type GgufValue } from "../../lib/gguf/gguf-value-type.ts";
import { readGgufHeader } from "../../lib/gguf/read-gguf-header.ts";
import { summarizeGguf } from "../../lib/gguf/summarize-gguf.ts";
import { allValueTypesFile } from "../helpers/gguf-fixtures.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "modelshelf-gguf-hf-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Our value with arrays expanded to what @huggingface/gguf returns (plain JS arrays). */
function plain(value: GgufValue): unknown {
  return typeof value === "object" ? value.head.map(plain) : value;
}

async function crossCheck(name: string, bytes: Uint8Array): Promise<void> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  // Whole arrays on our side too, so every value can be compared.
  const ours = await readGgufHeader(bufferSource(bytes), {
    fileLabel: name,
    limits: { inlineArrayLength: 1_000_000, maxInlineArrayItems: 10_000_000 },
  });
  const summary = summarizeGguf(ours, bytes.length);
  const theirs = await gguf(file, { allowLocalFile: true, computeParametersCount: true, typedMetadata: true });

  expect(theirs.metadata.version).toBe(ours.version);
  expect(theirs.metadata.tensor_count).toBe(BigInt(ours.tensorCount));
  expect(theirs.metadata.kv_count).toBe(BigInt(ours.metadataCount));
  expect(theirs.littleEndian).toBe(true);
  expect(theirs.tensorDataOffset).toBe(BigInt(ours.tensorDataOffset));
  expect(theirs.tensorInfoByteRange).toEqual([ours.tensorInfoStart, ours.tensorInfoEnd]);
  expect(theirs.parameterCount).toBe(summary.parameterCount);
  expect(theirs.metadata["general.architecture"]).toBe(summary.architecture ?? undefined);

  for (const entry of ours.metadata.values()) {
    expect(Reflect.get(theirs.metadata, entry.key), entry.key).toEqual(plain(entry.value));
    const typed = theirs.typedMetadata[entry.key];
    expect(typed?.type, entry.key).toBe(entry.type);
    if (typeof entry.value === "object") expect(typed?.subType, entry.key).toBe(entry.value.elementType);
  }
  expect(
    theirs.tensorInfos.map((t) => ({ name: t.name, dims: t.shape.map(Number), type: Number(t.dtype), offset: t.offset })),
  ).toEqual(ours.tensors.map((t) => ({ name: t.name, dims: t.dims, type: t.type, offset: t.offset })));
}

describe("agreement with @huggingface/gguf 0.4.6", () => {
  it("on a llama F16 model", async () => {
    await crossCheck("llama-f16.gguf", buildTinyModel({ fileType: "F16" }));
  });

  it("on a llama Q8_0 model", async () => {
    await crossCheck("llama-q8_0.gguf", buildTinyModel({ fileType: "Q8_0" }));
  });

  it("on a qwen2 model with a gpt2 BPE tokenizer", async () => {
    await crossCheck("qwen2-gpt2.gguf", buildTinyModel({ architecture: "qwen2", tokenizer: "gpt2", fileType: "Q4_0" }));
  });

  it("on a model aligned to 64 bytes", async () => {
    await crossCheck("llama-align64.gguf", buildTinyModel({ alignment: 64 }));
  });

  it("on a GGUF v2 model", async () => {
    await crossCheck("llama-v2.gguf", buildTinyModel({ version: 2, fileType: "F32" }));
  });

  it("on the first and a later shard of a split model", async () => {
    const shards = splitGguf(buildTinyModel({ tiedEmbeddings: true }), 3);
    await crossCheck("split-00001-of-00003.gguf", shards[0] ?? new Uint8Array());
    await crossCheck("split-00002-of-00003.gguf", shards[1] ?? new Uint8Array());
  });

  it("on a file with every value type and nested arrays", async () => {
    await crossCheck("all-types.gguf", allValueTypesFile({ alignment: 64 }));
  });

  it("on gemma2 and phi3 models", async () => {
    await crossCheck("gemma2.gguf", buildTinyModel({ architecture: "gemma2" }));
    await crossCheck("phi3.gguf", buildTinyModel({ architecture: "phi3", fileType: "Q8_0" }));
  });

  it("on a typed UINT64 count, which both read as a bigint", async () => {
    const bytes = buildTinyModel({ extraMetadata: [{ key: "test.count", type: GgufValueType.UINT64, value: 5n }] });
    await crossCheck("uint64.gguf", bytes);
  });
});
