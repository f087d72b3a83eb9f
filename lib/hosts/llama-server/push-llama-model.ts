// Pushes a catalogue model to a llama-server host in router mode: "copy" puts
// the GGUF into its models directory, "preset" points a preset section at the
// file on the library share. Without a method, the host's delivery decides
// (models-dir → copy, nas-direct → preset). Either way the push only succeeds
// once the router lists the model.
import { AppError } from "../../errors.ts";
import type { HostTarget, PushContext, PushMethod, PushOutcome, PushSource } from "../types.ts";
import { copyToModelsDir } from "./copy-to-models-dir.ts";
import { loadLlamaModel } from "./llama-server-api.ts";
import { llamaModelId } from "./llama-model-id.ts";
import { presetOnHost } from "./preset-on-host.ts";

export interface PushLlamaModelOptions {
  /** "copy" or "preset"; default from host.delivery. */
  method?: PushMethod;
  /** Also load the model (POST /models/load) and wait until it runs: proves the host can read it. */
  load?: boolean;
}

export async function pushLlamaModel(host: HostTarget, source: PushSource, ctx: PushContext, options: PushLlamaModelOptions = {}): Promise<PushOutcome> {
  if (host.kind !== "llama-server") throw new AppError("invalid-input", `${host.name} is an ${host.kind} host, not a llama-server`);
  const id = llamaModelId(source.ref);
  const files = [...source.files].sort((a, b) => a.shardIndex - b.shardIndex);
  const sorted = { ...source, files };
  const method = llamaPushMethod(host, options.method);
  const result = method === "copy" ? await copyToModelsDir(host, sorted, id, ctx) : await presetOnHost(host, sorted, id, ctx);
  if (options.load) {
    ctx.note(`Loading ${id} on ${host.baseUrl}`);
    await loadLlamaModel(host.baseUrl, id, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
  }
  return {
    hostName: id,
    // models-dir: read back from the host's folder and checked; nas-direct: the library's verified file the host reads.
    hostDigest: files[0]?.sha256 ?? null,
    sizeBytes: files.reduce((sum, file) => sum + file.sizeBytes, 0),
    paths: result.paths,
  };
}

/** The method to use (or undo) on `host`: the one asked for, else the host's delivery's. */
export function llamaPushMethod(host: HostTarget, method: PushMethod | null | undefined): "copy" | "preset" {
  const chosen = method ?? (host.delivery === "models-dir" ? "copy" : host.delivery === "nas-direct" ? "preset" : null);
  if (chosen === "copy" || chosen === "preset") return chosen;
  if (chosen === null) throw new AppError("invalid-input", `${host.name} has no delivery method (models-dir or nas-direct) configured`);
  throw new AppError("unsupported", `llama-server hosts take models by copy or preset, not by ${chosen}`, { details: { method: chosen } });
}
