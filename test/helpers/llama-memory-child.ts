// Child-process harness for the memory calibration: loads one GGUF with
// llama.cpp (node-llama-cpp), creates contexts of the given sizes and cache
// types, and prints one JSON line with what llama.cpp allocated — parsed from
// its own log lines (KV cache cells, layers, K/V sizes; compute and output
// buffers), the exact bytes of its memory breakdown, and the process RSS.
// Run as `node --import tsx test/helpers/llama-memory-child.ts <spec.json>`.
// A separate process: llama.cpp can abort its host process (formats.md 2.3),
// and RSS is only meaningful in a process that does nothing else.

import { readFileSync } from "node:fs";
import { getLlama, LlamaLogLevel, type LlamaContextOptions } from "node-llama-cpp";

export interface MemoryChildContextSpec {
  contextSize: number;
  batchSize: number;
  sequences?: number;
  flashAttention?: boolean;
  kvCacheKeyType?: string;
  kvCacheValueType?: string;
  /** Evaluate one full batch after creation, so the compute buffer is touched and shows in RSS. */
  decode?: boolean;
}

export interface MemoryChildSpec {
  modelPath: string;
  contexts: MemoryChildContextSpec[];
}

export interface LlamaKvCacheLine {
  cells: number;
  layers: number;
  seqs: number;
  streams: number;
  typeK: string;
  keyMiB: number;
  typeV: string;
  valueMiB: number;
  totalMiB: number;
}

export interface MemoryChildContextResult {
  spec: MemoryChildContextSpec;
  ok: boolean;
  error?: string;
  /** llama_context: n_ctx, n_ctx_seq, n_seq_max, n_batch, n_ubatch as llama.cpp logged them. */
  nCtx?: number;
  nCtxSeq?: number;
  nSeqMax?: number;
  nBatch?: number;
  nUbatch?: number;
  flashAttention?: string;
  /** One line per cache (two for a sliding-window model: full, then windowed). */
  kvCaches?: LlamaKvCacheLine[];
  /** "creating SWA KV cache, size = N cells" (windowed models only). */
  swaCells?: number;
  /** sched_reserve: CPU compute buffer size, MiB (2 decimals), and ~llama_context's 4-decimal figure. */
  computeMiB?: number;
  computeMiBPrecise?: number | null;
  outputMiB?: number;
  /** llama_context::memory_breakdown on the CPU: KV buffers + compute buffers, exact bytes. */
  contextCpuBytes?: number;
  rssBeforeContext?: number;
  rssAfterContext?: number;
  rssAfterDecode?: number | null;
  decodedTokens?: number;
  logs?: string[];
}

export interface MemoryChildResult {
  ok: boolean;
  error?: string;
  /** Σ tensor bytes (llama_model_size). */
  modelSize?: number;
  /** "CPU_Mapped model buffer size", MiB. */
  modelBufferMiB?: number | null;
  /** llama_model::memory_breakdown on the CPU, exact bytes. */
  modelCpuBytes?: number | null;
  rssBeforeModel?: number;
  rssAfterModel?: number;
  contexts?: MemoryChildContextResult[];
  logs?: string[];
}

const logs: string[] = [];

const number = (pattern: RegExp, lines: readonly string[]): number | undefined => {
  for (const line of lines) {
    const match = pattern.exec(line);
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  return undefined;
};

function parseKvLines(lines: readonly string[]): LlamaKvCacheLine[] {
  const pattern =
    /llama_kv_cache: size =\s*([\d.]+) MiB \(\s*(\d+) cells,\s*(\d+) layers,\s*(\d+)\/(\d+) seqs\), K \((\w+)\):\s*([\d.]+) MiB, V \((\w+)\):\s*([\d.]+) MiB/;
  return lines.flatMap((line) => {
    const m = pattern.exec(line);
    if (!m) return [];
    return [{ totalMiB: Number(m[1]), cells: Number(m[2]), layers: Number(m[3]), seqs: Number(m[4]), streams: Number(m[5]), typeK: m[6] ?? "", keyMiB: Number(m[7]), typeV: m[8] ?? "", valueMiB: Number(m[9]) }];
  });
}

/** The internal addon objects carry llama.cpp's exact memory breakdowns; read them defensively. */
function cpuBytesOf(owner: object, field: "_ctx" | "_model"): number | null {
  const addon: unknown = Reflect.get(owner, field);
  if (typeof addon !== "object" || addon === null) return null;
  const getMemoryBreakdown: unknown = Reflect.get(addon, "getMemoryBreakdown");
  if (typeof getMemoryBreakdown !== "function") return null;
  const breakdown: unknown = getMemoryBreakdown.call(addon);
  if (typeof breakdown !== "object" || breakdown === null) return null;
  const cpuRam: unknown = Reflect.get(breakdown, "cpuRam");
  return typeof cpuRam === "number" ? cpuRam : null;
}

async function main(spec: MemoryChildSpec): Promise<MemoryChildResult> {
  const llama = await getLlama({
    gpu: false,
    build: "never",
    skipDownload: true,
    // Default is ≥ 4 threads: ~800× slower per token on this 2-core machine (formats.md 2.2).
    maxThreads: 1,
    progressLogs: false,
    // Debug level: the buffer sizes are info lines, the 4-decimal compute size a debug line.
    logLevel: LlamaLogLevel.debug,
    logger: (_level, message) => {
      logs.push(message.trimEnd());
    },
  });
  try {
    const rssBeforeModel = process.memoryUsage().rss;
    const model = await llama.loadModel({ modelPath: spec.modelPath, gpuLayers: 0 });
    const rssAfterModel = process.memoryUsage().rss;
    const modelLogs = [...logs];
    const contexts: MemoryChildContextResult[] = [];
    for (const contextSpec of spec.contexts) {
      logs.length = 0;
      const options: LlamaContextOptions = {
        contextSize: contextSpec.contextSize,
        batchSize: contextSpec.batchSize,
        sequences: contextSpec.sequences ?? 1,
        flashAttention: contextSpec.flashAttention ?? false,
        threads: 1,
        // Exactly the sizes asked for: no "auto" shrinking, no retry with a smaller context.
        ignoreMemorySafetyChecks: true,
        failedCreationRemedy: false,
        ...(contextSpec.kvCacheKeyType ? { experimentalKvCacheKeyType: contextSpec.kvCacheKeyType as LlamaContextOptions["experimentalKvCacheKeyType"] } : {}),
        ...(contextSpec.kvCacheValueType ? { experimentalKvCacheValueType: contextSpec.kvCacheValueType as LlamaContextOptions["experimentalKvCacheValueType"] } : {}),
      };
      const rssBeforeContext = process.memoryUsage().rss;
      let context;
      try {
        context = await model.createContext(options);
      } catch (error) {
        contexts.push({ spec: contextSpec, ok: false, error: error instanceof Error ? error.message : String(error), logs: logs.filter((l) => /error|flash|quantized/i.test(l)) });
        continue;
      }
      const rssAfterContext = process.memoryUsage().rss;
      const contextCpuBytes = cpuBytesOf(context, "_ctx") ?? undefined;
      let rssAfterDecode: number | null = null;
      let decodedTokens = 0;
      if (contextSpec.decode) {
        const count = Math.min(contextSpec.batchSize, contextSpec.contextSize);
        const tokens = Array.from({ length: count }, (_, i) => (3 + ((i * 7919) % 250)) as never);
        await context.getSequence().evaluateWithoutGeneratingNewTokens(tokens);
        decodedTokens = count;
        rssAfterDecode = process.memoryUsage().rss;
      }
      await context.dispose();
      // llama_free logs the 4-decimal compute size from a native thread; give the log a moment to arrive.
      for (let waited = 0; waited < 1000 && !logs.some((l) => l.includes("compute buffer size is")); waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const lines = [...logs];
      contexts.push({
        spec: contextSpec,
        ok: true,
        nCtx: number(/llama_context: n_ctx\s+=\s+(\d+)/, lines),
        nCtxSeq: number(/llama_context: n_ctx_seq\s+=\s+(\d+)/, lines),
        nSeqMax: number(/llama_context: n_seq_max\s+=\s+(\d+)/, lines),
        nBatch: number(/llama_context: n_batch\s+=\s+(\d+)/, lines),
        nUbatch: number(/llama_context: n_ubatch\s+=\s+(\d+)/, lines),
        flashAttention: /llama_context: flash_attn\s+=\s+(\w+)/.exec(lines.find((l) => l.includes("flash_attn ")) ?? "")?.[1],
        kvCaches: parseKvLines(lines),
        swaCells: number(/creating\s+SWA KV cache, size = (\d+) cells/, lines),
        computeMiB: number(/CPU compute buffer size =\s+([\d.]+) MiB/, lines),
        computeMiBPrecise: number(/CPU compute buffer size is\s+([\d.]+) MiB/, lines) ?? null,
        outputMiB: number(/CPU\s+output buffer size =\s+([\d.]+) MiB/, lines),
        contextCpuBytes,
        rssBeforeContext,
        rssAfterContext,
        rssAfterDecode,
        decodedTokens,
      });
    }
    const result: MemoryChildResult = {
      ok: true,
      modelSize: model.size,
      modelBufferMiB: number(/CPU_Mapped model buffer size =\s+([\d.]+) MiB/, modelLogs) ?? null,
      modelCpuBytes: cpuBytesOf(model, "_model"),
      rssBeforeModel,
      rssAfterModel,
      contexts,
    };
    await model.dispose();
    return result;
  } finally {
    await llama.dispose();
  }
}

const specPath = process.argv[2];
if (!specPath) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: "usage: llama-memory-child.ts <spec.json>" })}\n`);
  process.exit(2);
}
main(JSON.parse(readFileSync(specPath, "utf8")) as MemoryChildSpec).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${JSON.stringify({ ok: false, error: message, logs: logs.slice(-50) } satisfies MemoryChildResult)}\n`);
    process.exit(1);
  },
);
