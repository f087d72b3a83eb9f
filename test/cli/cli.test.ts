// The `modelshelf` command, run as a user would (a child process).
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDemoFiles } from "../../lib/demo/ensure-demo-library.ts";

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, "..", "..", "bin", "modelshelf.js");
let dir: string;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { ...process.env, MODELSHELF_DATA_DIR: path.join(dir, "data"), MODELSHELF_LOG_LEVEL: "error" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "modelshelf-cli-"));
  for (const file of buildDemoFiles()) {
    const target = path.join(dir, "lib", file.relPath);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.bytes);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("modelshelf inspect", () => {
  it("prints one file's header as JSON", async () => {
    const { code, stdout } = await cli(["inspect", path.join(dir, "lib/gguf/llama/TinyLlama-Chat-Q8_0.gguf"), "--json"]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({
      path: path.join(dir, "lib/gguf/llama/TinyLlama-Chat-Q8_0.gguf"),
      ggufVersion: 3,
      architecture: "llama",
      name: "TinyLlama Chat",
      fileType: "Q8_0",
      contextLength: 256,
      embeddingLength: 64,
      blockCount: 2,
      headCount: 4,
      headCountKv: 2,
      vocabSize: 320,
      tokenizerModel: "llama",
      split: null,
    });
    for (const key of ["sizeBytes", "tensorCount", "metadataCount", "tensorDataOffset", "tensorBytes", "parameterCount", "sizeLabel", "license", "chatTemplate", "metadata"]) {
      expect(out).toHaveProperty(key);
    }
    expect(out.metadata["tokenizer.ggml.tokens"]).toMatchObject({ type: "array", length: 320 });
    expect(out.metadata["tokenizer.ggml.tokens"].head.length).toBeLessThanOrEqual(8);
  });

  it("reports split shards", async () => {
    const { stdout } = await cli(["inspect", path.join(dir, "lib/gguf/split/TinyLlama-Base-F32-00002-of-00003.gguf"), "--json"]);
    expect(JSON.parse(stdout).split).toMatchObject({ index: 1, count: 3 });
  });

  it("exits 1 with a one-line error naming the problem and the offset for a corrupt file", async () => {
    const corrupt = path.join(dir, "corrupt.gguf");
    await writeFile(corrupt, Buffer.from("GGUF\x03\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\x7f", "latin1"));
    const { code, stderr } = await cli(["inspect", corrupt, "--json"]);
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/byte \d+/);
  });

  it("exits 2 on a usage error", async () => {
    expect((await cli(["inspect"])).code).toBe(2);
    expect((await cli(["frobnicate"])).code).toBe(2);
  });

  it("prints help for every command", async () => {
    for (const command of ["inspect", "scan", "models"]) {
      const { code, stdout } = await cli([command, "--help"]);
      expect(code).toBe(0);
      expect(stdout).toContain(`modelshelf ${command}`);
    }
  });
});

describe("modelshelf scan and models", () => {
  it("scans a root into the catalogue and prints models, problems and ignored files", async () => {
    await writeFile(path.join(dir, "lib/gguf/.half.gguf.Xy12ab"), "partial");
    const db = path.join(dir, "cli.db");
    const { code, stdout } = await cli(["scan", "--library", path.join(dir, "lib/gguf"), "--db", db, "--stable-ms", "0", "--json"]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.models.map((m: { name: string; fileType: string }) => `${m.name} ${m.fileType}`).sort()).toEqual([
      "TinyGemma 2 Q8_0",
      "TinyLlama Base F32",
      "TinyLlama Chat F16",
      "TinyLlama Chat Q8_0",
      "TinyQwen Instruct Q4_0",
    ]);
    const split = out.models.find((m: { name: string }) => m.name === "TinyLlama Base");
    expect(split.files).toHaveLength(3);
    expect(split.parameterCount).toBeGreaterThan(0);
    expect(out.ignored).toEqual([path.join(dir, "lib/gguf/.half.gguf.Xy12ab")]);
    expect(out.problems).toEqual([]);

    const store = await cli(["scan", "--library", path.join(dir, "lib/ollama"), "--db", db, "--stable-ms", "0", "--json"]);
    expect(JSON.parse(store.stdout).models).toMatchObject([{ name: "TinyQwen Instruct", ollamaTags: ["library/tinyqwen:latest"] }]);

    const models = JSON.parse((await cli(["models", "--db", db, "--json"])).stdout).models;
    const qwen = models.find((m: { name: string }) => m.name === "TinyQwen Instruct");
    expect(qwen.files).toHaveLength(2);
    expect(qwen.ollamaTags).toEqual(["library/tinyqwen:latest"]);
  });

  it("exits 1 and says why when the root does not exist", async () => {
    const { code, stdout } = await cli(["scan", "--library", path.join(dir, "nope"), "--db", path.join(dir, "x.db"), "--json"]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ status: "unavailable" });
  });
});

describe("modelshelf verify and jobs", () => {
  it("verifies a file against its sidecar and reports the fields as JSON", async () => {
    const { createHash } = await import("node:crypto");
    const { readFile } = await import("node:fs/promises");
    const file = path.join(dir, "lib/gguf/llama/TinyLlama-Chat-F16.gguf");
    const hash = createHash("sha256").update(await readFile(file)).digest("hex");
    await writeFile(`${file}.sha256`, `${hash}  TinyLlama-Chat-F16.gguf\n`);
    const { code, stdout } = await cli(["verify", file, "--db", path.join(dir, "verify.db"), "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      {
        path: file,
        sizeBytes: expect.any(Number),
        sha256: hash,
        expected: hash,
        expectedSource: "sidecar:TinyLlama-Chat-F16.gguf.sha256",
        status: "verified",
        seconds: expect.any(Number),
      },
    ]);
  });

  it("exits 1 on a mismatch", async () => {
    const file = path.join(dir, "lib/gguf/llama/TinyLlama-Chat-Q8_0.gguf");
    await writeFile(`${file}.sha256`, `${"0".repeat(64)}\n`);
    const { code, stdout } = await cli(["verify", file, "--db", path.join(dir, "verify.db"), "--json"]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)[0]).toMatchObject({ status: "mismatch", expected: "0".repeat(64) });
  });

  it("verifies every catalogued file with --all and records the results", async () => {
    const db = path.join(dir, "all.db");
    await cli(["scan", "--library", path.join(dir, "lib/ollama"), "--db", db, "--stable-ms", "0"]);
    const { code, stdout } = await cli(["verify", "--all", "--db", db, "--json"]);
    expect(code).toBe(0);
    const lines = JSON.parse(stdout) as { status: string; expectedSource: string }[];
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: "verified", expectedSource: "ollama-blob-name" });
    const jobs = await cli(["jobs", "--db", db, "--json"]);
    expect(jobs.code).toBe(0);
    expect(Array.isArray(JSON.parse(jobs.stdout))).toBe(true);
  });

  it("exits 2 without paths or --all", async () => {
    expect((await cli(["verify", "--db", path.join(dir, "x.db")])).code).toBe(2);
  });
});
