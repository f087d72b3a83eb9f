// `modelshelf fit`, run as a user would (a child process).
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTinyModel } from "../../lib/gguf/build-tiny-model.ts";

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, "..", "..", "bin", "modelshelf.js");
let dir: string;
let model: string;
let modelBytes: number;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, MODELSHELF_LOG_LEVEL: "error" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "modelshelf-fit-cli-"));
  model = path.join(dir, "tiny-gqa.gguf");
  const bytes = buildTinyModel({ embeddingLength: 512, headCount: 8, headCountKv: 2, blockCount: 4, feedForwardLength: 1024, contextLength: 4096, seed: 3 });
  modelBytes = bytes.length;
  await writeFile(model, bytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("modelshelf fit", () => {
  it("prints every term of a GGUF file's estimate as JSON", async () => {
    const { code, stdout } = await cli(["fit", model, "--ctx", "4096", "--json"]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.model).toMatchObject({ architecture: "llama", quant: "F16", source: "gguf", nativeContext: 4096 });
    // 4 layers × 4096 cells × 2 KV heads × 64 × (K + V) × 2 B = 8 MiB, as llama.cpp allocates (formats.md §2.4).
    expect(out.kvCacheBytes).toBe(8 * 1024 * 1024);
    expect(out.weightsBytes).toBeGreaterThan(0);
    expect(out.weightsBytes + out.breakdown.overhead.header.bytes).toBe(modelBytes);
    expect(out.totalBytes).toBe(out.weightsBytes + out.kvCacheBytes + out.computeBytes + out.overheadBytes);
    expect(out).not.toHaveProperty("fits");
  });

  it("estimates a reference model at a quantisation and context, and fits it on a host", async () => {
    const { code, stdout } = await cli(["fit", "qwen2.5-7b", "--quant", "Q4_K_M", "--ctx", "8192", "--ram", "16GB", "--json"]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.model).toMatchObject({ name: "Qwen2.5 7B Instruct", quant: "Q4_K_M", source: "reference" });
    expect(out.contextLength).toBe(8192);
    expect(out.fits).toBe("cpu");
    expect(out.maxContext).toBe(32_768);
    expect(out.maxContextByPlacement).toEqual({ gpu: null, partial: null, cpu: 32_768 });
  });

  it("reports a partial offload with the layers on the GPU", async () => {
    const { code, stdout } = await cli(["fit", "qwen2.5-7b", "--ctx", "32768", "--ram", "32GB", "--vram", "8GB", "--json"]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.fits).toBe("partial");
    expect(out.gpuLayers).toBeGreaterThan(0);
    expect(out.gpuLayers).toBeLessThan(28);
  });

  it("uses the cache type and flash attention it is given", async () => {
    const f16 = JSON.parse((await cli(["fit", model, "--ctx", "4096", "--json"])).stdout);
    const q8 = JSON.parse((await cli(["fit", model, "--ctx", "4096", "--cache-type", "q8_0", "--flash-attention", "--json"])).stdout);
    expect(q8.kvCacheBytes).toBe((f16.kvCacheBytes * 34) / 32 / 2);
    expect(q8.kvCache.layout).toMatchObject({ cacheTypeK: "q8_0", cacheTypeV: "q8_0", flashAttention: true });
  });

  it("exits 1 when the model does not fit the host", async () => {
    const { code, stdout } = await cli(["fit", "llama3.1-70b", "--ctx", "4096", "--ram", "16GB", "--json"]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ fits: "none", maxContext: null });
  });

  it("prints a readable breakdown without --json", async () => {
    const { code, stdout } = await cli(["fit", "qwen2.5-7b", "--ctx", "4096", "--ram", "24GB", "--vram", "24GB"]);
    expect(code).toBe(0);
    for (const label of ["weightsBytes", "kvCacheBytes", "computeBytes", "overheadBytes", "totalBytes", "fits", "maxContext"]) {
      expect(stdout).toMatch(new RegExp(`^${label}\\s`, "m"));
    }
    expect(stdout).toMatch(/^fits\s+gpu — all 28 layers/m);
  });

  it("exits 1 with a one-line error for a file it cannot read", async () => {
    const { code, stderr } = await cli(["fit", path.join(dir, "missing.gguf")]);
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it.each([
    [["fit", "no-such-model"], /"no-such-model" is neither a file nor a reference model; known: qwen2\.5-0\.5b/],
    [["fit", "qwen2.5-7b", "--quant", "Q9_Z"], /unknown quantisation "Q9_Z"/],
    [["fit", "qwen2.5-7b", "--cache-type", "q3"], /--cache-type must be one of f32, f16/],
    [["fit", "qwen2.5-7b", "--ctx", "lots"], /--ctx must be a positive integer, got "lots"/],
    [["fit", "qwen2.5-7b", "--vram", "24GB"], /--vram, --unified and --os-reserve need --ram/],
    [["fit", "qwen2.5-7b", "--ram", "big"], /not a memory size: "big"/],
  ])("exits 2 on a usage error: %j", async (args, message) => {
    const { code, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it("refuses --quant for a GGUF file, which has its own", async () => {
    const { code, stderr } = await cli(["fit", model, "--quant", "Q4_K_M"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--quant applies to reference models/);
  });

  it("documents its options and exit codes in --help", async () => {
    const { code, stdout } = await cli(["fit", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("modelshelf fit");
    expect(stdout).toContain("Exit status: 0 estimate printed");
    for (const option of ["--quant", "--ctx", "--cache-type", "--ram", "--vram", "--json"]) expect(stdout).toContain(option);
  });
});
