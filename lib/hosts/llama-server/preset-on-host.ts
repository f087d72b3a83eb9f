// Push by preset (delivery "nas-direct"): the host reads the model straight
// from the library share, so nothing is copied. ModelShelf writes a [<id>]
// section into the host's preset INI (--models-preset) with the file's path as
// the host mounts it, then asks the router to rescan and checks it lists the
// id with that path.
import { AppError } from "../../errors.ts";
import { libraryFilePath } from "../../catalog/library-path.ts";
import type { HostTarget, PushContext, PushSource } from "../types.ts";
import { editPresetFile } from "./edit-preset-file.ts";
import { listLlamaModels, modelPathOf, type LlamaModel } from "./llama-server-api.ts";
import { hostReadsOverNetwork, mapLibraryPath } from "./map-library-path.ts";
import { removePresetSection, upsertPresetSection, type PresetEntry } from "./preset-ini.ts";

/**
 * The preset keys for one model. `no-mmap = true` when the host reads the file over
 * the network: with mmap every page of the weights is faulted in from the NAS on
 * first use and again whenever the page cache drops it, and a NAS that goes away
 * under a mapped file kills the model's process (SIGBUS) instead of failing a read;
 * reading the file once into memory costs only the sharing of pages between
 * processes. This build calls the flag deprecated in favour of `load-mode = none`,
 * but older routers reject a preset with a key they do not know (every model of the
 * host), while `no-mmap` is understood by every router-mode llama-server.
 */
export function presetEntriesFor(hostPath: string, contextSize: number | null, overNetwork: boolean): PresetEntry[] {
  const entries: PresetEntry[] = [{ key: "model", value: hostPath }];
  if (contextSize !== null) entries.push({ key: "c", value: String(contextSize) });
  if (overNetwork) entries.push({ key: "no-mmap", value: "true" });
  return entries;
}

/** Writes the model's preset section and confirms the router lists it with the mapped path. */
export async function presetOnHost(host: HostTarget, source: PushSource, id: string, ctx: PushContext): Promise<{ paths: string[]; model: LlamaModel }> {
  if (!host.presetPath) throw new AppError("invalid-input", `${host.name} reads the library directly but has no preset file configured`);
  const first = source.files[0];
  if (first === undefined) throw new AppError("invalid-input", `${id} has no files to push`);
  if (source.contextSize !== null && !(Number.isSafeInteger(source.contextSize) && source.contextSize > 0)) {
    throw new AppError("invalid-input", `Context size ${source.contextSize} is not a positive whole number`);
  }
  // Split models load from their first shard; llama.cpp finds the others beside it.
  const libraryFile = libraryFilePath(first.libraryPath, first.relPath);
  const hostPath = mapLibraryPath(host.pathMap, libraryFile);
  if (hostPath === null) {
    throw new AppError("invalid-input", `No path mapping of ${host.name} covers ${libraryFile}: add one from the library folder to where ${host.name} mounts it`, {
      details: { libraryFile },
    });
  }
  const call = { timeoutMs: ctx.timeoutMs, signal: ctx.signal };
  // Down, or not a router (a single-model server cannot take new models): fail before editing its preset.
  await listLlamaModels(host.baseUrl, call);
  const overNetwork = await hostReadsOverNetwork(host.baseUrl, first.libraryPath, ctx.fsTimeoutMs);
  const entries = presetEntriesFor(hostPath, source.contextSize, overNetwork);
  const edited = await editPresetFile(host.presetPath, (text) => upsertPresetSection(text, id, entries), { fsTimeoutMs: ctx.fsTimeoutMs });
  ctx.note(`${edited.changed ? "Wrote" : "Kept"} [${id}] in ${edited.display} (model = ${hostPath}${overNetwork ? ", no-mmap: read over the network" : ""})`);
  ctx.progress(1, 2, "steps", "Asking the host to rescan");
  const model = (await listLlamaModels(host.baseUrl, { ...call, reload: true })).find((m) => m.id === id);
  if (model === undefined || modelPathOf(model) !== hostPath) {
    const seen = model === undefined ? "does not list it" : `lists it with ${modelPathOf(model) ?? "no path"}`;
    throw new AppError("conflict", `${host.baseUrl} ${seen} after rescanning: was it started with --models-preset pointing at ${edited.display}?`, {
      details: { id, hostPath },
    });
  }
  ctx.progress(2, 2, "steps", "Listed by the host");
  return { paths: [edited.display], model };
}

/** Removes the model's preset section; false when there was none. */
export async function removePresetOnHost(host: HostTarget, id: string, fsTimeoutMs: number): Promise<{ removed: boolean; display: string }> {
  if (!host.presetPath) throw new AppError("invalid-input", `${host.name} reads the library directly but has no preset file configured`);
  let removed = false;
  const edited = await editPresetFile(
    host.presetPath,
    (text) => {
      const result = removePresetSection(text, id);
      removed = result.removed;
      return result.text;
    },
    { fsTimeoutMs },
  );
  return { removed, display: edited.display };
}
