// The preset INI editor: one [model-id] section changes, every other byte of the
// admin's file stays, and the result is a file llama-server's parser accepts.
import { describe, expect, it } from "vitest";
import { presetEntriesFor } from "../../lib/hosts/llama-server/preset-on-host.ts";
import { readPresetSections, removePresetSection, upsertPresetSection } from "../../lib/hosts/llama-server/preset-ini.ts";

const adminFile = [
  "; Presets for the GPU box",
  "version = 1",
  "",
  "[*]",
  "n-gpu-layers = 99   ; all layers",
  "",
  "# chat models",
  "[qwen-7b]",
  "model = /mnt/models/qwen.gguf",
  "c=8192",
  "",
  "; embeddings below",
  "[embed]",
  "model = /mnt/models/embed.gguf",
  "",
].join("\n");

const entries = [
  { key: "model", value: "/mnt/nas/tiny.gguf" },
  { key: "c", value: "4096" },
];

describe("upsertPresetSection", () => {
  it("appends a new section after a blank line and leaves the rest byte for byte", () => {
    const out = upsertPresetSection(adminFile, "tiny-q8_0", entries);
    expect(out).toBe(`${adminFile}\n[tiny-q8_0]\nmodel = /mnt/nas/tiny.gguf\nc = 4096\n`);
  });

  it("replaces an existing section in place, keeping the comment that introduces the next one", () => {
    const out = upsertPresetSection(adminFile, "qwen-7b", [{ key: "model", value: "/mnt/models/qwen-v2.gguf" }]);
    expect(out).toBe(adminFile.replace("model = /mnt/models/qwen.gguf\nc=8192\n", "model = /mnt/models/qwen-v2.gguf\n"));
    expect(readPresetSections(out).get("qwen-7b")).toEqual(new Map([["model", "/mnt/models/qwen-v2.gguf"]]));
    expect(readPresetSections(out).get("embed")).toEqual(new Map([["model", "/mnt/models/embed.gguf"]]));
  });

  it("is idempotent", () => {
    const once = upsertPresetSection(adminFile, "tiny", entries);
    expect(upsertPresetSection(once, "tiny", entries)).toBe(once);
  });

  it("drops a duplicate section (llama-server would let the last one win)", () => {
    const text = "[a]\nmodel = /x\n\n[b]\nmodel = /y\n\n[a]\nmodel = /z\n";
    const out = upsertPresetSection(text, "a", [{ key: "model", value: "/new" }]);
    expect(out).toBe("[a]\nmodel = /new\n\n[b]\nmodel = /y\n\n");
    expect(readPresetSections(out).get("a")?.get("model")).toBe("/new");
  });

  it("keeps Windows line endings and a missing final newline", () => {
    expect(upsertPresetSection("[a]\r\nmodel = /x", "b", [{ key: "model", value: "/y" }])).toBe("[a]\r\nmodel = /x\r\n\r\n[b]\r\nmodel = /y\r\n");
  });

  it("starts an empty file with the section alone", () => {
    expect(upsertPresetSection("", "tiny", entries)).toBe("[tiny]\nmodel = /mnt/nas/tiny.gguf\nc = 4096\n");
  });

  it("refuses values the INI cannot hold", () => {
    for (const value of ["/mnt/a;b.gguf", "/mnt/#1/x.gguf", " /lead", "two\nlines"]) {
      expect(() => upsertPresetSection("", "tiny", [{ key: "model", value }])).toThrow(/no quoting/);
    }
    expect(() => upsertPresetSection("", "tiny", [{ key: "bad key", value: "1" }])).toThrow(/not a preset key/);
    expect(() => upsertPresetSection("", "qwen:q4", entries)).toThrow(/cannot be a preset section name/);
  });

  it("refuses to edit a file llama-server could not parse, naming the line", () => {
    expect(() => upsertPresetSection("[a]\n  model = /indented\n", "b", entries)).toThrow(/Line 2/);
    expect(() => upsertPresetSection("[unterminated\n", "b", entries)).toThrow(/Line 1/);
  });
});

describe("removePresetSection", () => {
  it("removes one section and nothing else", () => {
    const { text, removed } = removePresetSection(adminFile, "qwen-7b");
    expect(removed).toBe(true);
    expect(text).toBe(adminFile.replace("[qwen-7b]\nmodel = /mnt/models/qwen.gguf\nc=8192\n\n", ""));
  });

  it("undoes an append exactly", () => {
    expect(removePresetSection(upsertPresetSection(adminFile, "tiny", entries), "tiny").text).toBe(adminFile);
  });

  it("reports when there was nothing to remove", () => {
    expect(removePresetSection(adminFile, "absent")).toEqual({ text: adminFile, removed: false });
  });
});

describe("readPresetSections", () => {
  it("reads values as llama-server does: comments end a value, spaces around it are dropped", () => {
    const sections = readPresetSections(adminFile);
    expect(sections.get("*")).toEqual(new Map([["n-gpu-layers", "99"]]));
    expect(sections.get("default")).toEqual(new Map([["version", "1"]]));
    expect(sections.get("qwen-7b")?.get("c")).toBe("8192");
  });
});

describe("presetEntriesFor", () => {
  it("adds the context size when known and no-mmap only for network reads", () => {
    expect(presetEntriesFor("/mnt/a.gguf", 2048, true)).toEqual([
      { key: "model", value: "/mnt/a.gguf" },
      { key: "c", value: "2048" },
      { key: "no-mmap", value: "true" },
    ]);
    expect(presetEntriesFor("/srv/a.gguf", null, false)).toEqual([{ key: "model", value: "/srv/a.gguf" }]);
  });
});
