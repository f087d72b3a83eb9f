import { describe, expect, it } from "vitest";
import { classifyName, isOllamaBlobName, isSkippedDirName, parseShardName } from "../../lib/nfs/classify-name.ts";

const hex = "a".repeat(56) + "0123abcd";

describe("classifyName", () => {
  it.each([
    ["Qwen2.5-14B-Instruct-Q4_K_M.gguf", "gguf"],
    ["LLAMA-3-8B.Q8_0.GGUF", "gguf"],
    ["model.Gguf", "gguf"],
    ["model-00001-of-00003.gguf", "gguf"],
    [".hidden-model.gguf", "gguf"],
    // rsync: ".<name>.<6 random alphanumerics>"
    [".Qwen2.5-14B-Q4_K_M.gguf.aB3xZ9", "temp"],
    [".model.gguf.000000", "temp"],
    ["model.gguf.part", "temp"],
    ["model.part", "temp"],
    ["model.gguf.partial", "temp"],
    ["model.gguf.tmp", "temp"],
    ["model.gguf.TMP", "temp"],
    ["model.gguf.download", "temp"],
    ["model.gguf.crdownload", "temp"],
    ["model.gguf.filepart", "temp"],
    ["0f3c9e.incomplete", "temp"],
    ["model.gguf.aria2", "temp"],
    // Ollama: downloads in progress and os.CreateTemp files in blobs/
    [`sha256-${hex}-partial`, "temp"],
    [`sha256-${hex}-partial-0`, "temp"],
    [`sha256-${hex}-partial-12`, "temp"],
    ["sha256-2147483647", "temp"],
    [`sha256-${hex}`, "other"],
    ["README.md", "other"],
    ["model.safetensors", "other"],
    // Checksum lists and sidecars: expected hashes for the verifier
    ["model.gguf.sha256", "checksum"],
    ["SHA256SUMS", "checksum"],
    ["SHA256SUMS.txt", "checksum"],
    ["qwen.sha256sums", "checksum"],
    ["models.sha256sum", "checksum"],
    ["sha256-notes.txt", "other"],
    ["SHA256SUMS.asc", "other"],
    [".gguf", "other"],
    [".DS_Store", "other"],
    ["notes.txt.bak", "other"],
  ])("classifies %s as %s", (name, kind) => {
    expect(classifyName(name)).toBe(kind);
  });
});

describe("isSkippedDirName", () => {
  it.each(["@eaDir", "#recycle", "#snapshot", "@Recycle", ".snapshot", ".zfs", "$RECYCLE.BIN", ".Trash-1000", "lost+found", "model.gguf.download"])(
    "skips %s",
    (name) => expect(isSkippedDirName(name)).toBe(true),
  );

  it.each(["models", "TheBloke", ".cache", "snapshots", "blobs", "manifests", "recycle"])("enters %s", (name) =>
    expect(isSkippedDirName(name)).toBe(false),
  );
});

describe("isOllamaBlobName", () => {
  it("accepts sha256- followed by 64 lower-case hex digits", () => {
    expect(isOllamaBlobName(`sha256-${hex}`)).toBe(true);
  });

  it.each([`sha256-${hex.toUpperCase()}`, `sha256:${hex}`, `sha256-${hex}-partial`, `sha256-${hex.slice(1)}`, `sha512-${hex}`])(
    "rejects %s",
    (name) => expect(isOllamaBlobName(name)).toBe(false),
  );
});

describe("parseShardName", () => {
  it("parses llama.cpp split names into prefix, 1-based index and count", () => {
    expect(parseShardName("Qwen2.5-72B-Q4_K_M-00002-of-00012.gguf")).toEqual({ prefix: "Qwen2.5-72B-Q4_K_M", index: 2, count: 12 });
  });

  it("accepts an upper-case extension", () => {
    expect(parseShardName("big-00001-of-00002.GGUF")).toEqual({ prefix: "big", index: 1, count: 2 });
  });

  it.each(["model.gguf", "model-0001-of-0002.gguf", "model-00000-of-00002.gguf", "model-00003-of-00002.gguf", "-00001-of-00002.gguf", "model-00001-of-00002.gguf.part"])(
    "returns null for %s",
    (name) => expect(parseShardName(name)).toBeNull(),
  );
});
