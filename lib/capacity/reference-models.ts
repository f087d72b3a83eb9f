// Built-in reference models: architecture hyperparameters of common open models, so storage and memory
// planning work for models not in the library yet. Every value is from the official repository's
// config.json on Hugging Face (cited per model); `parameters` is the safetensors total, which the
// hyperparameters reproduce exactly (test/capacity/reference-models.test.ts recomputes it).

export interface ReferenceModel {
  /** "qwen2.5-7b" */
  id: string;
  /** "Qwen2.5 7B Instruct" */
  name: string;
  family: string;
  /** GGUF general.architecture: "qwen2", "llama", "gemma2", "nomic-bert", "bert". */
  architecture: string;
  parameters: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  embedding: number;
  feedForward: number;
  vocab: number;
  /** Native (trained) context: config.json max_position_embeddings, as the GGUF converter stores it. */
  contextLength: number;
  /**
   * Sliding-window attention, in llama.cpp's pattern (`llama_hparams::set_swa_pattern`): layer `il` uses
   * the window when `il % everyNthLayer < everyNthLayer - 1`, so every Nth layer (the last of each group)
   * attends globally. Gemma 2: { size: 4096, everyNthLayer: 2 } — even layers local, odd layers global.
   */
  slidingWindow: { size: number; everyNthLayer: number } | null;
  /** The output (LM head) reuses the token embedding. Embedding models have no LM head: false. */
  tiedEmbeddings: boolean;
  kind: "chat" | "embedding";
  source: string;
}

interface Entry extends ReferenceModel {
  /** Ollama library names that pull this model ("qwen2.5:7b"); "name:latest" also matches a bare "name". */
  ollama: readonly string[];
}

function hf(repo: string, note = ""): string {
  return `${repo} config.json (huggingface.co/${repo}); parameters: safetensors total${note}`;
}

type Shape = Omit<ReferenceModel, "id" | "name" | "family" | "architecture" | "kind" | "source" | "parameters">;

const QWEN25_SMALL_VOCAB = 151_936;
const QWEN25_VOCAB = 152_064;
const LLAMA3_VOCAB = 128_256;
const GEMMA2_VOCAB = 256_000;
const GEMMA2_WINDOW = { size: 4096, everyNthLayer: 2 };

function qwen(shape: Partial<Shape> & Pick<Shape, "layers" | "heads" | "kvHeads" | "embedding" | "feedForward">): Shape {
  return {
    headDim: shape.embedding / shape.heads,
    vocab: QWEN25_VOCAB,
    contextLength: 32_768,
    slidingWindow: null,
    tiedEmbeddings: false,
    ...shape,
  };
}

function llama(shape: Partial<Shape> & Pick<Shape, "layers" | "heads" | "kvHeads" | "embedding" | "feedForward">): Shape {
  return {
    headDim: shape.embedding / shape.heads,
    vocab: LLAMA3_VOCAB,
    contextLength: 131_072,
    slidingWindow: null,
    tiedEmbeddings: false,
    ...shape,
  };
}

const ENTRIES: readonly Entry[] = [
  // Qwen2.5 (Instruct). use_sliding_window is false in every config.json, so no window.
  {
    id: "qwen2.5-0.5b", name: "Qwen2.5 0.5B Instruct", family: "qwen2.5", architecture: "qwen2", kind: "chat",
    parameters: 494_032_768, ...qwen({ layers: 24, heads: 14, kvHeads: 2, embedding: 896, feedForward: 4864, vocab: QWEN25_SMALL_VOCAB, tiedEmbeddings: true }),
    source: hf("Qwen/Qwen2.5-0.5B-Instruct"), ollama: ["qwen2.5:0.5b"],
  },
  {
    id: "qwen2.5-1.5b", name: "Qwen2.5 1.5B Instruct", family: "qwen2.5", architecture: "qwen2", kind: "chat",
    parameters: 1_543_714_304, ...qwen({ layers: 28, heads: 12, kvHeads: 2, embedding: 1536, feedForward: 8960, vocab: QWEN25_SMALL_VOCAB, tiedEmbeddings: true }),
    source: hf("Qwen/Qwen2.5-1.5B-Instruct"), ollama: ["qwen2.5:1.5b"],
  },
  {
    id: "qwen2.5-3b", name: "Qwen2.5 3B Instruct", family: "qwen2.5", architecture: "qwen2", kind: "chat",
    parameters: 3_085_938_688, ...qwen({ layers: 36, heads: 16, kvHeads: 2, embedding: 2048, feedForward: 11008, vocab: QWEN25_SMALL_VOCAB, tiedEmbeddings: true }),
    source: hf("Qwen/Qwen2.5-3B-Instruct"), ollama: ["qwen2.5:3b"],
  },
  {
    id: "qwen2.5-7b", name: "Qwen2.5 7B Instruct", family: "qwen2.5", architecture: "qwen2", kind: "chat",
    parameters: 7_615_616_512, ...qwen({ layers: 28, heads: 28, kvHeads: 4, embedding: 3584, feedForward: 18944 }),
    source: hf("Qwen/Qwen2.5-7B-Instruct"), ollama: ["qwen2.5:7b", "qwen2.5:latest"],
  },
  {
    id: "qwen2.5-14b", name: "Qwen2.5 14B Instruct", family: "qwen2.5", architecture: "qwen2", kind: "chat",
    parameters: 14_770_033_664, ...qwen({ layers: 48, heads: 40, kvHeads: 8, embedding: 5120, feedForward: 13824 }),
    source: hf("Qwen/Qwen2.5-14B-Instruct"), ollama: ["qwen2.5:14b"],
  },
  {
    id: "qwen2.5-32b", name: "Qwen2.5 32B Instruct", family: "qwen2.5", architecture: "qwen2", kind: "chat",
    parameters: 32_763_876_352, ...qwen({ layers: 64, heads: 40, kvHeads: 8, embedding: 5120, feedForward: 27648 }),
    source: hf("Qwen/Qwen2.5-32B-Instruct"), ollama: ["qwen2.5:32b"],
  },
  {
    id: "qwen2.5-72b", name: "Qwen2.5 72B Instruct", family: "qwen2.5", architecture: "qwen2", kind: "chat",
    parameters: 72_706_203_648, ...qwen({ layers: 80, heads: 64, kvHeads: 8, embedding: 8192, feedForward: 29568 }),
    source: hf("Qwen/Qwen2.5-72B-Instruct"), ollama: ["qwen2.5:72b"],
  },
  // Llama 3.x (Instruct)
  {
    id: "llama3.1-8b", name: "Llama 3.1 8B Instruct", family: "llama3.1", architecture: "llama", kind: "chat",
    parameters: 8_030_261_248, ...llama({ layers: 32, heads: 32, kvHeads: 8, embedding: 4096, feedForward: 14336 }),
    source: hf("meta-llama/Llama-3.1-8B-Instruct"), ollama: ["llama3.1:8b", "llama3.1:latest"],
  },
  {
    id: "llama3.1-70b", name: "Llama 3.1 70B Instruct", family: "llama3.1", architecture: "llama", kind: "chat",
    parameters: 70_553_706_496, ...llama({ layers: 80, heads: 64, kvHeads: 8, embedding: 8192, feedForward: 28672 }),
    source: hf("meta-llama/Llama-3.1-70B-Instruct"), ollama: ["llama3.1:70b"],
  },
  {
    id: "llama3.2-1b", name: "Llama 3.2 1B Instruct", family: "llama3.2", architecture: "llama", kind: "chat",
    parameters: 1_235_814_400, ...llama({ layers: 16, heads: 32, kvHeads: 8, embedding: 2048, feedForward: 8192, tiedEmbeddings: true }),
    source: hf("meta-llama/Llama-3.2-1B-Instruct"), ollama: ["llama3.2:1b"],
  },
  {
    id: "llama3.2-3b", name: "Llama 3.2 3B Instruct", family: "llama3.2", architecture: "llama", kind: "chat",
    parameters: 3_212_749_824, ...llama({ layers: 28, heads: 24, kvHeads: 8, embedding: 3072, feedForward: 8192, tiedEmbeddings: true }),
    source: hf("meta-llama/Llama-3.2-3B-Instruct"), ollama: ["llama3.2:3b", "llama3.2:latest"],
  },
  {
    id: "llama3.3-70b", name: "Llama 3.3 70B Instruct", family: "llama3.3", architecture: "llama", kind: "chat",
    parameters: 70_553_706_496, ...llama({ layers: 80, heads: 64, kvHeads: 8, embedding: 8192, feedForward: 28672 }),
    source: hf("meta-llama/Llama-3.3-70B-Instruct"), ollama: ["llama3.3:70b", "llama3.3:latest"],
  },
  // DeepSeek-R1 distills on Qwen2.5 bases (Qwen2 architecture; 131072-token context in their configs).
  // deepseek-r1:latest on Ollama is a later Qwen3-based distill, so it is deliberately not an alias.
  {
    id: "deepseek-r1-7b", name: "DeepSeek-R1 Distill Qwen 7B", family: "deepseek-r1", architecture: "qwen2", kind: "chat",
    parameters: 7_615_616_512, ...qwen({ layers: 28, heads: 28, kvHeads: 4, embedding: 3584, feedForward: 18944, contextLength: 131_072 }),
    source: hf("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "; use_sliding_window false"), ollama: ["deepseek-r1:7b"],
  },
  {
    id: "deepseek-r1-14b", name: "DeepSeek-R1 Distill Qwen 14B", family: "deepseek-r1", architecture: "qwen2", kind: "chat",
    parameters: 14_770_033_664, ...qwen({ layers: 48, heads: 40, kvHeads: 8, embedding: 5120, feedForward: 13824, contextLength: 131_072 }),
    source: hf("deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", "; use_sliding_window false"), ollama: ["deepseek-r1:14b"],
  },
  {
    id: "deepseek-r1-32b", name: "DeepSeek-R1 Distill Qwen 32B", family: "deepseek-r1", architecture: "qwen2", kind: "chat",
    parameters: 32_763_876_352, ...qwen({ layers: 64, heads: 40, kvHeads: 8, embedding: 5120, feedForward: 27648, contextLength: 131_072 }),
    source: hf("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", "; use_sliding_window false"), ollama: ["deepseek-r1:32b"],
  },
  // Mistral 7B v0.3: converted to GGUF as architecture "llama"; v0.3 has no sliding window (v0.1 had 4096).
  {
    id: "mistral-7b", name: "Mistral 7B Instruct v0.3", family: "mistral", architecture: "llama", kind: "chat",
    parameters: 7_248_023_552, ...llama({ layers: 32, heads: 32, kvHeads: 8, embedding: 4096, feedForward: 14336, vocab: 32_768, contextLength: 32_768 }),
    source: hf("mistralai/Mistral-7B-Instruct-v0.3", "; sliding_window null"), ollama: ["mistral:7b", "mistral:latest"],
  },
  // Gemma 2 (IT): head_dim is set explicitly (not embedding / heads); tied embeddings; local/global alternation.
  {
    id: "gemma2-2b", name: "Gemma 2 2B IT", family: "gemma2", architecture: "gemma2", kind: "chat",
    parameters: 2_614_341_888, layers: 26, heads: 8, kvHeads: 4, headDim: 256, embedding: 2304, feedForward: 9216, vocab: GEMMA2_VOCAB,
    contextLength: 8192, slidingWindow: GEMMA2_WINDOW, tiedEmbeddings: true,
    source: hf("google/gemma-2-2b-it", "; sliding_window 4096 on every other layer (llama.cpp swa pattern 2)"), ollama: ["gemma2:2b"],
  },
  {
    id: "gemma2-9b", name: "Gemma 2 9B IT", family: "gemma2", architecture: "gemma2", kind: "chat",
    parameters: 9_241_705_984, layers: 42, heads: 16, kvHeads: 8, headDim: 256, embedding: 3584, feedForward: 14336, vocab: GEMMA2_VOCAB,
    contextLength: 8192, slidingWindow: GEMMA2_WINDOW, tiedEmbeddings: true,
    source: hf("google/gemma-2-9b-it", "; sliding_window 4096 on every other layer (llama.cpp swa pattern 2)"), ollama: ["gemma2:9b", "gemma2:latest"],
  },
  {
    id: "gemma2-27b", name: "Gemma 2 27B IT", family: "gemma2", architecture: "gemma2", kind: "chat",
    parameters: 27_227_128_320, layers: 46, heads: 32, kvHeads: 16, headDim: 128, embedding: 4608, feedForward: 36864, vocab: GEMMA2_VOCAB,
    contextLength: 8192, slidingWindow: GEMMA2_WINDOW, tiedEmbeddings: true,
    source: hf("google/gemma-2-27b-it", "; sliding_window 4096 on every other layer (llama.cpp swa pattern 2)"), ollama: ["gemma2:27b"],
  },
  // Embedding models (encoders: no KV cache growth with generation, no LM head).
  {
    id: "nomic-embed-text", name: "nomic-embed-text v1.5", family: "nomic-embed-text", architecture: "nomic-bert", kind: "embedding",
    parameters: 136_731_648, layers: 12, heads: 12, kvHeads: 12, headDim: 64, embedding: 768, feedForward: 3072, vocab: 30_528,
    contextLength: 2048, slidingWindow: null, tiedEmbeddings: false,
    source: hf(
      "nomic-ai/nomic-embed-text-v1.5",
      "; context 2048: n_positions 8192 with max_trained_positions 2048, which llama.cpp's converter (conversion/bert.py) stores as 2048",
    ),
    ollama: ["nomic-embed-text:latest", "nomic-embed-text:v1.5"],
  },
  {
    id: "mxbai-embed-large", name: "mxbai-embed-large v1", family: "mxbai-embed-large", architecture: "bert", kind: "embedding",
    parameters: 335_141_888, layers: 24, heads: 16, kvHeads: 16, headDim: 64, embedding: 1024, feedForward: 4096, vocab: 30_522,
    contextLength: 512, slidingWindow: null, tiedEmbeddings: false,
    source: hf("mixedbread-ai/mxbai-embed-large-v1", " (incl. the 1.05M-parameter pooler)"),
    ollama: ["mxbai-embed-large:latest", "mxbai-embed-large:335m", "mxbai-embed-large:v1"],
  },
];

function toReferenceModel(entry: Entry): ReferenceModel {
  const { ollama: _ollama, ...model } = entry;
  return model;
}

export const REFERENCE_MODELS: readonly ReferenceModel[] = ENTRIES.map(toReferenceModel);

const BY_KEY: ReadonlyMap<string, ReferenceModel> = (() => {
  const map = new Map<string, ReferenceModel>();
  ENTRIES.forEach((entry, index) => {
    const model = REFERENCE_MODELS[index];
    if (!model) return;
    // The Hugging Face repository ("Qwen/Qwen2.5-7B-Instruct") leads the source citation.
    const repo = /^(\S+\/\S+) config\.json/.exec(entry.source)?.[1];
    for (const key of [entry.id, entry.name, ...entry.ollama, ...(repo ? [repo] : [])]) map.set(key.toLowerCase(), model);
  });
  return map;
})();

/**
 * A reference model by id ("qwen2.5-7b"), name ("Qwen2.5 7B Instruct"), Hugging Face repository
 * ("Qwen/Qwen2.5-7B-Instruct") or Ollama name ("qwen2.5:7b", "qwen2.5:7b-instruct-q4_K_M",
 * "library/qwen2.5:latest", "qwen2.5"), case-insensitive.
 */
export function findReferenceModel(idOrName: string): ReferenceModel | undefined {
  const key = idOrName
    .trim()
    .toLowerCase()
    .replace(/^(registry\.ollama\.ai\/)?library\//, "");
  const direct = BY_KEY.get(key);
  if (direct) return direct;
  const colon = key.indexOf(":");
  if (colon < 0) return BY_KEY.get(`${key}:latest`);
  const base = key.slice(0, colon);
  const tag = key.slice(colon + 1);
  // Ollama tags put the size first and variants after it: "7b-instruct-q4_K_M", "335m".
  const size = /^(\d+(?:\.\d+)?[bm])(?:-|$)/.exec(tag)?.[1];
  if (size) return BY_KEY.get(`${base}:${size}`) ?? BY_KEY.get(`${base}-${size}`);
  return undefined;
}

/**
 * The size class in the model's name ("7B" → 7e9), which rules of thumb are stated in: Qwen2.5 7B has
 * 7.62e9 parameters but is "a 7B model". Falls back to the exact count when the name has no size.
 */
export function nominalParameters(model: ReferenceModel): number {
  const match = /(?:^|\s)(\d+(?:\.\d+)?)([BM])(?:\s|$)/.exec(model.name);
  if (!match?.[1] || !match[2]) return model.parameters;
  return Number(match[1]) * (match[2] === "B" ? 1e9 : 1e6);
}
