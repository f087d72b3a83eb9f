// Catalogue model references: the names the catalogue shows, the CLI accepts,
// the registry serves and hosts receive.
import { describe, expect, it } from "vitest";
import { getInventory } from "../../lib/hosts/queries.ts";
import { formatRef, isValidRefParts, loadModelRefs, nameFromFile, nameModels, parseRef, slugComponent } from "../../lib/registry/model-refs.ts";
import { createTempDb } from "../helpers/temp-db.ts";

describe("parseRef", () => {
  it("fills Ollama's defaults: namespace library, tag latest", () => {
    expect(parseRef("qwen2.5")).toEqual({ namespace: "library", model: "qwen2.5", tag: "latest" });
    expect(parseRef("qwen2.5:7b")).toEqual({ namespace: "library", model: "qwen2.5", tag: "7b" });
    expect(parseRef("team/qwen2.5:7b")).toEqual({ namespace: "team", model: "qwen2.5", tag: "7b" });
  });

  it("drops a registry host (with port) the way a pulled name carries it", () => {
    expect(parseRef("nas.lan:5050/team/qwen2.5:7b")).toEqual({ namespace: "team", model: "qwen2.5", tag: "7b" });
  });

  it("lower-cases, because OCI repository names are lower-case", () => {
    expect(parseRef("Team/Qwen:Q4_K_M")).toEqual({ namespace: "team", model: "qwen", tag: "q4_k_m" });
  });

  it("refuses what is not a reference", () => {
    for (const bad of ["", "a/b/c/d:e", "../etc:passwd", "a b:c", "team/:tag", "x:", "-x:y"]) expect(parseRef(bad)).toBeNull();
  });
});

describe("naming catalogue models", () => {
  it("splits the quantisation off a llama.cpp-style file name into the tag", () => {
    expect(nameFromFile({ modelId: 1, relPath: "qwen/Qwen2.5-7B-Instruct-Q4_K_M.gguf", libraryName: "/volume1/models", fileType: "Q4_K_M" })).toEqual({
      namespace: "models",
      model: "qwen2.5-7b-instruct",
      tag: "q4_k_m",
    });
  });

  it("names a split set after its shard-less stem", () => {
    const parts = nameFromFile({ modelId: 2, relPath: "big/Llama-70B-Q8_0-00001-of-00003.gguf", libraryName: "nas", fileType: "Q8_0" });
    expect(formatRef(parts)).toBe("nas/llama-70b:q8_0");
  });

  it("keeps the stem whole when it does not end in the file type", () => {
    expect(formatRef(nameFromFile({ modelId: 3, relPath: "tiny.gguf", libraryName: "/srv/lib", fileType: "F16" }))).toBe("lib/tiny:f16");
  });

  it("always produces valid OCI reference parts, whatever the file is called", () => {
    for (const relPath of ["Ünïcode mödel__v2!!.gguf", "....gguf", "-x-.gguf", "A".repeat(300) + ".gguf"]) {
      const parts = nameFromFile({ modelId: 9, relPath, libraryName: "Lib With Spaces", fileType: "Q4_0" });
      expect(isValidRefParts(parts.namespace, parts.model, parts.tag), JSON.stringify(parts)).toBe(true);
    }
    expect(slugComponent("__")).toBe("");
  });

  it("gives Ollama tags their own names and suffixes later duplicates, oldest first", () => {
    const refs = nameModels({
      tags: [
        { ollamaTagId: 7, modelId: 20, namespace: "library", model: "qwen", tag: "7b" },
        { ollamaTagId: 3, modelId: 10, namespace: "library", model: "qwen", tag: "7b" },
      ],
      files: [{ modelId: 30, relPath: "qwen-7b.gguf", libraryName: "library", fileType: "7B" }],
    });
    expect(refs.map((r) => [r.ref, r.modelId, r.source])).toEqual([
      ["library/qwen:7b", 10, "ollama-tag"],
      ["library/qwen-2:7b", 20, "ollama-tag"],
      ["library/qwen-3:7b", 30, "gguf-file"],
    ]);
  });
});

describe("loadModelRefs on a large catalogue", () => {
  it("names 4,000 models and builds the inventory without exceeding SQLite's parameter limit", async () => {
    const temp = await createTempDb("modelshelf-refs-large-");
    try {
      const count = 4000;
      const library = await temp.db.library.create({ data: { path: "/srv/models" } });
      const base = { architecture: "llama", parameterCount: 7n, fileType: "Q4_K_M", fileTypeSource: "metadata", ggufVersion: 3, tensorCount: 1, tensorBytes: 1n, totalBytes: 1n, tensorTypesJson: "{}", metadataJson: "{}" };
      await temp.db.model.createMany({ data: Array.from({ length: count }, (_, i) => ({ ...base, id: i + 1, fingerprint: `fp-${i}`, displayName: `M${i}` })) });
      await temp.db.libraryFile.createMany({
        data: Array.from({ length: count }, (_, i) => ({ libraryId: library.id, relPath: `m${i}-Q4_K_M.gguf`, sizeBytes: 1n, mtimeMs: 0, inode: String(i), state: "indexed", modelId: i + 1 })),
      });
      await temp.db.inferenceHost.create({ data: { name: "gpu1", kind: "ollama", baseUrl: "http://10.0.0.5:11434" } });
      const refs = await loadModelRefs(temp.db);
      expect(refs).toHaveLength(count);
      expect(refs[count - 1]!.ref).toBe(`models/m${count - 1}:q4_k_m`);
      const inventory = await getInventory(temp.db);
      expect(inventory.models).toHaveLength(count);
    } finally {
      await temp.cleanup();
    }
  }, 60_000);
});
