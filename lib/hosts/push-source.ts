// What a push sends, read from the catalogue alone (no share access, so the
// web app can check a push request before queueing it): one complete set of
// verified files for the model, plus the Ollama extras (template, system,
// parameters, license) when the model came from an Ollama store.
import { maxContext } from "../capacity/fit-model.ts";
import { completeCopies, isVerifiedFile, type CopyFile } from "../catalog/complete-copies.ts";
import { parseHostProfile } from "../capacity/host-profile.ts";
import { modelShapeFromGguf } from "../capacity/memory-shape.ts";
import type { Db } from "../db/client.ts";
import { AppError } from "../errors.ts";
import { getFitModel } from "../plans/queries.ts";
import type { ModelRef } from "../registry/model-refs.ts";
import type { PushFile, PushSource } from "./types.ts";

/** Ollama's params layer is a small JSON object; anything bigger is not one. */
const MAX_PARAMS_JSON_CHARS = 64 * 1024;

interface CandidateFile extends CopyFile {
  sizeBytes: bigint;
  role: string;
  library: { path: string; status: string; enabled: boolean };
}

/** The first complete copy (all shards, verified) on a library that is reachable and enabled. */
function completeVerifiedSet(files: CandidateFile[], shardCount: number): CandidateFile[] | null {
  const reachable = files.filter((file) => file.library.status !== "unavailable" && file.library.enabled);
  return completeCopies(reachable, shardCount).find((copy) => copy.every(isVerifiedFile)) ?? null;
}

/** File name on the host: the library's own base name for GGUF files, "<model>-<tag>.gguf" for Ollama blobs. */
function hostFileName(ref: ModelRef, file: CandidateFile, shardCount: number): string {
  if (file.role === "gguf") return file.relPath.split("/").pop()!;
  const base = `${ref.model}-${ref.tag}`.replace(/[^A-Za-z0-9._-]/g, "-");
  if (shardCount === 1) return `${base}.gguf`;
  const n = String((file.shardIndex ?? 0) + 1).padStart(5, "0");
  return `${base}-${n}-of-${String(shardCount).padStart(5, "0")}.gguf`;
}

export async function loadPushSource(db: Db, ref: ModelRef, options: { hostProfileId?: number | null } = {}): Promise<PushSource> {
  const model = await db.model.findUnique({
    where: { id: ref.modelId },
    select: {
      id: true,
      shardCount: true,
      license: true,
      files: {
        where: { missingSince: null, state: "indexed", role: { in: ["gguf", "ollama-blob"] } },
        select: {
          libraryId: true,
          splitGroup: true,
          relPath: true,
          sizeBytes: true,
          sha256: true,
          verifyState: true,
          shardIndex: true,
          role: true,
          library: { select: { path: true, status: true, enabled: true } },
        },
        orderBy: [{ libraryId: "asc" }, { relPath: "asc" }],
      },
    },
  });
  if (!model) throw new AppError("not-found", `model ${ref.modelId} (${ref.ref}) is no longer in the catalogue`);
  const set = completeVerifiedSet(model.files, model.shardCount);
  if (!set) {
    const states = [...new Set(model.files.map((f) => f.verifyState))].join(", ") || "no present files";
    throw new AppError(
      "conflict",
      `${ref.ref} has no complete, verified copy on a reachable library (file states: ${states}); verify it on the Integrity page first`,
    );
  }
  const files: PushFile[] = set.map((file) => ({
    libraryPath: file.library.path,
    relPath: file.relPath,
    sizeBytes: Number(file.sizeBytes),
    sha256: file.sha256!,
    shardIndex: file.shardIndex ?? 0,
    fileName: hostFileName(ref, file, model.shardCount),
  }));

  let template: string | null = null;
  let system: string | null = null;
  let parameters: Record<string, unknown> | null = null;
  let license: string | null = model.license;
  if (ref.ollamaTagId !== null) {
    const tag = await db.ollamaTag.findUnique({ where: { id: ref.ollamaTagId }, select: { template: true, system: true, paramsJson: true, license: true } });
    if (tag) {
      template = tag.template;
      system = tag.system;
      license = tag.license ?? license;
      if (tag.paramsJson && tag.paramsJson.length <= MAX_PARAMS_JSON_CHARS) {
        const parsed: unknown = JSON.parse(tag.paramsJson);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) parameters = parsed as Record<string, unknown>;
      }
    }
  }

  return {
    modelId: model.id,
    ref: ref.ref,
    files,
    template,
    system,
    parameters,
    license,
    contextSize: options.hostProfileId ? await fittingContext(db, model.id, options.hostProfileId) : null,
  };
}

/** The largest context the host profile fits (the Fit page's estimate), or null without an estimate. */
async function fittingContext(db: Db, modelId: number, hostProfileId: number): Promise<number | null> {
  const profile = await db.hostProfile.findUnique({ where: { id: hostProfileId } });
  if (!profile) return null;
  const fitModel = await getFitModel(db, modelId);
  if (!fitModel) return null;
  try {
    const shape = modelShapeFromGguf(fitModel);
    const host = parseHostProfile(JSON.parse(profile.profileJson));
    return maxContext(shape, host).contextLength;
  } catch {
    // A model without the facts the estimate needs (unknown architecture) simply gets no suggestion.
    return null;
  }
}
