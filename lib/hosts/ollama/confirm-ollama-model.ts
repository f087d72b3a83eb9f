// After a create or pull said "success", asks the host itself: /api/show must
// know the model (upload) and /api/tags must list it; the listing gives the
// name as polls will report it, the manifest digest and the size. A push is
// reported done only on this confirmation.
import { AppError } from "../../errors.ts";
import type { HostTarget, PushContext } from "../types.ts";
import { garbageFailure, ollamaFailure } from "./ollama-failure.ts";
import { sameOllamaName } from "./ollama-names.ts";
import { ollamaShowSchema, ollamaTagsSchema } from "./ollama-schemas.ts";
import { openOllamaClient } from "./open-ollama-client.ts";

export interface ConfirmedModel {
  /** As /api/tags spells it. */
  hostName: string;
  /** Manifest digest, hex. */
  hostDigest: string;
  sizeBytes: number;
}

export async function confirmOllamaModel(
  host: HostTarget,
  name: string,
  ctx: Pick<PushContext, "signal" | "timeoutMs">,
  options: { show: boolean },
): Promise<ConfirmedModel> {
  const client = openOllamaClient(host, ctx);
  if (options.show) {
    const what = `${host.name}: POST /api/show ${name}`;
    let show: unknown;
    try {
      show = await client.show({ model: name });
    } catch (error) {
      const failure = ollamaFailure(error, what, ctx.signal, ctx.timeoutMs);
      if (failure.code !== "not-found") throw failure;
      throw new AppError("io", `${host.name} reported success for ${name} but /api/show does not know it`, { retryable: true, cause: failure });
    }
    if (!ollamaShowSchema.safeParse(show).success) throw garbageFailure(what, "not a model description");
  }
  const what = `${host.name}: GET /api/tags`;
  let listed: unknown;
  try {
    listed = await client.list();
  } catch (error) {
    throw ollamaFailure(error, what, ctx.signal, ctx.timeoutMs);
  }
  const tags = ollamaTagsSchema.safeParse(listed);
  if (!tags.success) throw garbageFailure(what, tags.error.issues[0]?.message ?? "unexpected shape");
  const model = tags.data.models.find((m) => sameOllamaName(m.name, name));
  if (!model) throw new AppError("io", `${host.name} reported success for ${name} but does not list it in /api/tags`, { retryable: true });
  return { hostName: model.name, hostDigest: model.digest.toLowerCase(), sizeBytes: model.size };
}
