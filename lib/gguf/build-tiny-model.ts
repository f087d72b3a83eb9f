// Tiny but real language models: files llama.cpp loads and generates from
// (checked in test/gguf/llama-cpp.test.ts), used as test fixtures and for the
// demo library. Shapes follow formats.md 2.1/2.3; weights are seeded random
// numbers, so output is gibberish, but every byte is a valid GGUF model.

import { AppError } from "../errors.ts";
import { GgmlType, fileTypeCode } from "./ggml-types.ts";
import { GgufValueType, type GgufValue } from "./gguf-value-type.ts";
import { MAX_ARRAY_LENGTH, readGgufHeaderFromBytes } from "./read-gguf-header.ts";
import { writeGguf, type GgufKv, type GgufTensorInput, type GgufValueInput } from "./write-gguf.ts";

export type TinyArchitecture = "llama" | "qwen2" | "gemma2" | "phi3";
export type TinyFileType = "F32" | "F16" | "Q8_0" | "Q4_0";
export type TinyTokenizer = "llama" | "gpt2";

export interface TinyModelOptions {
  architecture?: TinyArchitecture;
  fileType?: TinyFileType;
  /** general.name; default "Tiny <Architecture>". */
  name?: string;
  /** general.basename; default the name in kebab case. */
  basename?: string;
  /** Seeds the weights: same options, same bytes. */
  seed?: number;
  /** "llama" = SentencePiece with byte fallback, "gpt2" = byte-level BPE with merges. Default: gpt2 for qwen2, else llama. */
  tokenizer?: TinyTokenizer;
  /** Omit output.weight (llama.cpp then reuses token_embd). gemma2 is always tied. */
  tiedEmbeddings?: boolean;
  alignment?: number;
  version?: 2 | 3;
  /** Jinja template; default ChatML. null leaves the key out. */
  chatTemplate?: string | null;
  license?: string;
  vocabSize?: number;
  embeddingLength?: number;
  blockCount?: number;
  headCount?: number;
  headCountKv?: number;
  feedForwardLength?: number;
  contextLength?: number;
  /** Appended after the generated keys (e.g. general.organization). */
  extraMetadata?: readonly GgufKv[];
}

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const TINY_FILE_TYPES: Record<TinyFileType, number> = { F32: GgmlType.F32, F16: GgmlType.F16, Q8_0: GgmlType.Q8_0, Q4_0: GgmlType.Q4_0 };

interface TensorSpec {
  name: string;
  dims: number[];
  /** 1-D tensors (norms, biases) stay F32 in every file type, as llama.cpp's quantizer leaves them. */
  kind: "matrix" | "norm" | "bias";
}

/** A complete GGUF model file (vocab 320, n_embd 64, 2 layers, 4/2 heads, n_ff 128, ctx 256 by default). */
export function buildTinyModel(options: TinyModelOptions = {}): Uint8Array {
  const architecture = options.architecture ?? "llama";
  const fileType = options.fileType ?? "F16";
  const tokenizer = options.tokenizer ?? (architecture === "qwen2" ? "gpt2" : "llama");
  const hp = {
    vocab: options.vocabSize ?? 320,
    embd: options.embeddingLength ?? 64,
    layers: options.blockCount ?? 2,
    heads: options.headCount ?? 4,
    kvHeads: options.headCountKv ?? 2,
    ff: options.feedForwardLength ?? 128,
    ctx: options.contextLength ?? 256,
  };
  for (const [key, value] of Object.entries(hp)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw invalid(`${key} must be a positive integer, got ${value}`);
  }
  if (hp.embd % hp.heads !== 0 || hp.heads % hp.kvHeads !== 0) throw invalid("embeddingLength must divide by headCount, headCount by headCountKv");
  const quantised = fileType === "Q8_0" || fileType === "Q4_0";
  if (quantised && (hp.embd % 32 !== 0 || hp.ff % 32 !== 0)) throw invalid(`${fileType} needs embeddingLength and feedForwardLength divisible by 32`);

  const tied = architecture === "gemma2" || (options.tiedEmbeddings ?? false);
  const specs = tensorSpecs(architecture, hp, tied);
  const matrixType = TINY_FILE_TYPES[fileType];
  const random = mulberry32(options.seed ?? 1);
  const tensors: GgufTensorInput[] = specs.map((spec) => {
    const type = spec.kind === "matrix" ? matrixType : GgmlType.F32;
    const values = new Float32Array(spec.dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) {
      values[i] = spec.kind === "norm" ? 1 : spec.kind === "bias" ? (random() - 0.5) * 0.02 : (random() - 0.5) * 0.1;
    }
    return { name: spec.name, dims: spec.dims, type, data: encodeTensor(values, type) };
  });
  const parameterCount = specs.reduce((sum, spec) => sum + spec.dims.reduce((a, b) => a * b, 1), 0);

  const name = options.name ?? `Tiny ${architecture[0]?.toUpperCase()}${architecture.slice(1)}`;
  const u32 = (key: string, value: number): GgufKv => ({ key, type: GgufValueType.UINT32, value });
  const f32 = (key: string, value: number): GgufKv => ({ key, type: GgufValueType.FLOAT32, value });
  const str = (key: string, value: string): GgufKv => ({ key, type: GgufValueType.STRING, value });
  const headDim = hp.embd / hp.heads;
  const metadata: GgufKv[] = [
    str("general.architecture", architecture),
    str("general.type", "model"),
    str("general.name", name),
    str("general.basename", options.basename ?? name.trim().toLowerCase().replace(/[\s/]+/g, "-")),
    str("general.size_label", formatSizeLabel(parameterCount)),
    ...(options.license === undefined ? [] : [str("general.license", options.license)]),
    u32("general.file_type", fileTypeCode(fileType) ?? 0),
    ...(quantised ? [u32("general.quantization_version", 2)] : []),
    // Hyperparameters as UINT32/FLOAT32: llama.cpp's get_key is type-exact (formats.md 1.6).
    u32(`${architecture}.context_length`, hp.ctx),
    u32(`${architecture}.embedding_length`, hp.embd),
    u32(`${architecture}.block_count`, hp.layers),
    u32(`${architecture}.feed_forward_length`, hp.ff),
    u32(`${architecture}.attention.head_count`, hp.heads),
    u32(`${architecture}.attention.head_count_kv`, hp.kvHeads),
    f32(`${architecture}.attention.layer_norm_rms_epsilon`, 1e-6),
    u32(`${architecture}.rope.dimension_count`, headDim),
    f32(`${architecture}.rope.freq_base`, architecture === "qwen2" ? 1_000_000 : 10_000),
    ...(architecture === "gemma2"
      ? [
          u32("gemma2.attention.key_length", headDim),
          u32("gemma2.attention.value_length", headDim),
          u32("gemma2.attention.sliding_window", Math.min(4096, hp.ctx)),
          f32("gemma2.attn_logit_softcapping", 50),
          f32("gemma2.final_logit_softcapping", 30),
        ]
      : []),
    ...(tokenizer === "llama" ? spmTokenizer(hp.vocab, architecture === "phi3" || /phi-?3/i.test(name) ? PHI3_SPECIAL_TOKENS : []) : bpeTokenizer(hp.vocab, architecture === "qwen2" ? "qwen2" : "default")),
    ...(options.chatTemplate === null ? [] : [str("tokenizer.chat_template", options.chatTemplate ?? CHATML_TEMPLATE)]),
    ...(options.extraMetadata ?? []),
  ];
  return writeGguf({ version: options.version ?? 3, alignment: options.alignment, metadata, tensors });
}

function tensorSpecs(architecture: TinyArchitecture, hp: { vocab: number; embd: number; layers: number; heads: number; kvHeads: number; ff: number }, tied: boolean): TensorSpec[] {
  const { vocab, embd, layers, ff } = hp;
  const kvDim = (embd / hp.heads) * hp.kvHeads;
  const specs: TensorSpec[] = [{ name: "token_embd.weight", dims: [embd, vocab], kind: "matrix" }];
  for (let i = 0; i < layers; i++) {
    const blk = (name: string, dims: number[], kind: TensorSpec["kind"] = "matrix"): void => {
      specs.push({ name: `blk.${i}.${name}`, dims, kind });
    };
    blk("attn_norm.weight", [embd], "norm");
    if (architecture === "phi3") {
      blk("attn_qkv.weight", [embd, embd + 2 * kvDim]);
    } else {
      blk("attn_q.weight", [embd, embd]);
      blk("attn_k.weight", [embd, kvDim]);
      blk("attn_v.weight", [embd, kvDim]);
      if (architecture === "qwen2") {
        blk("attn_q.bias", [embd], "bias");
        blk("attn_k.bias", [kvDim], "bias");
        blk("attn_v.bias", [kvDim], "bias");
      }
    }
    blk("attn_output.weight", [embd, embd]);
    if (architecture === "gemma2") blk("post_attention_norm.weight", [embd], "norm");
    blk("ffn_norm.weight", [embd], "norm");
    if (architecture === "phi3") {
      blk("ffn_up.weight", [embd, 2 * ff]);
    } else {
      blk("ffn_gate.weight", [embd, ff]);
      blk("ffn_up.weight", [embd, ff]);
    }
    blk("ffn_down.weight", [ff, embd]);
    if (architecture === "gemma2") blk("post_ffw_norm.weight", [embd], "norm");
  }
  specs.push({ name: "output_norm.weight", dims: [embd], kind: "norm" });
  if (!tied) specs.push({ name: "output.weight", dims: [embd, vocab], kind: "matrix" });
  return specs;
}

const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;

// llama.cpp looks these up (and fails to load without them) when general.name
// contains "phi3" or "phi-3" (llama-vocab.cpp).
const PHI3_SPECIAL_TOKENS = ["<|endoftext|>", "<|assistant|>", "<|end|>", "<|user|>", "<|system|>"];

/** SentencePiece vocabulary: <unk>, <s>, </s>, 256 byte tokens, control tokens, then ▁-prefixed pieces. */
function spmTokenizer(vocabSize: number, specials: readonly string[]): GgufKv[] {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_BYTE);
  }
  for (const special of specials) {
    tokens.push(special);
    types.push(TOKEN_CONTROL);
  }
  if (vocabSize < tokens.length + 1) throw invalid(`an SPM vocabulary needs more than ${tokens.length} tokens`);
  const letters = "etaoinshrdlcumwfgypbvkjxqz";
  const pieces = ["▁", ...Array.from(letters, (l) => `▁${l}`), ...letters, "▁the", "▁and", "▁of", "▁to", "▁in", "▁is", "er", "th"];
  for (let i = 0; tokens.length < vocabSize; i++) {
    tokens.push(pieces[i] ?? `▁w${i}`);
    types.push(TOKEN_NORMAL);
  }
  const scores = tokens.map((_, id) => (types[id] === TOKEN_NORMAL ? -id : 0));
  return [
    { key: "tokenizer.ggml.model", type: GgufValueType.STRING, value: "llama" },
    { key: "tokenizer.ggml.tokens", type: GgufValueType.ARRAY, value: { elementType: GgufValueType.STRING, items: tokens } },
    { key: "tokenizer.ggml.scores", type: GgufValueType.ARRAY, value: { elementType: GgufValueType.FLOAT32, items: scores } },
    { key: "tokenizer.ggml.token_type", type: GgufValueType.ARRAY, value: { elementType: GgufValueType.INT32, items: types } },
    { key: "tokenizer.ggml.bos_token_id", type: GgufValueType.UINT32, value: 1 },
    { key: "tokenizer.ggml.eos_token_id", type: GgufValueType.UINT32, value: 2 },
    { key: "tokenizer.ggml.unknown_token_id", type: GgufValueType.UINT32, value: 0 },
    { key: "tokenizer.ggml.add_bos_token", type: GgufValueType.BOOL, value: true },
    { key: "tokenizer.ggml.add_eos_token", type: GgufValueType.BOOL, value: false },
  ];
}

/** GPT-2 byte-level BPE: the 256 byte symbols, merged pairs, then ChatML control tokens. */
function bpeTokenizer(vocabSize: number, pre: string): GgufKv[] {
  const specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
  const tokens = byteSymbols();
  const known = new Set(tokens);
  const merges: string[] = [];
  const mergedCount = vocabSize - tokens.length - specials.length;
  if (mergedCount < 1) throw invalid(`a BPE vocabulary needs more than ${tokens.length + specials.length} tokens`);
  const addMerge = (left: string, right: string): void => {
    const merged = left + right;
    if (merges.length >= mergedCount || known.has(merged) || !known.has(left) || !known.has(right)) return;
    merges.push(`${left} ${right}`);
    tokens.push(merged);
    known.add(merged);
  };
  const letters = "tasowbcmfphdilnegruyvjkqxz";
  for (const l of letters) addMerge("Ġ", l);
  for (const pair of "th he in er an re on at en nd or es is it al ar st to nt ng ha ou ea le ve co me de hi ri ro ic ne as ll".split(" ")) {
    addMerge(pair[0] ?? "", pair.slice(1));
  }
  // Longer vocabularies: extend merged tokens by one letter (valid BPE: both halves exist).
  while (merges.length < mergedCount) {
    const before = merges.length;
    for (const base of tokens.slice(256)) for (const l of letters) addMerge(base, l);
    if (merges.length === before) throw invalid("could not generate enough BPE merges");
  }
  const firstSpecial = tokens.length;
  tokens.push(...specials);
  const types = tokens.map((_, id) => (id >= firstSpecial ? TOKEN_CONTROL : TOKEN_NORMAL));
  return [
    { key: "tokenizer.ggml.model", type: GgufValueType.STRING, value: "gpt2" },
    { key: "tokenizer.ggml.pre", type: GgufValueType.STRING, value: pre },
    { key: "tokenizer.ggml.tokens", type: GgufValueType.ARRAY, value: { elementType: GgufValueType.STRING, items: tokens } },
    { key: "tokenizer.ggml.token_type", type: GgufValueType.ARRAY, value: { elementType: GgufValueType.INT32, items: types } },
    { key: "tokenizer.ggml.merges", type: GgufValueType.ARRAY, value: { elementType: GgufValueType.STRING, items: merges } },
    { key: "tokenizer.ggml.bos_token_id", type: GgufValueType.UINT32, value: firstSpecial },
    { key: "tokenizer.ggml.eos_token_id", type: GgufValueType.UINT32, value: firstSpecial + 2 },
    { key: "tokenizer.ggml.padding_token_id", type: GgufValueType.UINT32, value: firstSpecial },
    { key: "tokenizer.ggml.add_bos_token", type: GgufValueType.BOOL, value: false },
  ];
}

/** GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest map to U+0100 onwards. */
function byteSymbols(): string[] {
  const symbols: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    symbols.push(String.fromCodePoint(printable ? b : next++));
  }
  return symbols;
}

/**
 * gguf-py's size label (utility.py model_weight_count_rounded_notation,
 * min_digits 2): 115008 → "115K", 9441792 → "9.4M", 7.24e9 → "7.2B".
 */
export function formatSizeLabel(parameterCount: number): string {
  const [scaled, suffix] =
    parameterCount > 1e12
      ? [parameterCount * 1e-12, "T"]
      : parameterCount > 1e9
        ? [parameterCount * 1e-9, "B"]
        : parameterCount > 1e6
          ? [parameterCount * 1e-6, "M"]
          : [parameterCount * 1e-3, "K"];
  const integerDigits = String(roundHalfEven(scaled)).replace(/^0+/, "").length;
  return `${scaled.toFixed(Math.max(2 - integerDigits, 0))}${suffix}`;
}

/** Python's round(): ties to even. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

function encodeTensor(values: Float32Array, type: number): Uint8Array {
  switch (type) {
    case GgmlType.F32: {
      const out = new Uint8Array(values.length * 4);
      const view = new DataView(out.buffer);
      values.forEach((v, i) => view.setFloat32(i * 4, v, true));
      return out;
    }
    case GgmlType.F16: {
      const out = new Uint8Array(values.length * 2);
      const view = new DataView(out.buffer);
      values.forEach((v, i) => view.setUint16(i * 2, float32ToFloat16Bits(v), true));
      return out;
    }
    case GgmlType.Q8_0:
      return quantizeQ8_0(values);
    case GgmlType.Q4_0:
      return quantizeQ4_0(values);
    default:
      throw invalid(`cannot encode tensors of type ${type}`);
  }
}

/** ggml quantize_row_q8_0_ref: per 32 values, f16 scale d = max|x|/127 and int8 round(x/d). */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  const blocks = values.length / 32;
  const out = new Uint8Array(blocks * 34);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(values[b * 32 + j] ?? 0));
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? 1 / d : 0;
    view.setUint16(b * 34, float32ToFloat16Bits(d), true);
    for (let j = 0; j < 32; j++) view.setInt8(b * 34 + 2 + j, roundHalfAway((values[b * 32 + j] ?? 0) * id));
  }
  return out;
}

/**
 * ggml quantize_row_q4_0_ref: per 32 values, f16 scale d = (value of largest
 * magnitude) / -8 and 4-bit q = x/d + 8; byte j holds q[j] low and q[j+16] high.
 */
export function quantizeQ4_0(values: Float32Array): Uint8Array {
  const blocks = values.length / 32;
  const out = new Uint8Array(blocks * 18);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = values[b * 32 + j] ?? 0;
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d !== 0 ? 1 / d : 0;
    view.setUint16(b * 18, float32ToFloat16Bits(d), true);
    for (let j = 0; j < 16; j++) {
      const lo = Math.min(15, Math.trunc((values[b * 32 + j] ?? 0) * id + 8.5));
      const hi = Math.min(15, Math.trunc((values[b * 32 + 16 + j] ?? 0) * id + 8.5));
      view.setUint8(b * 18 + 2 + j, lo | (hi << 4));
    }
  }
  return out;
}

function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE half precision bits of a number, rounded to nearest even (as ggml's FP32→FP16). */
export function float32ToFloat16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** Seeded PRNG (mulberry32): deterministic fixtures without a dependency. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** llama.cpp's shard names: "<prefix>-00001-of-00003.gguf" (1-based). */
export function ggufShardFileName(prefix: string, index: number, count: number): string {
  return `${prefix}-${String(index + 1).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.gguf`;
}

/**
 * Splits a model the way llama.cpp's gguf-split does (formats.md 1.10): every
 * shard is a complete GGUF file; shard 0 keeps all metadata plus split.no
 * (UINT16, 0-based), split.count (UINT16) and split.tensors.count (INT32);
 * the other shards hold only those three keys (so their alignment is the
 * default 32). Tensors keep their order and are spread evenly.
 */
export function splitGguf(modelBytes: Uint8Array, shardCount: number): Uint8Array[] {
  // Every array whole: the shards must carry the exact metadata.
  const header = readGgufHeaderFromBytes(modelBytes, {
    fileLabel: "splitGguf input",
    limits: { inlineArrayLength: MAX_ARRAY_LENGTH, maxInlineArrayItems: Number.MAX_SAFE_INTEGER },
  });
  const n = header.tensorCount;
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > n || shardCount > 0xffff) {
    throw new AppError("invalid-input", `splitGguf: shardCount must be an integer from 1 to the tensor count ${n}, got ${shardCount}`);
  }
  if (header.metadata.has("split.count")) throw new AppError("invalid-input", "splitGguf: the model is already split");

  const metadata = Array.from(header.metadata.values(), (entry): GgufKv => ({ key: entry.key, type: entry.type, value: toInput(entry.value) }));
  const tensors = header.tensors.map((tensor): GgufTensorInput => {
    if (tensor.byteSize === null) throw new AppError("invalid-input", `splitGguf: tensor ${tensor.name} has an unknown type, its size is unknown`);
    const start = header.tensorDataOffset + Number(tensor.offset);
    return { name: tensor.name, dims: tensor.dims, type: tensor.type, data: modelBytes.subarray(start, start + Number(tensor.byteSize)) };
  });

  const shards: Uint8Array[] = [];
  for (let s = 0; s < shardCount; s++) {
    const splitKeys: GgufKv[] = [
      { key: "split.no", type: GgufValueType.UINT16, value: s },
      { key: "split.count", type: GgufValueType.UINT16, value: shardCount },
      { key: "split.tensors.count", type: GgufValueType.INT32, value: n },
    ];
    shards.push(
      writeGguf({
        version: header.version,
        metadata: s === 0 ? [...metadata, ...splitKeys] : splitKeys,
        tensors: tensors.slice(Math.floor((s * n) / shardCount), Math.floor(((s + 1) * n) / shardCount)),
      }),
    );
  }
  return shards;
}

function toInput(value: GgufValue): GgufValueInput {
  if (typeof value !== "object") return value;
  return { elementType: value.elementType, items: value.head.map(toInput) };
}

function invalid(message: string): AppError {
  return new AppError("invalid-input", `buildTinyModel: ${message}`);
}
