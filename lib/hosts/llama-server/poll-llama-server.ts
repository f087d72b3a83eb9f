// What a llama-server host runs right now: its router's model list, each
// model's status and command line, and its build. Never throws for a host that
// is down or answers nonsense: the poll job records the report either way.
import { errorMessage, isAppError } from "../../errors.ts";
import { isCancelledError } from "../../hashing/cancelled-error.ts";
import type { HostModelReport, HostTarget, PollReport } from "../types.ts";
import { fetchLlamaHealth, fetchLlamaProps, listLlamaModels, modelPathOf, type LlamaModel } from "./llama-server-api.ts";

export interface PollLlamaServerOptions {
  /** Per request; a host that does not answer /health within it counts as unreachable. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Network failures: the host is down, not broken. */
function isOutage(error: unknown): boolean {
  return isAppError(error) && (error.code === "unavailable" || error.code === "timeout") && !isCancelledError(error);
}

export async function pollLlamaServer(host: HostTarget, options: PollLlamaServerOptions): Promise<PollReport> {
  const call = { timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) };
  let healthy: boolean;
  try {
    healthy = await fetchLlamaHealth(host.baseUrl, call);
  } catch (error) {
    if (isOutage(error)) return { reachable: false, version: null, error: errorMessage(error), models: [] };
    if (isCancelledError(error) || !isAppError(error)) throw error;
    // It answered, but not like a llama-server.
    return { reachable: true, version: null, error: errorMessage(error), models: [] };
  }
  const [models, props] = await Promise.allSettled([listLlamaModels(host.baseUrl, call), fetchLlamaProps(host.baseUrl, call)]);
  for (const result of [models, props]) {
    if (result.status === "rejected" && (isCancelledError(result.reason) || !isAppError(result.reason))) throw result.reason;
  }
  // /props is informative: older builds and proxies may not serve it.
  const version = props.status === "fulfilled" ? props.value.build : null;
  if (models.status === "rejected") {
    // /health answered, so the host is there; its model list is what failed.
    return { reachable: true, version, error: errorMessage(models.reason), models: [] };
  }
  // A single-model server answers 503 while it loads its model; a router is always ready.
  const error = healthy ? null : `${host.baseUrl} reports it is still loading (GET /health 503)`;
  return { reachable: true, version, error, models: models.value.map(toReport) };
}

function toReport(model: LlamaModel): HostModelReport {
  const args = model.status.args ?? [];
  const ctxArg = args.indexOf("--ctx-size");
  const ctxFromArgs = ctxArg >= 0 ? Number(args[ctxArg + 1]) : Number.NaN;
  return {
    name: model.id,
    digest: null,
    // meta.size (tensor bytes) is only reported while the model's process runs.
    sizeBytes: model.meta?.size ?? null,
    loaded: model.status.value === "loaded",
    // The router reports no memory use per model (no /api/ps equivalent); /metrics needs --metrics and is per child.
    loadedBytes: null,
    vramBytes: null,
    status: model.status.value,
    details: {
      path: modelPathOf(model),
      // The first argument is the router's own binary path: not a fact about the model.
      args: args.slice(1),
      source: model.source ?? null,
      contextLength: model.meta?.n_ctx ?? (Number.isSafeInteger(ctxFromArgs) ? ctxFromArgs : null),
      trainContextLength: model.meta?.n_ctx_train ?? null,
      parameterCount: model.meta?.n_params ?? null,
      fileType: model.meta?.ftype ?? null,
      failed: model.status.failed ?? false,
      exitCode: model.status.exit_code ?? null,
    },
  };
}
