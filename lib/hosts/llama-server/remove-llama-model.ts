// Removes a model from a llama-server host: unload it, delete what the push
// wrote (the file or folder in the models directory, or the preset section),
// and confirm the router no longer lists it after a rescan.
import { AppError } from "../../errors.ts";
import type { HostTarget, PushContext, PushMethod } from "../types.ts";
import { listLlamaModels, unloadLlamaModel } from "./llama-server-api.ts";
import { isSafeLlamaModelId } from "./llama-model-id.ts";
import { llamaPushMethod } from "./push-llama-model.ts";
import { removePresetOnHost } from "./preset-on-host.ts";
import { openWritableDir } from "./writable-dir.ts";

export type RemoveContext = Pick<PushContext, "signal" | "timeoutMs" | "fsTimeoutMs" | "note">;

export interface RemoveOutcome {
  /** What was deleted or edited, as an admin reads it (empty when nothing was there). */
  paths: string[];
}

export interface RemoveLlamaModelOptions {
  /** How the model got there ("copy" or "preset"); default from host.delivery. */
  method?: PushMethod | null;
}

export async function removeLlamaModel(host: HostTarget, hostName: string, ctx: RemoveContext, options: RemoveLlamaModelOptions = {}): Promise<RemoveOutcome> {
  if (host.kind !== "llama-server") throw new AppError("invalid-input", `${host.name} is an ${host.kind} host, not a llama-server`);
  const method = llamaPushMethod(host, options.method);
  // The name becomes a file name below: refuse anything that could reach outside the models folder.
  if (!isSafeLlamaModelId(hostName)) throw new AppError("invalid-input", `"${hostName}" is not a model id ModelShelf writes; remove it on the host by hand`);
  const call = { timeoutMs: ctx.timeoutMs, signal: ctx.signal };
  // Unloaded first: its process must not read a file that is being deleted.
  const unloaded = await unloadLlamaModel(host.baseUrl, hostName, call);
  if (unloaded === "unloaded") ctx.note(`Unloaded ${hostName}`);

  const paths: string[] = [];
  if (method === "copy") {
    if (!host.modelsDir) throw new AppError("invalid-input", `${host.name} delivers by copy but has no models directory configured`);
    const dir = await openWritableDir(host.modelsDir, { timeoutMs: ctx.fsTimeoutMs });
    try {
      if (await dir.removeFile(`${hostName}.gguf`)) paths.push(dir.display(`${hostName}.gguf`));
      if (await dir.removeTree(hostName)) paths.push(dir.display(hostName));
    } finally {
      await dir.close();
    }
  } else {
    const { removed, display } = await removePresetOnHost(host, hostName, ctx.fsTimeoutMs);
    if (removed) paths.push(display);
  }
  if (paths.length === 0) ctx.note(`Nothing of ${hostName} was found to delete`);

  const models = await listLlamaModels(host.baseUrl, { ...call, reload: true });
  if (models.some((m) => m.id === hostName)) {
    throw new AppError("conflict", `${host.baseUrl} still lists ${hostName} after rescanning: it comes from elsewhere (another preset or the Hugging Face cache)`, {
      details: { id: hostName },
    });
  }
  return { paths };
}
