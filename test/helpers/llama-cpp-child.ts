// Child-process harness: loads one GGUF file with llama.cpp (node-llama-cpp),
// generates a few tokens and prints one JSON line describing what llama.cpp
// saw. Run as `node --import tsx test/helpers/llama-cpp-child.ts <model.gguf>`.
// A separate process because a malformed GGUF can abort the whole process
// inside llama.cpp (GGML_ASSERT, exit 134; formats.md 2.3).

import { getLlama, LlamaLogLevel } from "node-llama-cpp";

export interface LlamaCppChildResult {
  ok: boolean;
  error?: string;
  /** Σ tensor bytes as llama.cpp counts them (llama_model_size). */
  modelSize?: number;
  /** llama_model_n_params, read from the native binding; null if this version does not expose it. */
  parameterCount?: number | null;
  trainContextSize?: number;
  embeddingVectorSize?: number;
  vocabularyType?: string;
  typeDescription?: string;
  generatedTokens?: number;
  /** llama.cpp log lines at warning level or above. */
  logs?: string[];
}

/** llama_model_n_params is only on the internal addon model; read it defensively. */
function nativeParameterCount(model: object): number | null {
  const addonModel: unknown = Reflect.get(model, "_model");
  if (typeof addonModel !== "object" || addonModel === null) return null;
  const getTotalParameters: unknown = Reflect.get(addonModel, "getTotalParameters");
  if (typeof getTotalParameters !== "function") return null;
  const value: unknown = getTotalParameters.call(addonModel);
  return typeof value === "number" ? value : null;
}

const logs: string[] = [];

async function main(modelPath: string): Promise<LlamaCppChildResult> {
  const llama = await getLlama({
    gpu: false,
    build: "never",
    skipDownload: true,
    // Default is ≥ 4 threads: ~800× slower per token on this 2-core machine (formats.md 2.2).
    maxThreads: 1,
    progressLogs: false,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      logs.push(`${level}: ${message.trim()}`);
    },
  });
  try {
    const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
    const context = await model.createContext({ contextSize: 64, batchSize: 64, threads: 1 });
    const sequence = context.getSequence();
    const prompt = model.tokenize("Hello world");
    let generatedTokens = 0;
    for await (const token of sequence.evaluate(prompt)) {
      if (typeof token === "number") generatedTokens++;
      if (generatedTokens >= 4) break;
    }
    const result: LlamaCppChildResult = {
      ok: true,
      modelSize: model.size,
      parameterCount: nativeParameterCount(model),
      trainContextSize: model.trainContextSize,
      embeddingVectorSize: model.embeddingVectorSize,
      vocabularyType: model.vocabularyType,
      typeDescription: model.typeDescription,
      generatedTokens,
      logs,
    };
    await context.dispose();
    await model.dispose();
    return result;
  } finally {
    await llama.dispose();
  }
}

const modelPath = process.argv[2];
if (!modelPath) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: "usage: llama-cpp-child.ts <model.gguf>" })}\n`);
  process.exit(2);
}
main(modelPath).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${JSON.stringify({ ok: false, error: message, logs } satisfies LlamaCppChildResult)}\n`);
    process.exit(1);
  },
);
