// Generates trees of GGUF files for benchmarks: real llama-shaped headers,
// tensor data left as sparse holes so apparent sizes are realistic.
import { mkdir, open } from "node:fs/promises";
import path from "node:path";
import { GgmlType, GgufValueType, writeGgufHeaderOnly, type GgufKv } from "../lib/gguf/index.ts";

interface Shape {
  layers: number;
  embd: number;
  ff: number;
  heads: number;
  kvHeads: number;
  vocab: number;
}

/** A llama-architecture header with real tensor shapes and a full token list. */
function header(shape: Shape, seed: number): { header: Uint8Array; fileSize: number } {
  const tokens = Array.from({ length: shape.vocab }, (_, i) => (i < 3 ? ["<unk>", "<s>", "</s>"][i]! : `▁tok${i}_${seed % 97}`));
  const u32 = (key: string, value: number): GgufKv => ({ key, type: GgufValueType.UINT32, value });
  const str = (key: string, value: string): GgufKv => ({ key, type: GgufValueType.STRING, value });
  const metadata: GgufKv[] = [
    str("general.architecture", "llama"),
    str("general.name", `Bench Model ${seed}`),
    u32("general.file_type", 15),
    u32("llama.context_length", 8192),
    u32("llama.embedding_length", shape.embd),
    u32("llama.block_count", shape.layers),
    u32("llama.feed_forward_length", shape.ff),
    u32("llama.attention.head_count", shape.heads),
    u32("llama.attention.head_count_kv", shape.kvHeads),
    { key: "llama.attention.layer_norm_rms_epsilon", type: GgufValueType.FLOAT32, value: 1e-5 },
    str("tokenizer.ggml.model", "llama"),
    { key: "tokenizer.ggml.tokens", type: GgufValueType.ARRAY, value: { elementType: GgufValueType.STRING, items: tokens } },
    { key: "tokenizer.ggml.scores", type: GgufValueType.ARRAY, value: { elementType: GgufValueType.FLOAT32, items: new Float32Array(shape.vocab) } },
    { key: "tokenizer.ggml.token_type", type: GgufValueType.ARRAY, value: { elementType: GgufValueType.INT32, items: new Int32Array(shape.vocab).fill(1) } },
    str("tokenizer.chat_template", "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"),
  ];
  const kvDim = (shape.embd / shape.heads) * shape.kvHeads;
  const tensors = [
    { name: "token_embd.weight", dims: [shape.embd, shape.vocab], type: GgmlType.Q4_K },
    { name: "output_norm.weight", dims: [shape.embd], type: GgmlType.F32 },
    { name: "output.weight", dims: [shape.embd, shape.vocab], type: GgmlType.Q6_K },
  ];
  for (let l = 0; l < shape.layers; l++) {
    tensors.push(
      { name: `blk.${l}.attn_norm.weight`, dims: [shape.embd], type: GgmlType.F32 },
      { name: `blk.${l}.attn_q.weight`, dims: [shape.embd, shape.embd], type: GgmlType.Q4_K },
      { name: `blk.${l}.attn_k.weight`, dims: [shape.embd, kvDim], type: GgmlType.Q4_K },
      { name: `blk.${l}.attn_v.weight`, dims: [shape.embd, kvDim], type: GgmlType.Q6_K },
      { name: `blk.${l}.attn_output.weight`, dims: [shape.embd, shape.embd], type: GgmlType.Q4_K },
      { name: `blk.${l}.ffn_norm.weight`, dims: [shape.embd], type: GgmlType.F32 },
      { name: `blk.${l}.ffn_gate.weight`, dims: [shape.embd, shape.ff], type: GgmlType.Q4_K },
      { name: `blk.${l}.ffn_up.weight`, dims: [shape.embd, shape.ff], type: GgmlType.Q4_K },
      { name: `blk.${l}.ffn_down.weight`, dims: [shape.ff, shape.embd], type: GgmlType.Q6_K },
    );
  }
  return writeGgufHeaderOnly({ metadata, tensors });
}

const sevenB = (vocab: number): Shape => ({ layers: 32, embd: 4096, ff: 11008, heads: 32, kvHeads: 32, vocab });
const seventyB = (vocab: number): Shape => ({ layers: 80, embd: 8192, ff: 28672, heads: 64, kvHeads: 8, vocab });
const SMALL: Shape = { layers: 2, embd: 256, ff: 512, heads: 4, kvHeads: 2, vocab: 256 };

async function writeSparse(file: string, bytes: Uint8Array, size: number): Promise<void> {
  const handle = await open(file, "w");
  try {
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
}

/**
 * Writes `count` GGUF files with real llama-shaped headers whose tensor data
 * is a sparse hole (7B-class, the first `sparseCount` 70B-class; `small`: tiny
 * 2-layer headers), 250 per folder.
 */
export async function generateGgufTree(
  dir: string,
  count: number,
  options: { sparseCount?: number; small?: boolean; vocab?: number } = {},
): Promise<{ paths: string[]; apparentBytes: number; headerBytes: number }> {
  const sparseCount = options.sparseCount ?? 0;
  const small = options.small ?? false;
  const vocab = options.vocab ?? 32_000;
  const paths: string[] = [];
  let apparentBytes = 0;
  let headerBytes = 0;
  for (let i = 0; i < count; i++) {
    const shape = small ? SMALL : i < sparseCount ? seventyB(vocab) : sevenB(vocab);
    const built = header(shape, i);
    const sub = path.join(dir, `d${String(Math.floor(i / 250)).padStart(3, "0")}`);
    await mkdir(sub, { recursive: true });
    const file = path.join(sub, `bench-${String(i).padStart(6, "0")}.gguf`);
    await writeSparse(file, built.header, built.fileSize);
    paths.push(file);
    apparentBytes += built.fileSize;
    headerBytes += built.header.length;
  }
  return { paths, apparentBytes, headerBytes };
}

