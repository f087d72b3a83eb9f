// Generates the demo library shown on a fresh install: tiny but real GGUF
// models (llama.cpp loads them) of several architectures and quantisations,
// one split into shards, and an Ollama store whose model blob is
// byte-identical to one of the raw files. Written to a temp dir and renamed,
// so a crash never leaves half a demo behind.
import { createHash } from "node:crypto";
import { access, mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildTinyModel, splitGguf } from "../gguf/index.ts";

export const DEMO_DIR_NAME = "demo-library";

export interface DemoFile {
  relPath: string;
  bytes: Uint8Array;
}

const QWEN_TEMPLATE =
  "{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n";

function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The demo content, as files relative to the demo directory (pure). */
export function buildDemoFiles(): DemoFile[] {
  const llamaF16 = buildTinyModel({ architecture: "llama", fileType: "F16", name: "TinyLlama Chat", seed: 1, tokenizer: "llama" });
  const llamaQ8 = buildTinyModel({ architecture: "llama", fileType: "Q8_0", name: "TinyLlama Chat", seed: 1, tokenizer: "llama" });
  const qwenQ4 = buildTinyModel({ architecture: "qwen2", fileType: "Q4_0", name: "TinyQwen Instruct", seed: 2, tokenizer: "gpt2", license: "apache-2.0" });
  const gemmaQ8 = buildTinyModel({ architecture: "gemma2", fileType: "Q8_0", name: "TinyGemma 2", seed: 4, tokenizer: "llama", license: "gemma" });
  const baseF32 = buildTinyModel({ architecture: "llama", fileType: "F32", name: "TinyLlama Base", seed: 3, tokenizer: "llama" });
  const shards = splitGguf(baseF32, 3);

  const files: DemoFile[] = [
    { relPath: "gguf/llama/TinyLlama-Chat-F16.gguf", bytes: llamaF16 },
    { relPath: "gguf/llama/TinyLlama-Chat-Q8_0.gguf", bytes: llamaQ8 },
    { relPath: "gguf/qwen/TinyQwen-Instruct-Q4_0.gguf", bytes: qwenQ4 },
    { relPath: "gguf/gemma/TinyGemma-2-Q8_0.gguf", bytes: gemmaQ8 },
    ...shards.map((bytes, i) => ({
      relPath: `gguf/split/TinyLlama-Base-F32-${String(i + 1).padStart(5, "0")}-of-${String(shards.length).padStart(5, "0")}.gguf`,
      bytes,
    })),
  ];

  // Checksums as model publishers ship them: a SHA256SUMS list and a sidecar.
  files.push({
    relPath: "gguf/llama/SHA256SUMS",
    bytes: new TextEncoder().encode(`${sha256(llamaF16)}  TinyLlama-Chat-F16.gguf\n${sha256(llamaQ8)} *TinyLlama-Chat-Q8_0.gguf\n`),
  });
  files.push({ relPath: "gguf/qwen/TinyQwen-Instruct-Q4_0.gguf.sha256", bytes: new TextEncoder().encode(`${sha256(qwenQ4)}\n`) });

  // Ollama store: the qwen model again, as `tinyqwen:latest`.
  const encoder = new TextEncoder();
  const textLayers: [string, Uint8Array][] = [
    ["application/vnd.ollama.image.template", encoder.encode(QWEN_TEMPLATE)],
    ["application/vnd.ollama.image.system", encoder.encode("You are a tiny demo model. You know nothing.")],
    ["application/vnd.ollama.image.params", encoder.encode(JSON.stringify({ stop: ["<|im_start|>", "<|im_end|>"], num_ctx: 256 }))],
    ["application/vnd.ollama.image.license", encoder.encode("Apache License 2.0 (demo fixture)")],
  ];
  const config = encoder.encode(
    JSON.stringify({ model_format: "gguf", model_family: "qwen2", model_families: ["qwen2"], model_type: "demo", file_type: "Q4_0", architecture: "amd64", os: "linux" }),
  );
  const layer = (mediaType: string, bytes: Uint8Array) => ({ mediaType, digest: `sha256:${sha256(bytes)}`, size: bytes.byteLength });
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: layer("application/vnd.docker.container.image.v1+json", config),
    layers: [layer("application/vnd.ollama.image.model", qwenQ4), ...textLayers.map(([type, bytes]) => layer(type, bytes))],
  };
  for (const bytes of [qwenQ4, config, ...textLayers.map(([, b]) => b)]) {
    files.push({ relPath: `ollama/blobs/sha256-${sha256(bytes)}`, bytes });
  }
  files.push({
    relPath: "ollama/manifests/registry.ollama.ai/library/tinyqwen/latest",
    bytes: encoder.encode(JSON.stringify(manifest)),
  });
  return files;
}

/** Creates <dataDir>/demo-library once; returns its library roots. */
export async function ensureDemoLibrary(dataDir: string): Promise<string[]> {
  const demoDir = path.join(dataDir, DEMO_DIR_NAME);
  const roots = [path.join(demoDir, "gguf"), path.join(demoDir, "ollama")];
  const marker = path.join(demoDir, ".complete");
  if (await exists(marker)) return roots;
  const staging = `${demoDir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  for (const file of buildDemoFiles()) {
    const target = path.join(staging, file.relPath);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.bytes);
  }
  await writeFile(path.join(staging, ".complete"), `generated ${new Date().toISOString()}\n`);
  await rm(demoDir, { recursive: true, force: true });
  await rename(staging, demoDir);
  return roots;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
