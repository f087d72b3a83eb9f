// Read-side queries for the Capacity and Fit pages and the capacity API: saved
// scenarios and host profiles, the space each library root's filesystem
// reports (statfs, or FSSTAT for nfs:// roots, both captured by the worker in
// Library.mountJson), the catalogue's bytes by model with identical content
// counted once, and the GGUF facts the memory-fit estimate needs.
// Everything returned is plain JSON (numbers, ISO strings).
import type { Db } from "../db/client.ts";
import type { Model } from "../generated/prisma/client.ts";
import { parseMountDetails } from "../catalog/queries.ts";

// ---------------------------------------------------------------------------
// Saved scenarios and host profiles

export interface SavedScenario {
  id: number;
  name: string;
  /** The stored JSON as parsed; the caller validates it with scenarioSchema (an older row may not pass). */
  scenario: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface SavedHostProfile {
  id: number;
  name: string;
  /** The stored JSON as parsed; the caller validates it with hostProfileSchema. */
  profile: unknown;
  createdAt: string;
  updatedAt: string;
}

function parseStoredJson(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    // A hand-edited row must not break the page: it shows as unreadable instead.
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

type ScenarioRow = { id: number; name: string; scenarioJson: string; createdAt: Date; updatedAt: Date };
type ProfileRow = { id: number; name: string; profileJson: string; createdAt: Date; updatedAt: Date };

function toSavedScenario(row: ScenarioRow): SavedScenario {
  return {
    id: row.id,
    name: row.name,
    scenario: parseStoredJson(row.scenarioJson),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toSavedHostProfile(row: ProfileRow): SavedHostProfile {
  return {
    id: row.id,
    name: row.name,
    profile: parseStoredJson(row.profileJson),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function listPlanScenarios(db: Db): Promise<SavedScenario[]> {
  const rows = await db.planScenario.findMany({ orderBy: { name: "asc" } });
  return rows.map(toSavedScenario);
}

export async function getPlanScenario(db: Db, id: number): Promise<SavedScenario | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const row = await db.planScenario.findUnique({ where: { id } });
  return row ? toSavedScenario(row) : null;
}

export async function listHostProfiles(db: Db): Promise<SavedHostProfile[]> {
  const rows = await db.hostProfile.findMany({ orderBy: { name: "asc" } });
  return rows.map(toSavedHostProfile);
}

// ---------------------------------------------------------------------------
// Space per library root

export interface RootUsage {
  libraryId: number;
  path: string;
  label: string | null;
  status: string;
  enabled: boolean;
  fsType: string | null;
  /** Where the figures come from: the kernel's statfs, or FSSTAT from the built-in NFS client. */
  source: "statfs" | "fsstat" | null;
  /** Null when the worker has not captured the filesystem's size yet. */
  space: { totalBytes: number; freeBytes: number; availableBytes: number; usedBytes: number } | null;
  /** Present, indexed catalogue files under this root (every copy). */
  catalogueBytes: number;
  checkedAt: string | null;
  /**
   * The first root (by path) that reports the same server and the same size and free space:
   * two shares on one NAS volume. Totals over roots count that filesystem once.
   */
  sameFilesystemAs: number | null;
}

export interface LibraryUsage {
  roots: RootUsage[];
  /** Sum over distinct filesystems (a volume shared by several roots counts once). */
  totals: { totalBytes: number; usedBytes: number; availableBytes: number; filesystems: number };
}

/** The server part of a mount source ("nas.lan:/volume1/models" → "nas.lan"); a local device stays as it is. */
function mountServer(source: string | null): string | null {
  if (!source) return null;
  const colon = source.indexOf(":");
  return colon > 0 ? source.slice(0, colon) : source;
}

export async function getLibraryUsage(db: Db): Promise<LibraryUsage> {
  const [libraries, bytes] = await Promise.all([
    db.library.findMany({ orderBy: { path: "asc" } }),
    db.libraryFile.groupBy({
      by: ["libraryId"],
      where: { missingSince: null, state: "indexed" },
      _sum: { sizeBytes: true },
    }),
  ]);
  const seen = new Map<string, number>();
  const roots = libraries.map((library): RootUsage => {
    const mount = parseMountDetails(library.mountJson);
    const statfs = mount?.statfs ?? null;
    const builtInClient = library.path.startsWith("nfs://") || (mount?.fsType ?? "").includes("built-in");
    let sameFilesystemAs: number | null = null;
    if (statfs) {
      const key = `${mountServer(mount?.source ?? null) ?? "?"}|${statfs.totalBytes}|${statfs.freeBytes}`;
      sameFilesystemAs = seen.get(key) ?? null;
      if (sameFilesystemAs === null) seen.set(key, library.id);
    }
    return {
      libraryId: library.id,
      path: library.path,
      label: library.label,
      status: library.status,
      enabled: library.enabled,
      fsType: mount?.fsType ?? null,
      source: statfs ? (builtInClient ? "fsstat" : "statfs") : null,
      space: statfs ? { ...statfs, usedBytes: Math.max(0, statfs.totalBytes - statfs.freeBytes) } : null,
      catalogueBytes: Number(bytes.find((b) => b.libraryId === library.id)?._sum.sizeBytes ?? 0n),
      checkedAt: library.mountCheckedAt ? library.mountCheckedAt.toISOString() : null,
      sameFilesystemAs,
    };
  });
  const totals = { totalBytes: 0, usedBytes: 0, availableBytes: 0, filesystems: 0 };
  for (const root of roots) {
    if (!root.space || root.sameFilesystemAs !== null) continue;
    totals.totalBytes += root.space.totalBytes;
    totals.usedBytes += root.space.usedBytes;
    totals.availableBytes += root.space.availableBytes;
    totals.filesystems += 1;
  }
  return { roots, totals };
}

// ---------------------------------------------------------------------------
// Catalogue bytes by model, identical content counted once

export interface ModelUsage {
  modelId: number | null;
  displayName: string;
  architecture: string | null;
  parameterCount: number | null;
  fileType: string | null;
  /** One copy of the content (all present shards). */
  uniqueBytes: number;
  /** Every present copy (raw file, Ollama blob, second library…). */
  storedBytes: number;
  /** Largest number of places one of its files is stored. */
  copies: number;
}

export interface CatalogueUsage {
  /** Distinct content over every present, indexed file: what a new NAS must hold. */
  uniqueBytes: number;
  /** What the present files take today, copies included. */
  storedBytes: number;
  /** Bytes saved by keeping one copy of each content. */
  duplicateBytes: number;
  models: ModelUsage[];
}

interface UsageFile {
  id: number;
  sizeBytes: bigint;
  sha256: string | null;
  headerFingerprint: string | null;
  modelId: number | null;
}

/**
 * The identity of a file's bytes: its SHA-256 once hashed, else its header fingerprint — joined to a
 * hashed file with that fingerprint, so a copy not hashed yet is not counted as different content.
 */
export function contentKeys(files: ReadonlyArray<Pick<UsageFile, "id" | "sha256" | "headerFingerprint">>): Map<number, string> {
  const hashByFingerprint = new Map<string, string>();
  for (const file of files) {
    if (file.sha256 && file.headerFingerprint && !hashByFingerprint.has(file.headerFingerprint)) {
      hashByFingerprint.set(file.headerFingerprint, file.sha256);
    }
  }
  const keys = new Map<number, string>();
  for (const file of files) {
    const hash = file.sha256 ?? (file.headerFingerprint ? hashByFingerprint.get(file.headerFingerprint) : undefined);
    if (hash) keys.set(file.id, `sha256:${hash}`);
    else if (file.headerFingerprint) keys.set(file.id, `header:${file.headerFingerprint}`);
    // Neither (should not happen for indexed files): the file is its own content.
    else keys.set(file.id, `file:${file.id}`);
  }
  return keys;
}

export async function getCatalogueUsage(db: Db): Promise<CatalogueUsage> {
  const files: UsageFile[] = await db.libraryFile.findMany({
    where: { missingSince: null, state: "indexed" },
    select: { id: true, sizeBytes: true, sha256: true, headerFingerprint: true, modelId: true },
    orderBy: { id: "asc" },
  });
  const keys = contentKeys(files);
  const contents = new Map<string, { size: number; copies: number; modelId: number | null }>();
  let storedBytes = 0;
  for (const file of files) {
    const size = Number(file.sizeBytes);
    storedBytes += size;
    const key = keys.get(file.id) ?? `file:${file.id}`;
    const content = contents.get(key);
    if (content) {
      content.copies += 1;
      content.modelId ??= file.modelId;
    } else contents.set(key, { size, copies: 1, modelId: file.modelId });
  }
  const byModel = new Map<number | null, { uniqueBytes: number; storedBytes: number; copies: number }>();
  let uniqueBytes = 0;
  for (const content of contents.values()) {
    uniqueBytes += content.size;
    const entry = byModel.get(content.modelId) ?? { uniqueBytes: 0, storedBytes: 0, copies: 0 };
    entry.uniqueBytes += content.size;
    entry.storedBytes += content.size * content.copies;
    entry.copies = Math.max(entry.copies, content.copies);
    byModel.set(content.modelId, entry);
  }
  const ids = [...byModel.keys()].filter((id): id is number => id !== null);
  const models =
    ids.length === 0
      ? []
      : await db.model.findMany({
          where: { id: { in: ids } },
          select: { id: true, displayName: true, architecture: true, parameterCount: true, fileType: true },
        });
  const rows = [...byModel.entries()].map(([modelId, usage]): ModelUsage => {
    const model = modelId === null ? undefined : models.find((m) => m.id === modelId);
    return {
      modelId,
      displayName: model?.displayName ?? "Files of no model",
      architecture: model?.architecture ?? null,
      parameterCount: model ? Number(model.parameterCount) : null,
      fileType: model?.fileType ?? null,
      ...usage,
    };
  });
  rows.sort((a, b) => b.uniqueBytes - a.uniqueBytes || a.displayName.localeCompare(b.displayName));
  return { uniqueBytes, storedBytes, duplicateBytes: storedBytes - uniqueBytes, models: rows };
}

// ---------------------------------------------------------------------------
// Catalogue models for the memory fit

/** The GGUF header facts the memory estimate reads: a GgufMemoryFacts (lib/capacity/memory-shape.ts) plus the row's id. */
export interface FitModel {
  id: number;
  displayName: string;
  /** The display name again, under the name memory-shape reads. */
  name: string;
  architecture: string;
  parameterCount: number;
  fileType: string;
  /** Bytes of all tensors (the weights). */
  tensorBytes: number;
  totalBytes: number;
  /** One complete copy (all shards): file size − tensor bytes = the header. */
  fileSizeBytes: number;
  tensorCount: number;
  tokenizerModel: string | null;
  contextLength: number | null;
  embeddingLength: number | null;
  blockCount: number | null;
  feedForwardLength: number | null;
  headCount: number | null;
  headCountKv: number | null;
  keyLength: number | null;
  valueLength: number | null;
  vocabSize: number | null;
  expertCount: number | null;
  /** `<arch>.expert_used_count` from the metadata (mixture-of-experts models). */
  expertUsedCount: number | null;
  /** Metadata keys of shard 1 (sliding window, pattern, …), long arrays summarised. */
  metadata: Record<string, unknown>;
}

const presentFile = { files: { some: { missingSince: null, state: "indexed" } } };

/** Models with at least one present file: the ones that could be deployed today. */
export async function listFitModels(db: Db): Promise<FitModel[]> {
  const rows = await db.model.findMany({ where: presentFile, orderBy: [{ parameterCount: "asc" }, { displayName: "asc" }] });
  return rows.map(toFitModel);
}

/** One model's memory-fit facts (a push sizing a preset's context), or null when it has no present file. */
export async function getFitModel(db: Db, id: number): Promise<FitModel | null> {
  const row = await db.model.findFirst({ where: { id, ...presentFile } });
  return row ? toFitModel(row) : null;
}

function toFitModel(row: Model): FitModel {
  const parsed = parseStoredJson(row.metadataJson);
  const metadata = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const expertUsed = metadata[`${row.architecture}.expert_used_count`];
  return {
    id: row.id,
    displayName: row.displayName,
    name: row.displayName,
    architecture: row.architecture,
    parameterCount: Number(row.parameterCount),
    fileType: row.fileType,
    tensorBytes: Number(row.tensorBytes),
    totalBytes: Number(row.totalBytes),
    fileSizeBytes: Number(row.totalBytes),
    tensorCount: row.tensorCount,
    tokenizerModel: row.tokenizerModel,
    contextLength: row.contextLength,
    embeddingLength: row.embeddingLength,
    blockCount: row.blockCount,
    feedForwardLength: row.feedForwardLength,
    headCount: row.headCount,
    headCountKv: row.headCountKv,
    keyLength: row.keyLength,
    valueLength: row.valueLength,
    vocabSize: row.vocabSize,
    expertCount: row.expertCount,
    expertUsedCount: typeof expertUsed === "number" ? expertUsed : null,
    metadata,
  };
}
