// Read-side queries for verification: the per-model verdict shown in the
// catalogue, the Integrity page (problems first, checksum-file problems, the
// scrub and its coverage), duplicates, and the layout's mismatch alert.
// Everything returned is plain JSON (numbers for BigInt, ISO strings for dates).
//
// Pure helpers (verdict summaries, duplicate groups, the scrub window) live
// here too so the catalogue queries and the pages share one definition.
import type { Db } from "../db/client.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { readHashingSettings, type HashingSettings } from "../settings/hashing-settings.ts";
import { rankExpected } from "./judge-hash.ts";
import { isWithinWindow, nextWindowStart, parseScrubWindow } from "./scrub-window.ts";

// ---------------------------------------------------------------------------
// Verify states

/** Worst first: a model shows the worst state of its present files. */
export const verifyStates = ["mismatch", "unreadable", "hashing", "queued", "unverified", "verified"] as const;
export type VerifyState = (typeof verifyStates)[number];

const verifyStateRank: Record<VerifyState, number> = { mismatch: 6, unreadable: 5, hashing: 4, queued: 3, unverified: 2, verified: 1 };

export function isVerifyState(value: unknown): value is VerifyState {
  return typeof value === "string" && (verifyStates as readonly string[]).includes(value);
}

/** Unknown values (a newer worker writing a new state) count as "unverified": never as verified. */
function rankOf(state: string): number {
  return isVerifyState(state) ? verifyStateRank[state] : verifyStateRank.unverified;
}

export function worstVerifyState(states: Iterable<string>): VerifyState | null {
  let worst = 0;
  for (const state of states) worst = Math.max(worst, rankOf(state));
  return verifyStateFromRank(worst);
}

export function verifyStateFromRank(rank: unknown): VerifyState | null {
  const value = typeof rank === "bigint" ? Number(rank) : typeof rank === "number" ? rank : Number.NaN;
  return verifyStates.find((state) => verifyStateRank[state] === value) ?? null;
}

export function verifyStateRankOf(state: VerifyState): number {
  return verifyStateRank[state];
}

/**
 * The worst verify state of a model's present files as a rank (NULL when no
 * file is present), for `m` = the Model row. Same rule as worstVerifyState.
 */
export const modelVerifyRankSql = Prisma.sql`(SELECT MAX(CASE vf."verifyState"
    WHEN 'mismatch' THEN 6 WHEN 'unreadable' THEN 5 WHEN 'hashing' THEN 4
    WHEN 'queued' THEN 3 WHEN 'verified' THEN 1 ELSE 2 END)
  FROM "LibraryFile" vf WHERE vf."modelId" = m."id" AND vf."missingSince" IS NULL AND vf."state" <> 'ignored')`;

/** Expected-hash sources, strongest first; "first-seen" is our own first hash (it only proves the bytes did not change). */
export const verifySources = ["ollama-blob-name", "sidecar", "sha256sums", "first-seen"] as const;
const sourceStrength: Record<string, number> = { "ollama-blob-name": 3, sidecar: 2, sha256sums: 2, "first-seen": 0 };

export interface VerificationSummary {
  state: VerifyState | null;
  /** The weakest source among verified files (a model is only as trusted as its least-trusted copy). */
  source: string | null;
  /** Mean progress (0..1) of the files being hashed. */
  progress: number | null;
  files: number;
  verifiedFiles: number;
}

export interface VerifiableFile {
  verifyState: string;
  verifyProgress: number | null;
  verifiedSource: string | null;
  state: string;
  missingSince: Date | string | null;
}

/** Summarises a model's present files: the badge the catalogue and the model page show. */
export function summarizeVerification(files: readonly VerifiableFile[]): VerificationSummary {
  const present = files.filter((f) => f.missingSince === null && f.state !== "ignored");
  const verified = present.filter((f) => f.verifyState === "verified");
  const hashing = present.filter((f) => f.verifyState === "hashing");
  let source: string | null = null;
  for (const file of verified) {
    const candidate = file.verifiedSource ?? "first-seen";
    if (source === null || (sourceStrength[candidate] ?? 1) < (sourceStrength[source] ?? 1)) source = candidate;
  }
  return {
    state: worstVerifyState(present.map((f) => f.verifyState)),
    source,
    progress: hashing.length === 0 ? null : hashing.reduce((sum, f) => sum + (f.verifyProgress ?? 0), 0) / hashing.length,
    files: present.length,
    verifiedFiles: verified.length,
  };
}

// ---------------------------------------------------------------------------
// Duplicates: the same content in several places

/**
 * A file's content identity: its SHA-256 once hashed would be exact, but the
 * header fingerprint (size + header bytes) is present from the first scan and
 * equal for identical bytes, so it is the grouping key; the hash, where known,
 * confirms (a group whose hashes disagree is not a duplicate: one copy is bad).
 */
const duplicateKeySql = (alias: string) =>
  Prisma.raw(`COALESCE(${alias}."headerFingerprint", 'sha256:' || ${alias}."sha256")`);

/** Keys of content stored more than once (present, indexed files). One GROUP BY over LibraryFile. */
export const duplicateKeysSql = Prisma.sql`SELECT ${duplicateKeySql("d")} AS key FROM "LibraryFile" d
  WHERE d."missingSince" IS NULL AND d."state" = 'indexed' AND (d."headerFingerprint" IS NOT NULL OR d."sha256" IS NOT NULL)
  GROUP BY key HAVING COUNT(*) > 1 AND COUNT(DISTINCT d."sha256") <= 1`;

/** For `m` = the Model row: some present file of the model has an identical copy elsewhere. */
export const modelHasDuplicatesSql = Prisma.sql`EXISTS (SELECT 1 FROM "LibraryFile" df
  WHERE df."modelId" = m."id" AND df."missingSince" IS NULL AND df."state" = 'indexed'
  AND ${duplicateKeySql("df")} IN (${duplicateKeysSql}))`;

export interface DuplicateCandidate {
  headerFingerprint: string | null;
  sha256: string | null;
  sizeBytes: bigint | number;
  state: string;
  missingSince: Date | string | null;
}

export interface DuplicateSummary {
  /** Identical-content groups among the files. */
  groups: number;
  /** Files in those groups. */
  copies: number;
  /** (copies − 1) × size, summed over groups. */
  wastedBytes: number;
  /** Every copy in every group is hashed and the hashes agree (otherwise: same header, not yet hashed). */
  confirmed: boolean;
}

/** The same rule as duplicateKeysSql, for files already loaded (a model's files). */
export function summarizeDuplicates(files: readonly DuplicateCandidate[]): DuplicateSummary | null {
  const groups = new Map<string, DuplicateCandidate[]>();
  for (const file of files) {
    if (file.missingSince !== null || file.state !== "indexed") continue;
    const key = file.headerFingerprint ?? (file.sha256 ? `sha256:${file.sha256}` : null);
    if (key === null) continue;
    const group = groups.get(key);
    if (group) group.push(file);
    else groups.set(key, [file]);
  }
  let count = 0;
  let copies = 0;
  let wastedBytes = 0;
  let confirmed = true;
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const hashes = new Set(group.map((f) => f.sha256).filter((h): h is string => h !== null));
    if (hashes.size > 1) continue;
    count++;
    copies += group.length;
    wastedBytes += (group.length - 1) * Math.max(...group.map((f) => Number(f.sizeBytes)));
    if (group.some((f) => f.sha256 === null)) confirmed = false;
  }
  return count === 0 ? null : { groups: count, copies, wastedBytes, confirmed };
}

export interface DuplicateFile {
  id: number;
  libraryId: number;
  libraryPath: string;
  libraryLabel: string | null;
  relPath: string;
  role: string;
  sha256: string | null;
  verifyState: string;
}

export interface DuplicateGroup {
  key: string;
  copies: number;
  sizeBytes: number;
  wastedBytes: number;
  /** "sha256" when every copy is hashed and equal; "header" while some copy is not hashed yet. */
  basis: "sha256" | "header";
  modelId: number | null;
  modelName: string | null;
  files: DuplicateFile[];
}

export interface DuplicateList {
  groups: DuplicateGroup[];
  /** All groups, including those beyond the limit. */
  totalGroups: number;
  totalWastedBytes: number;
}

/** Groups listed on the Integrity page; the biggest waste first, the rest are counted. */
export const DUPLICATE_GROUPS_LIMIT = 50;

export async function listDuplicates(db: Db, limit = DUPLICATE_GROUPS_LIMIT): Promise<DuplicateList> {
  const groupSql = Prisma.sql`SELECT ${duplicateKeySql("d")} AS key, COUNT(*) AS copies, MAX(d."sizeBytes") AS size,
      COUNT(d."sha256") AS hashed
    FROM "LibraryFile" d
    WHERE d."missingSince" IS NULL AND d."state" = 'indexed' AND (d."headerFingerprint" IS NOT NULL OR d."sha256" IS NOT NULL)
    GROUP BY key HAVING COUNT(*) > 1 AND COUNT(DISTINCT d."sha256") <= 1`;
  const [rows, totals] = await Promise.all([
    db.$queryRaw<Array<{ key: string; copies: unknown; size: unknown; hashed: unknown }>>(
      Prisma.sql`${groupSql} ORDER BY (COUNT(*) - 1) * MAX(d."sizeBytes") DESC, key LIMIT ${limit}`,
    ),
    db.$queryRaw<Array<{ groups: unknown; wasted: unknown }>>(
      Prisma.sql`SELECT COUNT(*) AS groups, COALESCE(SUM((g.copies - 1) * g.size), 0) AS wasted FROM (${groupSql}) g`,
    ),
  ]);
  const keys = rows.map((r) => r.key);
  const fingerprints = keys.filter((k) => !k.startsWith("sha256:"));
  const hashes = keys.filter((k) => k.startsWith("sha256:")).map((k) => k.slice("sha256:".length));
  const files =
    keys.length === 0
      ? []
      : await db.libraryFile.findMany({
          where: {
            missingSince: null,
            state: "indexed",
            OR: [{ headerFingerprint: { in: fingerprints } }, { headerFingerprint: null, sha256: { in: hashes } }],
          },
          select: {
            id: true,
            libraryId: true,
            relPath: true,
            role: true,
            sha256: true,
            verifyState: true,
            headerFingerprint: true,
            modelId: true,
            library: { select: { path: true, label: true } },
            model: { select: { displayName: true } },
          },
          orderBy: [{ libraryId: "asc" }, { relPath: "asc" }],
        });
  const byKey = new Map<string, typeof files>();
  for (const file of files) {
    const key = file.headerFingerprint ?? `sha256:${file.sha256}`;
    const list = byKey.get(key);
    if (list) list.push(file);
    else byKey.set(key, [file]);
  }
  return {
    groups: rows.map((row): DuplicateGroup => {
      const members = byKey.get(row.key) ?? [];
      const copies = toNumber(row.copies);
      const size = toNumber(row.size);
      const withModel = members.find((f) => f.modelId !== null);
      return {
        key: row.key,
        copies,
        sizeBytes: size,
        wastedBytes: (copies - 1) * size,
        basis: toNumber(row.hashed) === copies ? "sha256" : "header",
        modelId: withModel?.modelId ?? null,
        modelName: withModel?.model?.displayName ?? null,
        files: members.map((f) => ({
          id: f.id,
          libraryId: f.libraryId,
          libraryPath: f.library.path,
          libraryLabel: f.library.label,
          relPath: f.relPath,
          role: f.role,
          sha256: f.sha256,
          verifyState: f.verifyState,
        })),
      };
    }),
    totalGroups: toNumber(totals[0]?.groups),
    totalWastedBytes: toNumber(totals[0]?.wasted),
  };
}

// ---------------------------------------------------------------------------
// Scrub schedule (the worker's own window logic, local time of the server)

export interface ScrubSchedule {
  window: string;
  /** No window: the scrub may run at any time. */
  anyTime: boolean;
  openNow: boolean;
  /** When the window next opens (null while open, or with no window). */
  nextStart: string | null;
  /** When the open window closes (null while closed, or with no window). */
  closesAt: string | null;
}

/** The local date at `minutes` past midnight, `dayOffset` days from `date`'s day. */
function atMinutes(date: Date, minutes: number, dayOffset: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + dayOffset, Math.floor(minutes / 60), minutes % 60, 0, 0);
}

/** Stored settings are validated by the same parser, so `window` always parses. */
export function scrubSchedule(now: Date, window: string): ScrubSchedule {
  const parsed = parseScrubWindow(window);
  if (parsed === null) return { window, anyTime: true, openNow: true, nextStart: null, closesAt: null };
  if (!isWithinWindow(now, parsed)) {
    return { window, anyTime: false, openNow: false, nextStart: nextWindowStart(now, parsed).toISOString(), closesAt: null };
  }
  // Open: it closes later today, or tomorrow for a window that wrapped past midnight.
  const minute = now.getHours() * 60 + now.getMinutes();
  const endDay = parsed.startMinute < parsed.endMinute || minute < parsed.endMinute ? 0 : 1;
  return { window, anyTime: false, openNow: true, nextStart: null, closesAt: atMinutes(now, parsed.endMinute, endDay).toISOString() };
}

// ---------------------------------------------------------------------------
// Integrity page

export interface CountAndBytes {
  files: number;
  bytes: number;
}

export interface Coverage {
  intervalDays: number;
  /** Verified (any verdict) within the interval. */
  fresh: CountAndBytes;
  /** Verified, but longer ago than the interval: due for the scrub. */
  stale: CountAndBytes;
  never: CountAndBytes;
  total: CountAndBytes;
}

export interface ExpectedHashView {
  sha256: string;
  source: string;
  sourcePath: string;
  recordedAt: string;
  /** Whether it equals the file's computed hash (null while the file has none). */
  agrees: boolean | null;
}

export interface IntegrityProblem {
  fileId: number;
  verifyState: "mismatch" | "unreadable";
  libraryId: number;
  libraryPath: string;
  libraryLabel: string | null;
  relPath: string;
  sizeBytes: number;
  modelId: number | null;
  modelName: string | null;
  /** The computed hash (null when the file could not be read). */
  actualSha256: string | null;
  /** The strongest expected hash that disagrees (a mismatch), else the strongest expected hash. */
  expected: ExpectedHashView | null;
  verifiedAt: string | null;
  verifiedSource: string | null;
  error: string | null;
}

export interface ChecksumProblem {
  checksumFileId: number;
  libraryId: number;
  libraryPath: string;
  libraryLabel: string | null;
  relPath: string;
  kind: string;
  entries: number;
  line: number | null;
  message: string;
}

export interface ScrubRunView {
  id: number;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  mismatches: number;
  unreadable: number;
}

export interface LibraryIntegrity {
  id: number;
  path: string;
  label: string | null;
  status: string;
  enabled: boolean;
  files: number;
  bytes: number;
  verified: number;
  problems: number;
}

export interface IntegritySummary {
  generatedAt: string;
  /** Present, non-temporary files by verify state (every state listed, zero included). */
  counts: Record<VerifyState, CountAndBytes>;
  problems: IntegrityProblem[];
  /** All mismatched + unreadable files, including those beyond the list limit. */
  problemTotal: number;
  checksumProblems: ChecksumProblem[];
  settings: HashingSettings;
  schedule: ScrubSchedule;
  coverage: Coverage;
  currentScrub: ScrubRunView | null;
  lastScrub: ScrubRunView | null;
  libraries: LibraryIntegrity[];
}

/** Problems listed on the page; more than this is a systemic failure the count already says. */
export const INTEGRITY_PROBLEMS_LIMIT = 200;
/** Checksum-file problems listed; a broken SHA256SUMS can have thousands of bad lines. */
export const CHECKSUM_PROBLEMS_LIMIT = 200;

const presentWhere = { missingSince: null, state: { not: "ignored" } } as const;

function toNumber(value: unknown): number {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") return Number(value);
  return 0;
}

function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

function toScrubRunView(run: {
  id: number;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  filesTotal: number;
  filesDone: number;
  bytesTotal: bigint;
  bytesDone: bigint;
  mismatches: number;
  unreadable: number;
}): ScrubRunView {
  return {
    id: run.id,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    finishedAt: iso(run.finishedAt),
    filesTotal: run.filesTotal,
    filesDone: run.filesDone,
    bytesTotal: Number(run.bytesTotal),
    bytesDone: Number(run.bytesDone),
    mismatches: run.mismatches,
    unreadable: run.unreadable,
  };
}

/** Problems are stored by the scanner as `[{ line?, message }]`; a corrupt column reads as one problem. */
function parseChecksumProblems(json: string): Array<{ line: number | null; message: string }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    if (error instanceof SyntaxError) return [{ line: null, message: "problem list unreadable (corrupt JSON)" }];
    throw error;
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.map((item) => {
    if (typeof item === "string") return { line: null, message: item };
    const record = (item && typeof item === "object" ? item : {}) as Record<string, unknown>;
    return {
      line: typeof record.line === "number" ? record.line : null,
      message: typeof record.message === "string" ? record.message : JSON.stringify(item),
    };
  });
}

export function toExpectedHashViews(
  expected: ReadonlyArray<{ sha256: string; source: string; sourcePath: string; recordedAt: Date }>,
  actual: string | null,
): ExpectedHashView[] {
  const ranked = rankExpected(expected.map((e) => ({ sha256: e.sha256, source: e.source, sourcePath: e.sourcePath })));
  return ranked.map((e) => {
    const row = expected.find((x) => x.source === e.source && x.sourcePath === e.sourcePath && x.sha256 === e.sha256);
    return {
      sha256: e.sha256,
      source: e.source,
      sourcePath: e.sourcePath,
      recordedAt: row ? row.recordedAt.toISOString() : "",
      agrees: actual === null ? null : e.sha256.toLowerCase() === actual.toLowerCase(),
    };
  });
}

export async function getCoverage(db: Db, intervalDays: number, now = new Date()): Promise<Coverage> {
  const cutoff = new Date(now.getTime() - intervalDays * 86_400_000);
  const sum = (where: Prisma.LibraryFileWhereInput) =>
    db.libraryFile.aggregate({ where: { ...presentWhere, ...where }, _count: { _all: true }, _sum: { sizeBytes: true } });
  const [fresh, stale, never] = await Promise.all([
    sum({ verifiedAt: { gte: cutoff } }),
    sum({ verifiedAt: { lt: cutoff } }),
    sum({ verifiedAt: null }),
  ]);
  const view = (a: typeof fresh): CountAndBytes => ({ files: a._count._all, bytes: Number(a._sum.sizeBytes ?? 0n) });
  const result = { intervalDays, fresh: view(fresh), stale: view(stale), never: view(never) };
  return {
    ...result,
    total: {
      files: result.fresh.files + result.stale.files + result.never.files,
      bytes: result.fresh.bytes + result.stale.bytes + result.never.bytes,
    },
  };
}

export async function getIntegritySummary(db: Db, now = new Date()): Promise<IntegritySummary> {
  const settings = await readHashingSettings(db);
  const problemWhere = { ...presentWhere, verifyState: { in: ["mismatch", "unreadable"] } };
  const [stateRows, problemFiles, problemTotal, checksumFiles, currentRun, lastRun, coverage, libraries, libraryRows] = await Promise.all([
    db.libraryFile.groupBy({ by: ["verifyState"], where: presentWhere, _count: { _all: true }, _sum: { sizeBytes: true } }),
    db.libraryFile.findMany({
      where: problemWhere,
      include: {
        library: { select: { path: true, label: true } },
        model: { select: { displayName: true } },
        expectedHashes: true,
      },
      // "mismatch" sorts before "unreadable"; the newest verdicts first within each.
      orderBy: [{ verifyState: "asc" }, { verifiedAt: { sort: "desc", nulls: "last" } }, { id: "asc" }],
      take: INTEGRITY_PROBLEMS_LIMIT,
    }),
    db.libraryFile.count({ where: problemWhere }),
    db.checksumFile.findMany({
      where: { missingSince: null, NOT: { problemsJson: "[]" } },
      include: { library: { select: { path: true, label: true } } },
      orderBy: [{ libraryId: "asc" }, { relPath: "asc" }],
    }),
    db.scrubRun.findFirst({ where: { status: "running" }, orderBy: { id: "desc" } }),
    db.scrubRun.findFirst({ where: { status: { not: "running" } }, orderBy: { id: "desc" } }),
    getCoverage(db, settings.scrubIntervalDays, now),
    db.library.findMany({ select: { id: true, path: true, label: true, status: true, enabled: true }, orderBy: { path: "asc" } }),
    db.libraryFile.groupBy({ by: ["libraryId", "verifyState"], where: presentWhere, _count: { _all: true }, _sum: { sizeBytes: true } }),
  ]);

  const counts = Object.fromEntries(verifyStates.map((s) => [s, { files: 0, bytes: 0 }])) as Record<VerifyState, CountAndBytes>;
  for (const row of stateRows) {
    const state: VerifyState = isVerifyState(row.verifyState) ? row.verifyState : "unverified";
    counts[state].files += row._count._all;
    counts[state].bytes += Number(row._sum.sizeBytes ?? 0n);
  }

  const checksumProblems: ChecksumProblem[] = [];
  for (const file of checksumFiles) {
    for (const problem of parseChecksumProblems(file.problemsJson)) {
      if (checksumProblems.length >= CHECKSUM_PROBLEMS_LIMIT) break;
      checksumProblems.push({
        checksumFileId: file.id,
        libraryId: file.libraryId,
        libraryPath: file.library.path,
        libraryLabel: file.library.label,
        relPath: file.relPath,
        kind: file.kind,
        entries: file.entries,
        line: problem.line,
        message: problem.message,
      });
    }
  }

  return {
    generatedAt: now.toISOString(),
    counts,
    problems: problemFiles.map((file): IntegrityProblem => {
      const expected = toExpectedHashViews(file.expectedHashes, file.sha256);
      return {
        fileId: file.id,
        verifyState: file.verifyState === "mismatch" ? "mismatch" : "unreadable",
        libraryId: file.libraryId,
        libraryPath: file.library.path,
        libraryLabel: file.library.label,
        relPath: file.relPath,
        sizeBytes: Number(file.sizeBytes),
        modelId: file.modelId,
        modelName: file.model?.displayName ?? null,
        actualSha256: file.verifyState === "unreadable" ? null : file.sha256,
        expected: expected.find((e) => e.agrees === false) ?? expected[0] ?? null,
        verifiedAt: iso(file.verifiedAt),
        verifiedSource: file.verifiedSource,
        error: file.verifyError,
      };
    }),
    problemTotal,
    checksumProblems,
    settings,
    schedule: scrubSchedule(now, settings.scrubWindow),
    coverage,
    currentScrub: currentRun ? toScrubRunView(currentRun) : null,
    lastScrub: lastRun ? toScrubRunView(lastRun) : null,
    libraries: libraries.map((library): LibraryIntegrity => {
      const rows = libraryRows.filter((r) => r.libraryId === library.id);
      const sumOf = (predicate: (state: string) => boolean) =>
        rows.filter((r) => predicate(r.verifyState)).reduce((n, r) => n + r._count._all, 0);
      return {
        ...library,
        files: sumOf(() => true),
        bytes: rows.reduce((n, r) => n + Number(r._sum.sizeBytes ?? 0n), 0),
        verified: sumOf((s) => s === "verified"),
        problems: sumOf((s) => s === "mismatch" || s === "unreadable"),
      };
    }),
  };
}

// ---------------------------------------------------------------------------
// Layout alert

export interface IntegrityAlert {
  /** Present files whose content does not match their expected hash. */
  mismatches: number;
}

/** Cheap (indexed count): the layout shows it on every page. */
export async function getIntegrityAlert(db: Db): Promise<IntegrityAlert> {
  const mismatches = await db.libraryFile.count({ where: { ...presentWhere, verifyState: "mismatch" } });
  return { mismatches };
}
