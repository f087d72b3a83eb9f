// Every catalogue model's name as a registry reference, "namespace/model:tag":
// the name the catalogue shows, the CLI accepts, the /v2/ registry serves and
// hosts receive. Models from an Ollama store keep their tag's name (without the
// registry host); models from raw GGUF files get one derived from the file name.
// All references are lower-case and valid Docker/OCI references.
import type { Db } from "../db/client.ts";
import { AppError } from "../errors.ts";

export interface ModelRef {
  /** "namespace/model:tag" */
  ref: string;
  /** "namespace/model": the registry repository. */
  repository: string;
  namespace: string;
  model: string;
  tag: string;
  modelId: number;
  /** Where the name comes from: an Ollama manifest (served byte-exact) or a GGUF file (manifest synthesised). */
  source: "ollama-tag" | "gguf-file";
  ollamaTagId: number | null;
}

/** One path component of an OCI repository name (distribution/reference). */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** An OCI tag. */
const TAG = /^[a-z0-9_][a-z0-9_.-]{0,127}$/;

/** Lower-cases and reduces `raw` to a valid repository component ("" when nothing is left). */
export function slugComponent(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/[._-]{2,}/g, (run) => (run.includes("-") ? "-" : run[0]!))
    .replace(/^[._-]+|[._-]+$/g, "")
    .slice(0, 96)
    .replace(/[._-]+$/g, "");
}

/** Lower-cases and reduces `raw` to a valid tag ("" when nothing is left). */
export function slugTag(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, 128);
}

export function isValidRefParts(namespace: string, model: string, tag: string): boolean {
  return COMPONENT.test(namespace) && COMPONENT.test(model) && TAG.test(tag);
}

export interface ParsedRef {
  namespace: string;
  model: string;
  tag: string;
}

/**
 * Parses "model", "ns/model", "ns/model:tag" or "host[:port]/ns/model:tag" (the host is
 * dropped) the way Ollama does: namespace "library" and tag "latest" by default.
 * Returns null when it is not a reference.
 */
export function parseRef(input: string): ParsedRef | null {
  const text = input.trim().toLowerCase();
  if (text.length === 0 || text.length > 512) return null;
  const colon = text.lastIndexOf(":");
  const slash = text.lastIndexOf("/");
  let path = text;
  let tag = "latest";
  if (colon > slash) {
    path = text.slice(0, colon);
    tag = text.slice(colon + 1);
  }
  const parts = path.split("/");
  if (parts.length > 3) return null;
  const model = parts[parts.length - 1]!;
  const namespace = parts.length >= 2 ? parts[parts.length - 2]! : "library";
  if (!isValidRefParts(namespace, model, tag)) return null;
  return { namespace, model, tag };
}

export function formatRef(parts: ParsedRef): string {
  return `${parts.namespace}/${parts.model}:${parts.tag}`;
}

// ---------------------------------------------------------------------------
// Naming

const SHARD_SUFFIX = /-\d{5}-of-\d{5}$/i;

export interface FileNamedModel {
  modelId: number;
  /** Relative path of the (first-shard) GGUF file. */
  relPath: string;
  /** Library label, or its path when unlabelled. */
  libraryName: string;
  /** llama_ftype name, e.g. "Q4_K_M". */
  fileType: string;
}

/** Namespace, model and tag for a model known only from a GGUF file. */
export function nameFromFile(input: FileNamedModel): ParsedRef {
  const base = input.relPath.split("/").pop() ?? input.relPath;
  const stem = base.replace(/\.gguf$/i, "").replace(SHARD_SUFFIX, "");
  const libraryBase = input.libraryName.replace(/\/+$/, "").split("/").pop() ?? "";
  const namespace = slugComponent(libraryBase) || "local";
  const fileType = input.fileType.toLowerCase();
  let model = stem;
  let tag = slugTag(fileType) || "latest";
  const lowerStem = stem.toLowerCase();
  if (fileType && lowerStem.endsWith(fileType) && lowerStem.length > fileType.length) {
    model = stem.slice(0, stem.length - fileType.length);
  }
  model = slugComponent(model) || `model-${input.modelId}`;
  if (!TAG.test(tag)) tag = "latest";
  return { namespace, model, tag };
}

export interface TagNamedModel {
  ollamaTagId: number;
  modelId: number;
  namespace: string;
  model: string;
  tag: string;
}

export interface NamingInput {
  /** Present Ollama tags whose model layer is in the catalogue, any order. */
  tags: TagNamedModel[];
  /** Models to name from a file (those without an Ollama tag), any order. */
  files: FileNamedModel[];
}

/**
 * Names every model. Deterministic: Ollama tags first (by tag id), then file models
 * (by model id); a name already taken gets "-2", "-3", … on the model part, so an
 * older model keeps its name when a newer one arrives.
 */
export function nameModels(input: NamingInput): ModelRef[] {
  const taken = new Set<string>();
  const refs: ModelRef[] = [];
  const add = (parts: ParsedRef, modelId: number, source: ModelRef["source"], ollamaTagId: number | null) => {
    let model = parts.model;
    for (let n = 2; taken.has(formatRef({ ...parts, model })); n++) model = `${parts.model}-${n}`;
    const named = { ...parts, model };
    const ref = formatRef(named);
    taken.add(ref);
    refs.push({ ref, repository: `${named.namespace}/${named.model}`, ...named, modelId, source, ollamaTagId });
  };
  for (const tag of [...input.tags].sort((a, b) => a.ollamaTagId - b.ollamaTagId)) {
    const namespace = slugComponent(tag.namespace) || "library";
    const model = slugComponent(tag.model) || `model-${tag.modelId}`;
    const tagName = slugTag(tag.tag);
    add({ namespace, model, tag: TAG.test(tagName) ? tagName : "latest" }, tag.modelId, "ollama-tag", tag.ollamaTagId);
  }
  for (const file of [...input.files].sort((a, b) => a.modelId - b.modelId)) {
    add(nameFromFile(file), file.modelId, "gguf-file", null);
  }
  return refs;
}

// ---------------------------------------------------------------------------
// From the catalogue

/**
 * Every servable name in the catalogue, in naming order. Four flat queries, no
 * relation loading: Prisma loads relations with `IN (…)` over every parent id, which
 * exceeds SQLite's bound-parameter limit on a catalogue of a few thousand models.
 */
export async function loadModelRefs(db: Db): Promise<ModelRef[]> {
  const [tags, models, firstShards, libraries] = await Promise.all([
    db.ollamaTag.findMany({
      where: { missingSince: null, modelId: { not: null } },
      select: { id: true, modelId: true, namespace: true, model: true, tag: true },
    }),
    db.model.findMany({ select: { id: true, fileType: true } }),
    db.libraryFile.findMany({
      where: { role: "gguf", missingSince: null, state: "indexed", modelId: { not: null }, OR: [{ shardIndex: null }, { shardIndex: 0 }] },
      select: { modelId: true, relPath: true, libraryId: true },
      orderBy: [{ libraryId: "asc" }, { relPath: "asc" }],
    }),
    db.library.findMany({ select: { id: true, label: true, path: true } }),
  ]);
  const tagged = new Set(tags.map((t) => t.modelId));
  const libraryName = new Map(libraries.map((l) => [l.id, l.label ?? l.path]));
  const fileTypes = new Map(models.map((m) => [m.id, m.fileType]));
  const files: FileNamedModel[] = [];
  const named = new Set<number>();
  for (const file of firstShards) {
    const modelId = file.modelId!;
    if (tagged.has(modelId) || named.has(modelId) || !fileTypes.has(modelId)) continue;
    named.add(modelId);
    files.push({ modelId, relPath: file.relPath, libraryName: libraryName.get(file.libraryId) ?? "", fileType: fileTypes.get(modelId)! });
  }
  return nameModels({
    tags: tags.map((t) => ({ ollamaTagId: t.id, modelId: t.modelId!, namespace: t.namespace, model: t.model, tag: t.tag })),
    files,
  });
}

/** First name of each model, by model id. */
export function primaryRefs(refs: ModelRef[]): Map<number, ModelRef> {
  const byModel = new Map<number, ModelRef>();
  for (const ref of refs) if (!byModel.has(ref.modelId)) byModel.set(ref.modelId, ref);
  return byModel;
}

/**
 * A model named on the command line or in a request: a catalogue id ("12") or a
 * reference ("ns/model:tag", optionally with a registry host in front).
 */
export async function resolveModelArg(db: Db, arg: string): Promise<ModelRef> {
  const refs = await loadModelRefs(db);
  if (/^\d+$/.test(arg.trim())) {
    const id = Number(arg.trim());
    const ref = primaryRefs(refs).get(id);
    if (!ref) throw new AppError("not-found", `No catalogue model with id ${id} (or it has no complete, indexed file to serve)`);
    return ref;
  }
  const parsed = parseRef(arg);
  if (!parsed) throw new AppError("invalid-input", `"${arg}" is neither a catalogue id nor a model reference such as ns/model:tag`);
  const wanted = formatRef(parsed);
  const ref = refs.find((r) => r.ref === wanted);
  if (!ref) throw new AppError("not-found", `No catalogue model is named ${wanted}`);
  return ref;
}
