// The model id a catalogue reference gets on a llama-server host, and where a
// host that reads the library itself finds a file (path maps), and which push
// method applies.
import { describe, expect, it } from "vitest";
import { isSafeLlamaModelId, llamaModelId } from "../../lib/hosts/llama-server/llama-model-id.ts";
import { isLoopbackUrl, mapLibraryPath } from "../../lib/hosts/llama-server/map-library-path.ts";
import { llamaPushMethod } from "../../lib/hosts/llama-server/push-llama-model.ts";

describe("llamaModelId", () => {
  it("names a model of the default namespace <model>-<tag>", () => {
    expect(llamaModelId("library/qwen2.5:7b-instruct-q4_k_m")).toBe("qwen2.5-7b-instruct-q4_k_m");
  });

  it("puts any other namespace in front", () => {
    expect(llamaModelId("acme/tiny:q8_0")).toBe("acme-tiny-q8_0");
  });

  it("reads references the way the catalogue writes them (default tag, upper case)", () => {
    expect(llamaModelId("Acme/Tiny")).toBe("acme-tiny-latest");
  });

  it("never contains a colon or slash (a file name and a preset section name)", () => {
    const id = llamaModelId("ns/model.v2:tag.with.dots");
    expect(id).toBe("ns-model.v2-tag.with.dots");
    expect(id).not.toMatch(/[:/\\]/);
  });

  it("avoids the names llama-server's models-dir scan skips or renames", () => {
    expect(llamaModelId("library/llava-mmproj:f16")).toBe("llava-mm_proj-f16");
    expect(llamaModelId("mtp/model:q4")).toBe("mtp_model-q4");
    expect(llamaModelId("library/weird:x.gguf")).toBe("weird-x_gguf");
    for (const id of ["llava-mm_proj-f16", "mtp_model-q4", "weird-x_gguf"]) expect(isSafeLlamaModelId(id)).toBe(true);
  });

  it("refuses something that is not a reference", () => {
    expect(() => llamaModelId("not a ref!")).toThrow(/not a model reference/);
  });

  it("refuses ids too long for a file name", () => {
    expect(() => llamaModelId(`library/${"a".repeat(190)}:${"b".repeat(20)}`)).toThrow(/at most 200/);
  });

  it("treats path tricks and hidden names as unsafe to delete", () => {
    for (const name of ["../etc", "a/b", ".modelshelf-staging", "", "x.gguf", "a b"]) expect(isSafeLlamaModelId(name)).toBe(false);
  });
});

describe("mapLibraryPath", () => {
  const map = [
    { from: "/srv/nas/models", to: "/mnt/models" },
    { from: "/srv/nas/models/big", to: "/mnt/big" },
    { from: "nfs://nas/volume1/llm?uid=1000&gid=1000", to: "/data/llm/" },
    { from: "/srv/win", to: "D:\\models" },
  ];

  it("translates with the longest prefix that covers the file", () => {
    expect(mapLibraryPath(map, "/srv/nas/models/qwen/q4.gguf")).toBe("/mnt/models/qwen/q4.gguf");
    expect(mapLibraryPath(map, "/srv/nas/models/big/a-00001-of-00002.gguf")).toBe("/mnt/big/a-00001-of-00002.gguf");
  });

  it("matches nfs:// libraries without their options", () => {
    expect(mapLibraryPath(map, "nfs://nas/volume1/llm/tiny.gguf")).toBe("/data/llm/tiny.gguf");
  });

  it("only matches on folder boundaries", () => {
    expect(mapLibraryPath(map, "/srv/nas/models-old/x.gguf")).toBeNull();
    expect(mapLibraryPath([], "/srv/nas/models/x.gguf")).toBeNull();
  });

  it("uses backslashes for a Windows host", () => {
    expect(mapLibraryPath(map, "/srv/win/sub/x.gguf")).toBe("D:\\models\\sub\\x.gguf");
  });

  it("knows which hosts are on this machine", () => {
    expect(["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2"].map(isLoopbackUrl)).toEqual([true, true, true]);
    expect(["http://10.0.0.5:8080", "not a url"].map(isLoopbackUrl)).toEqual([false, false]);
  });
});

describe("llamaPushMethod", () => {
  const host = { id: 1, name: "box", kind: "llama-server" as const, baseUrl: "http://127.0.0.1:1", modelsDir: "/m", presetPath: "/p.ini", pathMap: [] };

  it("follows the host's delivery unless a method is asked for", () => {
    expect(llamaPushMethod({ ...host, delivery: "models-dir" }, null)).toBe("copy");
    expect(llamaPushMethod({ ...host, delivery: "nas-direct" }, undefined)).toBe("preset");
    expect(llamaPushMethod({ ...host, delivery: "models-dir" }, "preset")).toBe("preset");
  });

  it("refuses Ollama's methods and a host without a delivery", () => {
    expect(() => llamaPushMethod({ ...host, delivery: "models-dir" }, "upload")).toThrow(/copy or preset, not by upload/);
    expect(() => llamaPushMethod({ ...host, delivery: null }, null)).toThrow(/no delivery method/);
  });
});
