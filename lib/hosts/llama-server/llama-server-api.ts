// The llama-server router endpoints the driver uses (formats.md §5.1, bundled
// tools/server/server-models.cpp): GET /health, /props, /models[?reload=1],
// POST /models/load and /models/unload. Schemas list only the fields we read;
// zod drops the rest, and bounds what a hostile host could make us keep.
import { z } from "zod";
import { AppError } from "../../errors.ts";
import { sleep } from "../../concurrency.ts";
import { cancelledError } from "../../hashing/cancelled-error.ts";
import { callLlamaServer, expectLlamaOk, type LlamaCallOptions } from "./llama-http.ts";

/** More models than this is not a llama-server host anyone runs; stop before building huge reports. */
export const MAX_MODELS = 10_000;
/** Loading is asynchronous; its status is polled this often. */
export const LOAD_POLL_MS = 250;
/**
 * How long a load may take. A 70 GB model read over a 1 Gbit/s NAS link with mmap
 * off takes ~10 min; beyond 20 min something is stuck.
 */
export const LOAD_TIMEOUT_MS = 20 * 60_000;
/** An unload stops the model's child process (stop-timeout 10 s by default in the router). */
export const UNLOAD_TIMEOUT_MS = 60_000;

// Field bounds are generous multiples of what llama-server sends (ids and paths of a
// few hundred bytes, ~20 args): the response cap bounds the total, these stop one
// absurd field from reaching the database.
const statusSchema = z.object({
  /** unloaded | loading | loaded | sleeping | downloading (server_model_status_to_string). */
  value: z.string().max(64),
  args: z.array(z.string().max(8192)).max(1024).optional(),
  preset: z.string().max(65_536).optional(),
  failed: z.boolean().optional(),
  exit_code: z.number().int().optional(),
});

const metaSchema = z.object({
  size: z.number().nonnegative().optional(),
  n_params: z.number().nonnegative().optional(),
  n_ctx: z.number().int().nonnegative().optional(),
  n_ctx_train: z.number().int().nonnegative().optional(),
  ftype: z.string().max(64).optional(),
});

export const llamaModelSchema = z.object({
  id: z.string().min(1).max(1024),
  status: statusSchema,
  source: z.string().max(64).optional(),
  /** Added once the model's child process runs. */
  meta: metaSchema.optional(),
});
export type LlamaModel = z.infer<typeof llamaModelSchema>;

const modelsSchema = z.object({ data: z.array(llamaModelSchema).max(MAX_MODELS) });
const healthSchema = z.object({ status: z.string().max(64) });
const propsSchema = z.object({
  /** "b1-80fb11a": build number and commit. */
  build_info: z.string().max(256).optional(),
  /** "router" in router mode. */
  role: z.string().max(64).optional(),
});
const successSchema = z.object({ success: z.literal(true) });

/** GET /health: true when ready; false (503 "Loading model") while a single-model server loads. */
export async function fetchLlamaHealth(baseUrl: string, options: LlamaCallOptions): Promise<boolean> {
  const response = await callLlamaServer(baseUrl, "GET", "/health", undefined, options);
  if (response.status === 503) return false;
  const health = expectLlamaOk(response, healthSchema, "GET /health");
  return health.status === "ok";
}

/** GET /props: the build ("b1-80fb11a") and role, or nulls when the host does not say. */
export async function fetchLlamaProps(baseUrl: string, options: LlamaCallOptions): Promise<{ build: string | null; role: string | null }> {
  const props = expectLlamaOk(await callLlamaServer(baseUrl, "GET", "/props", undefined, options), propsSchema, "GET /props");
  return { build: props.build_info ?? null, role: props.role ?? null };
}

/** GET /models; `reload` makes the router rescan its models directory and preset first. */
export async function listLlamaModels(baseUrl: string, options: LlamaCallOptions & { reload?: boolean }): Promise<LlamaModel[]> {
  const pathAndQuery = options.reload ? "/models?reload=1" : "/models";
  const response = await callLlamaServer(baseUrl, "GET", pathAndQuery, undefined, options);
  return expectLlamaOk(response, modelsSchema, `GET ${pathAndQuery}`).data;
}

/** The value after `--model`/`-m` in a model's command line: the GGUF path as the host sees it. */
export function modelPathOf(model: LlamaModel): string | null {
  const args = model.status.args ?? [];
  for (let i = 0; i < args.length - 1; i++) if (args[i] === "--model" || args[i] === "-m") return args[i + 1] ?? null;
  return null;
}

/** POST /models/load and wait until the model is loaded; fails with the exit code when its process dies. */
export async function loadLlamaModel(baseUrl: string, id: string, options: LlamaCallOptions): Promise<LlamaModel> {
  const response = await callLlamaServer(baseUrl, "POST", "/models/load", { model: id }, options);
  // "model is already running": loaded or loading, which the wait below sorts out.
  if (!(response.status === 400 && /already running/.test(messageOf(response.json)))) {
    expectLlamaOk(response, successSchema, `POST /models/load ${id}`);
  }
  return waitForModel(baseUrl, id, options, LOAD_TIMEOUT_MS, "to load", (model) => {
    if (model.status.failed) {
      throw new AppError("io", `llama-server could not load ${id} (its process exited with code ${model.status.exit_code ?? "?"}; see the host's log)`, {
        details: { id, exitCode: model.status.exit_code ?? null },
      });
    }
    return model.status.value === "loaded";
  });
}

/**
 * POST /models/unload and wait until its process is gone. "not-running" and
 * "not-found" are answers, not failures: there is nothing to unload.
 */
export async function unloadLlamaModel(baseUrl: string, id: string, options: LlamaCallOptions): Promise<"unloaded" | "not-running" | "not-found"> {
  const response = await callLlamaServer(baseUrl, "POST", "/models/unload", { model: id }, options);
  const message = messageOf(response.json);
  if ((response.status === 400 || response.status === 404) && /not found/.test(message)) return "not-found";
  if (response.status === 400 && /not running|not loaded/.test(message)) return "not-running";
  expectLlamaOk(response, successSchema, `POST /models/unload ${id}`);
  await waitForModel(baseUrl, id, options, UNLOAD_TIMEOUT_MS, "to unload", (model) => model.status.value === "unloaded");
  return "unloaded";
}

function messageOf(json: unknown): string {
  const parsed = z.object({ error: z.object({ message: z.string().max(1000) }) }).safeParse(json);
  return parsed.success ? parsed.data.error.message : "";
}

async function waitForModel(
  baseUrl: string,
  id: string,
  options: LlamaCallOptions,
  limitMs: number,
  what: string,
  done: (model: LlamaModel) => boolean,
): Promise<LlamaModel> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const model = (await listLlamaModels(baseUrl, options)).find((m) => m.id === id);
    if (model === undefined) throw new AppError("not-found", `${baseUrl} no longer lists ${id}`, { details: { id } });
    if (done(model)) return model;
    if (Date.now() > deadline) {
      throw new AppError("timeout", `${id} did not finish ${what} on ${baseUrl} within ${limitMs / 1000} s (status ${model.status.value})`, {
        retryable: true,
        details: { id, status: model.status.value },
      });
    }
    await sleep(LOAD_POLL_MS, options.signal);
    if (options.signal?.aborted) throw cancelledError(`Waiting for ${id} ${what} was cancelled`, options.signal.reason);
  }
}
