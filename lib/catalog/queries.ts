// Read-side queries for the catalogue UI and the JSON API. Everything returned
// is plain JSON (numbers for BigInt columns, ISO strings for dates), so pages,
// client components and route handlers can pass it on unchanged.
//
// Filtering, sorting, paging and facets run as SQL over the Model table with
// correlated EXISTS subqueries on indexed columns; the page of rows is then
// loaded with one Prisma query with includes (no per-row queries).
import { z } from "zod";
import type { Db } from "../db/client.ts";
import { Prisma, type Model, type ScanRun } from "../generated/prisma/client.ts";
import {
  modelHasDuplicatesSql,
  modelVerifyRankSql,
  summarizeDuplicates,
  summarizeVerification,
  toExpectedHashViews,
  verifyStateFromRank,
  verifyStateRankOf,
  verifyStates,
  type DuplicateSummary,
  type ExpectedHashView,
  type VerificationSummary,
} from "../hashing/queries.ts";

// ---------------------------------------------------------------------------
// List parameters (shared by the catalogue page and GET /api/v1/models)

export const modelStates = ["ok", "missing", "incomplete", "error"] as const;
export type ModelState = (typeof modelStates)[number];

export const modelSortKeys = [
  "name",
  "architecture",
  "parameterCount",
  "fileType",
  "totalBytes",
  "contextLength",
  "updatedAt",
] as const;
export type ModelSortKey = (typeof modelSortKeys)[number];

/** Rows per page at most: a page must render fast and a client cannot ask for the whole table at once. */
export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;
/** Longer searches are certainly not a model name; the cap keeps LIKE patterns cheap. */
const MAX_QUERY_LENGTH = 200;
/** Each search word adds a set of LIKE clauses; more words than this add nothing useful. */
const MAX_QUERY_TERMS = 8;
const BYTES_PER_GIB = 2 ** 30;
/** Ollama's default registry: tags from it are shown without the host, as `ollama list` does. */
export const DEFAULT_OLLAMA_HOST = "registry.ollama.ai";

/** Empty form fields ("?architecture=") mean "no filter". */
const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

const sizeGib = z.coerce.number().min(0, "must be ≥ 0").max(1_000_000, "is too large");
const sizeBytes = z.coerce.number().int("must be a whole number of bytes").min(0, "must be ≥ 0").max(Number.MAX_SAFE_INTEGER);

export const modelListParamsSchema = z
  .object({
    q: optional(z.string().trim().max(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`)),
    architecture: optional(z.string().trim().max(100)),
    fileType: optional(z.string().trim().max(50)),
    /** Size range in bytes (API) … */
    minBytes: optional(sizeBytes),
    maxBytes: optional(sizeBytes),
    /** … or in GiB (the catalogue form); bytes win when both are given. */
    minGib: optional(sizeGib),
    maxGib: optional(sizeGib),
    libraryId: optional(z.coerce.number().int().positive().max(2 ** 31 - 1)),
    state: optional(z.enum(modelStates)),
    /** The model's verification verdict: the worst state of its present files. */
    verify: optional(z.enum(verifyStates)),
    /** Only models with identical content in more than one place. */
    duplicates: optional(
      z.preprocess(
        (value) => (value === "1" || value === "true" ? true : value === "0" || value === "false" ? false : value),
        z.boolean({ error: 'must be "1" or "true"' }),
      ),
    ),
    sort: z.preprocess(blankToUndefined, z.enum(modelSortKeys).default("name")),
    dir: z.preprocess(blankToUndefined, z.enum(["asc", "desc"]).default("asc")),
    page: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(1_000_000).default(1)),
    pageSize: z.preprocess(
      blankToUndefined,
      z.coerce.number().int().min(1).max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`).default(DEFAULT_PAGE_SIZE),
    ),
  })
  .transform((p) => ({
    ...p,
    minBytes: p.minBytes ?? (p.minGib === undefined ? undefined : Math.round(p.minGib * BYTES_PER_GIB)),
    maxBytes: p.maxBytes ?? (p.maxGib === undefined ? undefined : Math.round(p.maxGib * BYTES_PER_GIB)),
  }));
export type ModelListParams = z.infer<typeof modelListParamsSchema>;
export type ModelListInput = z.input<typeof modelListParamsSchema>;

/** A query string as Next.js hands it to pages (repeated keys arrive as arrays). */
export type SearchParamsRecord = Record<string, string | string[] | undefined>;

function firstValues(input: SearchParamsRecord | URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  if (input instanceof URLSearchParams) {
    for (const [key, value] of input) if (!(key in out)) out[key] = value;
    return out;
  }
  for (const [key, value] of Object.entries(input)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[key] = first;
  }
  return out;
}

export type ParseListParamsResult =
  | { success: true; params: ModelListParams }
  | { success: false; message: string; issues: Array<{ param: string; message: string }> };

/** Strict parse for the API: any bad parameter is an error (422). */
export function parseModelListParams(input: SearchParamsRecord | URLSearchParams): ParseListParamsResult {
  const parsed = modelListParamsSchema.safeParse(firstValues(input));
  if (parsed.success) return { success: true, params: parsed.data };
  const issues = parsed.error.issues.map((issue) => ({ param: issue.path.join(".") || "query", message: issue.message }));
  return { success: false, message: issues.map((i) => `${i.param}: ${i.message}`).join("; "), issues };
}

/** Lenient parse for the page: a bad parameter is dropped (and reported) instead of failing the page. */
export function parseModelListParamsLenient(input: SearchParamsRecord | URLSearchParams): {
  params: ModelListParams;
  ignored: Array<{ param: string; message: string }>;
} {
  const values = firstValues(input);
  const ignored: Array<{ param: string; message: string }> = [];
  // Each round removes the offending keys; the schema has a dozen keys, so this ends quickly.
  for (let round = 0; round < 20; round++) {
    const parsed = modelListParamsSchema.safeParse(values);
    if (parsed.success) return { params: parsed.data, ignored };
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? "");
      if (key in values) {
        ignored.push({ param: key, message: issue.message });
        delete values[key];
      }
    }
  }
  return { params: modelListParamsSchema.parse({}), ignored };
}

// ---------------------------------------------------------------------------
// Result types

export interface ModelLocation {
  libraryId: number;
  libraryPath: string;
  libraryLabel: string | null;
  /** False while the library root is unavailable (the location is as of its last good scan). */
  libraryAvailable: boolean;
  /** The file, or the first shard of a split model. */
  relPath: string;
  role: string;
  shardCount: number;
  shardsPresent: number;
  complete: boolean;
  /** Set when every file of this copy is gone (the earliest disappearance). */
  missingSince: string | null;
  /** Ollama tags (display names) of this library that point at the model. */
  tags: string[];
}

export interface ModelListRow {
  id: number;
  displayName: string;
  architecture: string;
  parameterCount: number;
  fileType: string;
  fileTypeSource: string;
  totalBytes: number;
  contextLength: number | null;
  shardCount: number;
  locations: ModelLocation[];
  ollamaTags: string[];
  state: ModelState;
  verification: VerificationSummary;
  /** Identical copies of this model's files, and the space the extra copies take. */
  duplicates: DuplicateSummary | null;
}

export interface Facet {
  value: string;
  label: string;
  count: number;
}

export interface ModelList {
  rows: ModelListRow[];
  total: number;
  page: number;
  pageSize: number;
  facets: { architectures: Facet[]; fileTypes: Facet[]; libraries: Facet[]; verifyStates: Facet[] };
}

// ---------------------------------------------------------------------------
// SQL building blocks

/**
 * A model's state, derived in SQL so filtering and paging agree with the
 * badge: "ok" when some library holds a complete, indexed copy (every shard,
 * none missing); "missing" when no file is present any more; "incomplete" when
 * the scanner recorded problems (e.g. a missing shard); otherwise "error"
 * (present files that failed or are still settling).
 */
const stateSql = Prisma.sql`CASE
  WHEN EXISTS (
    SELECT 1 FROM "LibraryFile" cf
    WHERE cf."modelId" = m."id" AND cf."missingSince" IS NULL AND cf."state" = 'indexed'
    GROUP BY cf."libraryId", cf."role", COALESCE(cf."splitGroup", CASE WHEN m."shardCount" > 1 THEN '' ELSE cf."relPath" END)
    HAVING COUNT(DISTINCT COALESCE(cf."shardIndex", 0)) >= m."shardCount"
  ) THEN 'ok'
  WHEN NOT EXISTS (SELECT 1 FROM "LibraryFile" pf WHERE pf."modelId" = m."id" AND pf."missingSince" IS NULL) THEN 'missing'
  WHEN (CASE WHEN json_valid(m."problemsJson") THEN json_array_length(m."problemsJson") ELSE 0 END) > 0 THEN 'incomplete'
  ELSE 'error'
END`;

const sortColumns: Record<ModelSortKey, Prisma.Sql> = {
  name: Prisma.sql`m."displayName" COLLATE NOCASE`,
  architecture: Prisma.sql`m."architecture" COLLATE NOCASE`,
  parameterCount: Prisma.sql`m."parameterCount"`,
  fileType: Prisma.sql`m."fileType" COLLATE NOCASE`,
  totalBytes: Prisma.sql`m."totalBytes"`,
  contextLength: Prisma.sql`m."contextLength"`,
  updatedAt: Prisma.sql`m."updatedAt"`,
};

function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function searchTerms(q: string | undefined): string[] {
  if (!q) return [];
  return q.split(/\s+/).filter((t) => t.length > 0).slice(0, MAX_QUERY_TERMS);
}

type FilterKey = "architecture" | "fileType" | "libraryId" | "verify";

/** WHERE clause for the list; `omit` drops one filter so its facet shows the alternatives. */
function whereSql(params: ModelListParams, omit?: FilterKey): Prisma.Sql {
  const clauses: Prisma.Sql[] = [];
  for (const term of searchTerms(params.q)) {
    const like = likePattern(term);
    // LIKE is case-insensitive for ASCII in SQLite, which is what model names use.
    clauses.push(Prisma.sql`(
      m."displayName" LIKE ${like} ESCAPE '\\'
      OR m."name" LIKE ${like} ESCAPE '\\'
      OR m."basename" LIKE ${like} ESCAPE '\\'
      OR m."architecture" LIKE ${like} ESCAPE '\\'
      OR m."fileType" LIKE ${like} ESCAPE '\\'
      OR EXISTS (SELECT 1 FROM "LibraryFile" sf WHERE sf."modelId" = m."id" AND sf."relPath" LIKE ${like} ESCAPE '\\')
      OR EXISTS (SELECT 1 FROM "OllamaTag" st WHERE st."modelId" = m."id"
        AND (st."host" || '/' || st."namespace" || '/' || st."model" || ':' || st."tag") LIKE ${like} ESCAPE '\\')
    )`);
  }
  if (params.architecture !== undefined && omit !== "architecture") {
    clauses.push(Prisma.sql`m."architecture" = ${params.architecture}`);
  }
  if (params.fileType !== undefined && omit !== "fileType") {
    clauses.push(Prisma.sql`m."fileType" = ${params.fileType}`);
  }
  if (params.minBytes !== undefined) clauses.push(Prisma.sql`m."totalBytes" >= ${params.minBytes}`);
  if (params.maxBytes !== undefined) clauses.push(Prisma.sql`m."totalBytes" <= ${params.maxBytes}`);
  if (params.libraryId !== undefined && omit !== "libraryId") {
    clauses.push(
      Prisma.sql`EXISTS (SELECT 1 FROM "LibraryFile" lf WHERE lf."modelId" = m."id" AND lf."libraryId" = ${params.libraryId})`,
    );
  }
  if (params.state !== undefined) clauses.push(Prisma.sql`(${stateSql}) = ${params.state}`);
  if (params.verify !== undefined && omit !== "verify") {
    clauses.push(Prisma.sql`${modelVerifyRankSql} = ${verifyStateRankOf(params.verify)}`);
  }
  if (params.duplicates === true) clauses.push(modelHasDuplicatesSql);
  if (params.duplicates === false) clauses.push(Prisma.sql`NOT ${modelHasDuplicatesSql}`);
  return clauses.length === 0 ? Prisma.sql`1 = 1` : Prisma.join(clauses, " AND ");
}

/** SQLite hands COUNT(*) back as BigInt through the driver adapter. */
function toNumber(value: unknown): number {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") return Number(value);
  return 0;
}

function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

function bigintToNumber(value: bigint | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

// ---------------------------------------------------------------------------
// Ollama tag names and locations

export interface TagNameParts {
  host: string;
  namespace: string;
  model: string;
  tag: string;
}

/** "namespace/model:tag", prefixed with the host when it is not Ollama's default registry. */
export function ollamaTagName(tag: TagNameParts): string {
  const base = `${tag.namespace}/${tag.model}:${tag.tag}`;
  return tag.host === DEFAULT_OLLAMA_HOST ? base : `${tag.host}/${base}`;
}

const SHARD_NAME = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

interface LocatableFile {
  id: number;
  libraryId: number;
  relPath: string;
  role: string;
  state: string;
  shardIndex: number | null;
  splitGroup: string | null;
  missingSince: Date | null;
  library: { path: string; label: string | null; status: string };
}

interface LocatableTag extends TagNameParts {
  libraryId: number;
  modelFileId: number | null;
  missingSince: Date | null;
}

/** Groups a model's files into copies: one per file, or one per set of shards. */
function buildLocations(files: readonly LocatableFile[], tags: readonly LocatableTag[], shardCount: number): ModelLocation[] {
  const groups = new Map<string, LocatableFile[]>();
  for (const file of files) {
    const setName =
      shardCount > 1 ? (file.splitGroup ?? SHARD_NAME.exec(file.relPath)?.[1] ?? "") : file.relPath;
    const key = `${file.libraryId}\u0000${file.role}\u0000${setName}`;
    const group = groups.get(key);
    if (group) group.push(file);
    else groups.set(key, [file]);
  }
  const locations: ModelLocation[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => (a.shardIndex ?? 0) - (b.shardIndex ?? 0) || a.relPath.localeCompare(b.relPath));
    const first = group[0];
    if (!first) continue;
    const present = group.filter((f) => f.missingSince === null);
    const presentShards = new Set(present.filter((f) => f.state === "indexed").map((f) => f.shardIndex ?? 0));
    const missingDates = group.map((f) => f.missingSince).filter((d): d is Date => d !== null);
    const fileIds = new Set(group.map((f) => f.id));
    const tagNames =
      first.role === "ollama-blob"
        ? tags
            .filter((t) => t.missingSince === null && t.libraryId === first.libraryId)
            .filter((t) => t.modelFileId === null || fileIds.has(t.modelFileId))
            .map(ollamaTagName)
            .sort()
        : [];
    locations.push({
      libraryId: first.libraryId,
      libraryPath: first.library.path,
      libraryLabel: first.library.label,
      libraryAvailable: first.library.status !== "unavailable",
      relPath: first.relPath,
      role: first.role,
      shardCount,
      shardsPresent: new Set(present.map((f) => f.shardIndex ?? 0)).size,
      complete: presentShards.size >= shardCount,
      missingSince:
        present.length === 0 && missingDates.length > 0
          ? new Date(Math.min(...missingDates.map((d) => d.getTime()))).toISOString()
          : null,
      tags: tagNames,
    });
  }
  // Present, complete copies first; then by library and path for a stable order.
  return locations.sort(
    (a, b) =>
      Number(a.missingSince !== null) - Number(b.missingSince !== null) ||
      Number(b.complete) - Number(a.complete) ||
      a.libraryPath.localeCompare(b.libraryPath) ||
      a.relPath.localeCompare(b.relPath),
  );
}

const locatableFileSelect = {
  id: true,
  libraryId: true,
  relPath: true,
  role: true,
  state: true,
  shardIndex: true,
  splitGroup: true,
  missingSince: true,
  library: { select: { path: true, label: true, status: true } },
} as const;

/** What the catalogue row needs on top of the locations: verification and duplicate facts. */
const listFileSelect = {
  ...locatableFileSelect,
  sizeBytes: true,
  headerFingerprint: true,
  sha256: true,
  verifyState: true,
  verifyProgress: true,
  verifiedSource: true,
} as const;

const locatableTagSelect = {
  libraryId: true,
  host: true,
  namespace: true,
  model: true,
  tag: true,
  modelFileId: true,
  missingSince: true,
} as const;

// ---------------------------------------------------------------------------
// listModels

async function facetRows(db: Db, sql: Prisma.Sql): Promise<Array<{ value: string; count: number }>> {
  const rows = await db.$queryRaw<Array<{ value: unknown; count: unknown }>>(sql);
  return rows.map((r) => ({ value: String(r.value), count: toNumber(r.count) }));
}

async function listFacets(db: Db, params: ModelListParams): Promise<ModelList["facets"]> {
  const [architectures, fileTypes, libraryCounts, libraries, verifyRanks] = await Promise.all([
    facetRows(
      db,
      Prisma.sql`SELECT m."architecture" AS value, COUNT(*) AS count FROM "Model" m
        WHERE ${whereSql(params, "architecture")} GROUP BY m."architecture" ORDER BY count DESC, value`,
    ),
    facetRows(
      db,
      Prisma.sql`SELECT m."fileType" AS value, COUNT(*) AS count FROM "Model" m
        WHERE ${whereSql(params, "fileType")} GROUP BY m."fileType" ORDER BY count DESC, value`,
    ),
    facetRows(
      db,
      Prisma.sql`SELECT f."libraryId" AS value, COUNT(DISTINCT m."id") AS count
        FROM "Model" m JOIN "LibraryFile" f ON f."modelId" = m."id"
        WHERE ${whereSql(params, "libraryId")} GROUP BY f."libraryId"`,
    ),
    db.library.findMany({ select: { id: true, path: true, label: true }, orderBy: { path: "asc" } }),
    facetRows(
      db,
      Prisma.sql`SELECT ${modelVerifyRankSql} AS value, COUNT(*) AS count FROM "Model" m
        WHERE ${whereSql(params, "verify")} GROUP BY value`,
    ),
  ]);
  const countByRank = new Map(verifyRanks.map((r) => [verifyStateFromRank(Number(r.value)), r.count]));
  const countByLibrary = new Map(libraryCounts.map((r) => [r.value, r.count]));
  return {
    architectures: architectures.map((r) => ({ ...r, label: r.value })),
    fileTypes: fileTypes.map((r) => ({ ...r, label: r.value })),
    // Every library is offered, even with no matching model, so the filter never hides a root.
    libraries: libraries.map((l) => ({
      value: String(l.id),
      label: l.label ? `${l.label} (${l.path})` : l.path,
      count: countByLibrary.get(String(l.id)) ?? 0,
    })),
    // Worst first, every state offered, so "mismatch (0)" is itself reassuring.
    verifyStates: verifyStates.map((state) => ({ value: state, label: state, count: countByRank.get(state) ?? 0 })),
  };
}

export async function listModels(db: Db, input: ModelListParams | ModelListInput = {}): Promise<ModelList> {
  const params = modelListParamsSchema.parse(input);
  const where = whereSql(params);
  const direction = params.dir === "desc" ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  // Unknown values (NULL context) sort last in both directions; id breaks ties so paging is stable.
  const order = Prisma.sql`(${sortColumns[params.sort]} IS NULL), ${sortColumns[params.sort]} ${direction}, m."displayName" COLLATE NOCASE ASC, m."id" ASC`;
  const offset = (params.page - 1) * params.pageSize;

  const [countRows, idRows, facets] = await Promise.all([
    db.$queryRaw<Array<{ total: unknown }>>(Prisma.sql`SELECT COUNT(*) AS total FROM "Model" m WHERE ${where}`),
    db.$queryRaw<Array<{ id: unknown; state: string }>>(
      Prisma.sql`SELECT m."id" AS id, ${stateSql} AS state FROM "Model" m WHERE ${where}
        ORDER BY ${order} LIMIT ${params.pageSize} OFFSET ${offset}`,
    ),
    listFacets(db, params),
  ]);
  const ids = idRows.map((r) => toNumber(r.id));
  const stateById = new Map(idRows.map((r) => [toNumber(r.id), r.state as ModelState]));
  const models =
    ids.length === 0
      ? []
      : await db.model.findMany({
          where: { id: { in: ids } },
          select: {
            id: true,
            displayName: true,
            architecture: true,
            parameterCount: true,
            fileType: true,
            fileTypeSource: true,
            totalBytes: true,
            contextLength: true,
            shardCount: true,
            files: { select: listFileSelect },
            tags: { select: locatableTagSelect },
          },
        });
  const byId = new Map(models.map((m) => [m.id, m]));
  const rows: ModelListRow[] = [];
  for (const id of ids) {
    const model = byId.get(id);
    if (!model) continue; // deleted between the two queries
    rows.push({
      id: model.id,
      displayName: model.displayName,
      architecture: model.architecture,
      parameterCount: Number(model.parameterCount),
      fileType: model.fileType,
      fileTypeSource: model.fileTypeSource,
      totalBytes: Number(model.totalBytes),
      contextLength: model.contextLength,
      shardCount: model.shardCount,
      locations: buildLocations(model.files, model.tags, model.shardCount),
      ollamaTags: model.tags.filter((t) => t.missingSince === null).map(ollamaTagName).sort(),
      state: stateById.get(id) ?? "error",
      verification: summarizeVerification(model.files),
      duplicates: summarizeDuplicates(model.files),
    });
  }
  return { rows, total: toNumber(countRows[0]?.total), page: params.page, pageSize: params.pageSize, facets };
}

// ---------------------------------------------------------------------------
// getModel

export interface Problem {
  message: string;
  kind: string | null;
}

/** Problems are written by the scanner as strings or `{ kind?, message }` objects. */
export function parseProblems(json: string | null | undefined): Problem[] {
  const parsed = parseJson(json);
  if (!Array.isArray(parsed)) return [];
  return parsed.map((item): Problem => {
    if (typeof item === "string") return { message: item, kind: null };
    if (item && typeof item === "object") {
      const record = item as Record<string, unknown>;
      const kind = typeof record.kind === "string" ? record.kind : typeof record.code === "string" ? record.code : null;
      const message = typeof record.message === "string" ? record.message : JSON.stringify(item);
      return { message, kind };
    }
    return { message: String(item), kind: null };
  });
}

/** Parses stored JSON; a corrupt column must not take a page down, so it reads as null. */
function parseJson(json: string | null | undefined): unknown {
  if (json === null || json === undefined || json === "") return null;
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

export interface TensorTypeSummary {
  type: string;
  count: number;
  bytes: number;
}

export function parseTensorTypes(json: string | null | undefined): TensorTypeSummary[] {
  const parsed = parseJson(json);
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return [];
  return Object.entries(parsed as Record<string, unknown>)
    .map(([type, value]) => {
      const record = (value && typeof value === "object" ? value : {}) as Record<string, unknown>;
      return { type, count: toNumber(record.count), bytes: toNumber(record.bytes) };
    })
    .sort((a, b) => b.bytes - a.bytes || a.type.localeCompare(b.type));
}

export interface ModelFileDetail {
  id: number;
  libraryId: number;
  libraryPath: string;
  libraryLabel: string | null;
  libraryStatus: string;
  relPath: string;
  role: string;
  sizeBytes: number;
  state: string;
  stateReason: string | null;
  errorOffset: number | null;
  shardIndex: number | null;
  shardCount: number | null;
  sha256: string | null;
  blobDigest: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  missingSince: string | null;
  indexedAt: string | null;
  verifyState: string;
  /** 0..1 while hashing. */
  verifyProgress: number | null;
  verifiedAt: string | null;
  verifiedSource: string | null;
  verifyError: string | null;
  /** Strongest first; `agrees` compares each with the computed sha256. */
  expectedHashes: ExpectedHashView[];
  /** The newest verifications first (at most VERIFICATION_HISTORY_LIMIT). */
  verifications: VerificationRecord[];
  /** Present copies of the same content elsewhere (including this file), 0 when unique. */
  identicalCopies: number;
}

export interface VerificationRecord {
  id: number;
  trigger: string;
  status: string;
  sha256: string | null;
  expectedSha256: string | null;
  expectedSource: string | null;
  bytes: number;
  seconds: number;
  /** Read speed, bytes per second (null when nothing was read). */
  bytesPerSecond: number | null;
  error: string | null;
  startedAt: string;
  finishedAt: string;
}

/** History rows per file on the model page: enough to see a trend or when it went wrong. */
export const VERIFICATION_HISTORY_LIMIT = 10;

export interface OllamaLayer {
  mediaType: string;
  /** The media type's last part: model, template, projector, adapter, … */
  kind: string;
  digest: string;
  size: number;
  present: boolean | null;
}

export interface ModelTagDetail {
  id: number;
  name: string;
  host: string;
  namespace: string;
  model: string;
  tag: string;
  libraryId: number;
  libraryPath: string;
  libraryLabel: string | null;
  manifestDigest: string;
  totalSize: number;
  template: string | null;
  system: string | null;
  params: unknown;
  license: string | null;
  layers: OllamaLayer[];
  problems: Problem[];
  missingSince: string | null;
}

/** The Model columns, as JSON-safe values, plus what the model page shows around them. */
export type ModelDetail = Omit<
  Model,
  "parameterCount" | "tensorBytes" | "totalBytes" | "firstSeenAt" | "updatedAt" | "tensorTypesJson" | "metadataJson" | "problemsJson"
> & {
  parameterCount: number;
  tensorBytes: number;
  totalBytes: number;
  firstSeenAt: string;
  updatedAt: string;
  state: ModelState;
  metadata: Record<string, unknown>;
  tensorTypes: TensorTypeSummary[];
  problems: Problem[];
  files: ModelFileDetail[];
  locations: ModelLocation[];
  tags: ModelTagDetail[];
  verification: VerificationSummary;
  duplicates: DuplicateSummary | null;
};

function parseLayers(json: string | null | undefined): OllamaLayer[] {
  const parsed = parseJson(json);
  if (!Array.isArray(parsed)) return [];
  return parsed
    .filter((item): item is Record<string, unknown> => Boolean(item) && typeof item === "object")
    .map((layer) => {
      const mediaType = typeof layer.mediaType === "string" ? layer.mediaType : "unknown";
      return {
        mediaType,
        kind: mediaType.split(".").pop() ?? mediaType,
        digest: typeof layer.digest === "string" ? layer.digest : "",
        size: toNumber(layer.size),
        present: typeof layer.present === "boolean" ? layer.present : null,
      };
    });
}

export async function getModel(db: Db, id: number): Promise<ModelDetail | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const model = await db.model.findUnique({
    where: { id },
    include: {
      files: {
        include: {
          library: { select: { path: true, label: true, status: true } },
          expectedHashes: true,
          verifications: { orderBy: [{ finishedAt: "desc" }, { id: "desc" }], take: VERIFICATION_HISTORY_LIMIT },
        },
      },
      tags: { include: { library: { select: { path: true, label: true } } } },
    },
  });
  if (!model) return null;
  const copyKey = (f: { headerFingerprint: string | null; sha256: string | null }) =>
    f.headerFingerprint ?? (f.sha256 ? `sha256:${f.sha256}` : null);
  // Same rule as summarizeDuplicates: present indexed files with one key, whose known hashes agree.
  const copiesByKey = new Map<string, { count: number; hashes: Set<string> }>();
  for (const file of model.files) {
    const key = copyKey(file);
    if (key === null || file.missingSince !== null || file.state !== "indexed") continue;
    const entry = copiesByKey.get(key) ?? { count: 0, hashes: new Set<string>() };
    entry.count++;
    if (file.sha256) entry.hashes.add(file.sha256);
    copiesByKey.set(key, entry);
  }
  const identicalCopies = (f: (typeof model.files)[number]): number => {
    const key = copyKey(f);
    const entry = key === null || f.missingSince !== null || f.state !== "indexed" ? undefined : copiesByKey.get(key);
    return entry && entry.count > 1 && entry.hashes.size <= 1 ? entry.count : 0;
  };
  const duplicates = summarizeDuplicates(model.files);
  const stateRows = await db.$queryRaw<Array<{ state: string }>>(
    Prisma.sql`SELECT ${stateSql} AS state FROM "Model" m WHERE m."id" = ${id}`,
  );
  const metadata = parseJson(model.metadataJson);
  const files = [...model.files].sort(
    (a, b) =>
      a.library.path.localeCompare(b.library.path) ||
      a.role.localeCompare(b.role) ||
      (a.shardIndex ?? 0) - (b.shardIndex ?? 0) ||
      a.relPath.localeCompare(b.relPath),
  );
  const { files: _files, tags: _tags, tensorTypesJson, metadataJson: _metadataJson, problemsJson, ...columns } = model;
  return {
    ...columns,
    parameterCount: Number(model.parameterCount),
    tensorBytes: Number(model.tensorBytes),
    totalBytes: Number(model.totalBytes),
    firstSeenAt: model.firstSeenAt.toISOString(),
    updatedAt: model.updatedAt.toISOString(),
    state: (stateRows[0]?.state as ModelState | undefined) ?? "error",
    metadata: metadata && typeof metadata === "object" && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : {},
    tensorTypes: parseTensorTypes(tensorTypesJson),
    problems: parseProblems(problemsJson),
    files: files.map((f) => ({
      id: f.id,
      libraryId: f.libraryId,
      libraryPath: f.library.path,
      libraryLabel: f.library.label,
      libraryStatus: f.library.status,
      relPath: f.relPath,
      role: f.role,
      sizeBytes: Number(f.sizeBytes),
      state: f.state,
      stateReason: f.stateReason,
      errorOffset: bigintToNumber(f.errorOffset),
      shardIndex: f.shardIndex,
      shardCount: f.shardCount,
      sha256: f.sha256,
      blobDigest: f.blobDigest,
      firstSeenAt: f.firstSeenAt.toISOString(),
      lastSeenAt: f.lastSeenAt.toISOString(),
      missingSince: iso(f.missingSince),
      indexedAt: iso(f.indexedAt),
      verifyState: f.verifyState,
      verifyProgress: f.verifyProgress,
      verifiedAt: iso(f.verifiedAt),
      verifiedSource: f.verifiedSource,
      verifyError: f.verifyError,
      expectedHashes: toExpectedHashViews(f.expectedHashes, f.sha256),
      verifications: f.verifications.map((v) => ({
        id: v.id,
        trigger: v.trigger,
        status: v.status,
        sha256: v.sha256,
        expectedSha256: v.expectedSha256,
        expectedSource: v.expectedSource,
        bytes: Number(v.bytes),
        seconds: v.seconds,
        bytesPerSecond: v.seconds > 0 && v.bytes > 0n ? Number(v.bytes) / v.seconds : null,
        error: v.error,
        startedAt: v.startedAt.toISOString(),
        finishedAt: v.finishedAt.toISOString(),
      })),
      identicalCopies: identicalCopies(f),
    })),
    locations: buildLocations(model.files, model.tags, model.shardCount),
    verification: summarizeVerification(model.files),
    duplicates,
    tags: model.tags
      .map((t) => ({
        id: t.id,
        name: ollamaTagName(t),
        host: t.host,
        namespace: t.namespace,
        model: t.model,
        tag: t.tag,
        libraryId: t.libraryId,
        libraryPath: t.library.path,
        libraryLabel: t.library.label,
        manifestDigest: t.manifestDigest,
        totalSize: Number(t.totalSize),
        template: t.template,
        system: t.system,
        params: parseJson(t.paramsJson),
        license: t.license,
        layers: parseLayers(t.layersJson),
        problems: parseProblems(t.problemsJson),
        missingSince: iso(t.missingSince),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

// ---------------------------------------------------------------------------
// Libraries

export interface MountDetails {
  source: string | null;
  mountPoint: string | null;
  fsType: string | null;
  isNetwork: boolean | null;
  nfsVersion: string | null;
  /** "hard" | "soft" | "softerr" for NFS/CIFS mounts. */
  failureMode: string | null;
  readOnly: boolean | null;
  rsize: number | null;
  wsize: number | null;
  /** Attribute-cache lifetime in seconds (actimeo), or the acregmin–acregmax range when only those are set. */
  attributeCache: string | null;
  noac: boolean;
  /** NFS/CIFS server address as the kernel resolved it (addr=). */
  serverAddress: string | null;
  /** Other options that were set (proto, timeo, nconnect, …) as "key=value". */
  otherOptions: string[];
  warnings: string[];
  statfs: { totalBytes: number; freeBytes: number; availableBytes: number } | null;
}

const looseNumber = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
/** Options shown in their own columns; every other non-null option is listed as "key=value". */
const DEDICATED_MOUNT_OPTIONS = new Set([
  "readOnly",
  "failureMode",
  "vers",
  "rsize",
  "wsize",
  "actimeo",
  "acregmin",
  "acregmax",
  "noac",
  "serverAddress",
]);

/**
 * The worker stores lib/nfs MountReport as JSON. It is read loosely (unknown
 * or renamed fields degrade to "–") so an older row never breaks the page.
 */
export function parseMountDetails(json: string | null | undefined): MountDetails | null {
  const parsed = parseJson(json);
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return null;
  const record = parsed as Record<string, unknown>;
  const optionsRaw = record.options;
  const options = (optionsRaw && typeof optionsRaw === "object" && !Array.isArray(optionsRaw) ? optionsRaw : {}) as Record<
    string,
    unknown
  >;
  const text = (source: Record<string, unknown>, key: string): string | null => {
    const value = source[key];
    if (typeof value === "string" && value !== "") return value;
    if (typeof value === "number") return String(value);
    return null;
  };
  const num = (source: Record<string, unknown>, key: string): number | null => {
    const value = looseNumber.safeParse(source[key]);
    return value.success ? value.data : null;
  };
  const actimeo = num(options, "actimeo");
  const acregmin = num(options, "acregmin");
  const acregmax = num(options, "acregmax");
  const attributeCache =
    actimeo !== null
      ? `${actimeo} s`
      : acregmin !== null || acregmax !== null
        ? `${acregmin ?? "?"}–${acregmax ?? "?"} s`
        : null;
  const otherOptions = Object.entries(options)
    .filter(([key, value]) => !DEDICATED_MOUNT_OPTIONS.has(key) && value !== null && value !== false && value !== "")
    .map(([key, value]) => (value === true ? key : `${key}=${String(value)}`));
  let statfs: MountDetails["statfs"] = null;
  if (record.statfs && typeof record.statfs === "object") {
    const s = record.statfs as Record<string, unknown>;
    const totalBytes = num(s, "totalBytes");
    if (totalBytes !== null) {
      statfs = {
        totalBytes,
        freeBytes: num(s, "freeBytes") ?? 0,
        availableBytes: num(s, "availableBytes") ?? num(s, "freeBytes") ?? 0,
      };
    }
  }
  return {
    source: text(record, "source"),
    mountPoint: text(record, "mountPoint"),
    fsType: text(record, "fsType"),
    isNetwork: typeof record.isNetwork === "boolean" ? record.isNetwork : null,
    nfsVersion: text(record, "nfsVersion") ?? text(options, "vers"),
    failureMode: text(options, "failureMode"),
    readOnly: typeof options.readOnly === "boolean" ? options.readOnly : null,
    rsize: num(options, "rsize"),
    wsize: num(options, "wsize"),
    attributeCache,
    noac: options.noac === true,
    serverAddress: text(options, "serverAddress"),
    otherOptions,
    warnings: Array.isArray(record.warnings) ? record.warnings.map((w) => (typeof w === "string" ? w : JSON.stringify(w))) : [],
    statfs,
  };
}

/** A ScanRun row as the pages and the API read it (dates as ISO strings, no BigInt). */
export type ScanRunSummary = Omit<ScanRun, "libraryId" | "startedAt" | "finishedAt" | "bytesRead"> & {
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  bytesRead: number;
};

export interface PendingScanJob {
  id: number;
  state: string;
  acceptMissing: boolean;
  createdAt: string;
}

export interface LibrarySummary {
  id: number;
  path: string;
  label: string | null;
  kind: string;
  source: string;
  enabled: boolean;
  status: string;
  statusReason: string | null;
  /** The scan stopped because too many files would vanish (share unmounted?); the admin may accept it. */
  missingGuardTripped: boolean;
  mount: MountDetails | null;
  mountCheckedAt: string | null;
  lastFsType: string | null;
  lastScanAt: string | null;
  createdAt: string;
  lastScan: ScanRunSummary | null;
  runningScan: ScanRunSummary | null;
  pendingScanJob: PendingScanJob | null;
  /** Present files by state ("indexed", "settling", "error", "ignored"). */
  fileCounts: Record<string, number>;
  missingCount: number;
  modelCount: number;
  indexedBytes: number;
  ignoredFiles: Array<{ relPath: string; reason: string | null; sizeBytes: number }>;
  errorFiles: Array<{ relPath: string; reason: string | null; errorOffset: number | null }>;
}

/** Ignored files are usually temp/partial downloads: a handful is informative, thousands are noise. */
const IGNORED_FILES_LIMIT = 50;
/** Enough error rows to act on; the rest are the same problem repeated. */
const ERROR_FILES_LIMIT = 100;
const SCAN_JOB_NAME = "catalog.scan-library";

function toScanRunSummary({ libraryId: _libraryId, ...run }: ScanRun): ScanRunSummary {
  return {
    ...run,
    startedAt: run.startedAt.toISOString(),
    finishedAt: iso(run.finishedAt),
    durationMs: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
    bytesRead: Number(run.bytesRead),
  };
}

/** Only the mount-loss guard can be overridden by "accept missing"; a root
 * that is gone, hung or unmounted cannot. */
function isMissingGuardStop(statusCode: string | null): boolean {
  return statusCode === "guard";
}

const pendingPayloadSchema = z.object({ libraryId: z.number(), acceptMissing: z.boolean().optional() });

async function loadLibraries(db: Db, libraryIds?: number[]): Promise<LibrarySummary[]> {
  const libraryFilter = libraryIds ? Prisma.sql`AND "libraryId" IN (${Prisma.join(libraryIds)})` : Prisma.empty;
  const libraries = await db.library.findMany({
    where: libraryIds ? { id: { in: libraryIds } } : undefined,
    orderBy: { path: "asc" },
  });
  if (libraries.length === 0) return [];
  const ids = libraries.map((l) => l.id);

  // Window functions pick the newest finished run and the first N problem files per library in one query each.
  const [lastRunIds, runningRuns, stateCounts, missingCounts, modelCounts, ignoredIds, errorIds, pendingJobs] =
    await Promise.all([
      db.$queryRaw<Array<{ id: unknown }>>(Prisma.sql`SELECT id FROM (
          SELECT "id" AS id, ROW_NUMBER() OVER (PARTITION BY "libraryId" ORDER BY "startedAt" DESC, "id" DESC) AS rn
          FROM "ScanRun" WHERE "status" <> 'running' ${libraryFilter}) WHERE rn = 1`),
      db.scanRun.findMany({ where: { status: "running", libraryId: { in: ids } }, orderBy: { startedAt: "desc" } }),
      db.libraryFile.groupBy({
        by: ["libraryId", "state"],
        where: { libraryId: { in: ids }, missingSince: null },
        _count: { _all: true },
        _sum: { sizeBytes: true },
      }),
      db.libraryFile.groupBy({
        by: ["libraryId"],
        where: { libraryId: { in: ids }, missingSince: { not: null } },
        _count: { _all: true },
      }),
      db.$queryRaw<Array<{ libraryId: unknown; count: unknown }>>(Prisma.sql`
          SELECT "libraryId" AS libraryId, COUNT(DISTINCT "modelId") AS count FROM "LibraryFile"
          WHERE "modelId" IS NOT NULL AND "missingSince" IS NULL ${libraryFilter} GROUP BY "libraryId"`),
      db.$queryRaw<Array<{ id: unknown }>>(Prisma.sql`SELECT id FROM (
          SELECT "id" AS id, ROW_NUMBER() OVER (PARTITION BY "libraryId" ORDER BY "relPath") AS rn
          FROM "LibraryFile" WHERE "state" = 'ignored' AND "missingSince" IS NULL ${libraryFilter})
          WHERE rn <= ${IGNORED_FILES_LIMIT}`),
      db.$queryRaw<Array<{ id: unknown }>>(Prisma.sql`SELECT id FROM (
          SELECT "id" AS id, ROW_NUMBER() OVER (PARTITION BY "libraryId" ORDER BY "relPath") AS rn
          FROM "LibraryFile" WHERE "state" = 'error' AND "missingSince" IS NULL ${libraryFilter})
          WHERE rn <= ${ERROR_FILES_LIMIT}`),
      db.job.findMany({
        where: { name: SCAN_JOB_NAME, state: { in: ["queued", "running"] } },
        select: { id: true, state: true, payloadJson: true, createdAt: true },
        orderBy: { createdAt: "asc" },
      }),
    ]);

  const problemFileIds = [...ignoredIds, ...errorIds].map((r) => toNumber(r.id));
  const [lastRuns, problemFiles] = await Promise.all([
    lastRunIds.length === 0
      ? []
      : db.scanRun.findMany({ where: { id: { in: lastRunIds.map((r) => toNumber(r.id)) } } }),
    problemFileIds.length === 0
      ? []
      : db.libraryFile.findMany({
          where: { id: { in: problemFileIds } },
          select: { libraryId: true, relPath: true, state: true, stateReason: true, errorOffset: true, sizeBytes: true },
          orderBy: { relPath: "asc" },
        }),
  ]);

  const pendingByLibrary = new Map<number, PendingScanJob>();
  for (const job of pendingJobs) {
    const payload = pendingPayloadSchema.safeParse(parseJson(job.payloadJson));
    if (!payload.success || pendingByLibrary.has(payload.data.libraryId)) continue;
    pendingByLibrary.set(payload.data.libraryId, {
      id: job.id,
      state: job.state,
      acceptMissing: payload.data.acceptMissing ?? false,
      createdAt: job.createdAt.toISOString(),
    });
  }

  return libraries.map((library): LibrarySummary => {
    const lastRun = lastRuns.find((r) => r.libraryId === library.id);
    const running = runningRuns.find((r) => r.libraryId === library.id);
    const lastScan = lastRun ? toScanRunSummary(lastRun) : null;
    const fileCounts: Record<string, number> = {};
    let indexedBytes = 0;
    for (const row of stateCounts) {
      if (row.libraryId !== library.id) continue;
      fileCounts[row.state] = row._count._all;
      if (row.state === "indexed") indexedBytes = Number(row._sum.sizeBytes ?? 0n);
    }
    const files = problemFiles.filter((f) => f.libraryId === library.id);
    return {
      id: library.id,
      path: library.path,
      label: library.label,
      kind: library.kind,
      source: library.source,
      enabled: library.enabled,
      status: library.status,
      statusReason: library.statusReason,
      missingGuardTripped: library.status === "unavailable" && isMissingGuardStop(library.statusCode),
      mount: parseMountDetails(library.mountJson),
      mountCheckedAt: iso(library.mountCheckedAt),
      lastFsType: library.lastFsType,
      lastScanAt: iso(library.lastScanAt),
      createdAt: library.createdAt.toISOString(),
      lastScan,
      runningScan: running ? toScanRunSummary(running) : null,
      pendingScanJob: pendingByLibrary.get(library.id) ?? null,
      fileCounts,
      missingCount: missingCounts.find((r) => r.libraryId === library.id)?._count._all ?? 0,
      modelCount: toNumber(modelCounts.find((r) => toNumber(r.libraryId) === library.id)?.count),
      indexedBytes,
      ignoredFiles: files
        .filter((f) => f.state === "ignored")
        .map((f) => ({ relPath: f.relPath, reason: f.stateReason, sizeBytes: Number(f.sizeBytes) })),
      errorFiles: files
        .filter((f) => f.state === "error")
        .map((f) => ({ relPath: f.relPath, reason: f.stateReason, errorOffset: bigintToNumber(f.errorOffset) })),
    };
  });
}

export async function listLibraries(db: Db): Promise<LibrarySummary[]> {
  return loadLibraries(db);
}

export async function getLibrary(db: Db, id: number): Promise<LibrarySummary | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const [library] = await loadLibraries(db, [id]);
  return library ?? null;
}

// ---------------------------------------------------------------------------
// Layout banners and health

export interface UnavailableLibrary {
  id: number;
  path: string;
  label: string | null;
  statusReason: string | null;
}

/** Enabled libraries that the last check could not read (for the global banner). */
export async function listUnavailableLibraries(db: Db): Promise<UnavailableLibrary[]> {
  return db.library.findMany({
    where: { status: "unavailable", enabled: true },
    select: { id: true, path: true, label: true, statusReason: true },
    orderBy: { path: "asc" },
  });
}

export interface CatalogHealth {
  libraries: { total: number; unavailable: number };
}

/** Touches the database (throws when it is unreachable) and counts libraries. */
export async function getCatalogHealth(db: Db): Promise<CatalogHealth> {
  const [total, unavailable] = await Promise.all([
    db.library.count(),
    db.library.count({ where: { status: "unavailable" } }),
  ]);
  return { libraries: { total, unavailable } };
}
