// Polls one Ollama host: its version, the models it stores (/api/tags) and the
// ones loaded in memory (/api/ps), merged per model. Network failures never
// throw: an unreachable host is a report (reachable: false) with the reason,
// and a host that answers something other than Ollama's JSON is a report with
// an error. Only the caller's own abort throws.
import type { ZodType } from "zod";
import { cancelledError } from "../../hashing/cancelled-error.ts";
import type { HostModelReport, HostTarget, PollReport } from "../types.ts";
import type { ControlCallOptions } from "./bounded-fetch.ts";
import { garbageFailure, ollamaFailure } from "./ollama-failure.ts";
import { sameOllamaName } from "./ollama-names.ts";
import { ollamaPsSchema, ollamaTagsSchema, ollamaVersionSchema, type OllamaDetails, type OllamaPs } from "./ollama-schemas.ts";
import { openOllamaClient } from "./open-ollama-client.ts";

function validated<T>(schema: ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw garbageFailure(what, `${issue?.path.join(".") || "answer"}: ${issue?.message ?? "unexpected shape"}`);
}

function detailsOf(details: OllamaDetails, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    family: details?.family || undefined,
    families: details?.families?.length ? details.families : undefined,
    format: details?.format || undefined,
    parameterSize: details?.parameter_size || undefined,
    quantizationLevel: details?.quantization_level || undefined,
    parentModel: details?.parent_model || undefined,
    ...extra,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined && v !== null));
}

export async function pollOllamaHost(host: HostTarget, options: ControlCallOptions): Promise<PollReport> {
  const client = openOllamaClient(host, options);
  const call = async <T>(what: string, schema: ZodType<T>, run: () => Promise<unknown>): Promise<T> => {
    try {
      return validated(schema, await run(), what);
    } catch (error) {
      throw ollamaFailure(error, what, options.signal, options.timeoutMs);
    }
  };
  const throwIfCancelled = (): void => {
    if (options.signal?.aborted) throw cancelledError(`Polling ${host.name} was cancelled`, options.signal.reason);
  };

  let version: string;
  try {
    version = (await call(`${host.name}: GET /api/version`, ollamaVersionSchema, () => client.version())).version;
  } catch (error) {
    throwIfCancelled();
    const failure = ollamaFailure(error, host.name, options.signal);
    // Connection failures and timeouts mean "not reachable"; an answer of the wrong shape means reachable but broken.
    const reachable = failure.code !== "unavailable" && failure.code !== "timeout";
    return { reachable, version: null, error: failure.message, models: [] };
  }

  const [tags, ps] = await Promise.allSettled([
    call(`${host.name}: GET /api/tags`, ollamaTagsSchema, () => client.list()),
    call(`${host.name}: GET /api/ps`, ollamaPsSchema, () => client.ps()),
  ]);
  throwIfCancelled();
  const errors = [tags, ps].flatMap((r) => (r.status === "rejected" ? [ollamaFailure(r.reason, host.name).message] : []));
  const loaded: OllamaPs["models"] = ps.status === "fulfilled" ? ps.value.models : [];
  const findLoaded = (name: string) => loaded.find((m) => sameOllamaName(m.name, name));

  const models: HostModelReport[] = [];
  for (const m of tags.status === "fulfilled" ? tags.value.models : []) {
    const running = findLoaded(m.name);
    models.push({
      name: m.name,
      digest: m.digest.toLowerCase(),
      sizeBytes: m.size,
      loaded: running !== undefined,
      loadedBytes: running?.size ?? null,
      vramBytes: running?.size_vram ?? null,
      status: "present",
      details: detailsOf(m.details, { modifiedAt: m.modified_at, contextLength: running?.context_length, expiresAt: running?.expires_at }),
    });
  }
  // Loaded but not listed (deleted while in memory, or the listing failed): still worth showing.
  for (const m of loaded) {
    if (models.some((r) => sameOllamaName(r.name, m.name))) continue;
    models.push({
      name: m.name,
      digest: m.digest.toLowerCase(),
      sizeBytes: null,
      loaded: true,
      loadedBytes: m.size,
      vramBytes: m.size_vram ?? null,
      status: "loaded",
      details: detailsOf(m.details, { contextLength: m.context_length, expiresAt: m.expires_at }),
    });
  }
  return { reachable: true, version, error: errors.length > 0 ? errors.join("; ") : null, models };
}
