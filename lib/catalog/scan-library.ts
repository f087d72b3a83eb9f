// Scans one library root into the catalogue. Runs in worker processes (and
// the CLI), never in a web request. Order of work:
//   check the root → walk (stat only) → plan (pure) → mount-loss guard →
//   wait for new/changed files to be stable → read headers → write rows →
//   re-assemble the models whose files changed → Ollama tags.
import path from "node:path";
import { mapLimit, sleep } from "../concurrency.ts";
import { getConfig } from "../config.ts";
import type { Db } from "../db/client.ts";
import { AppError, errorMessage, isAppError } from "../errors.ts";
import { enqueueJob } from "../jobs/enqueue-job.ts";
import { log } from "../log.ts";
import {
  detectLibraryKind,
  listOllamaBlobs,
  listOllamaManifests,
  parseShardName,
  readSmallFile,
  statFile,
  walkLibrary,
  type ShareFs,
  type WalkFs,
} from "../nfs/index.ts";
import { openLibraryRoot } from "./open-library-root.ts";
import { assembleModel, type ModelFileInput, type StoredSummary } from "./assemble-model.ts";
import {
  GGUF_LAYER_TYPES,
  OLLAMA_MEDIA,
  blobRelPath,
  parseOllamaManifest,
  type OllamaLayer,
  type ParsedManifest,
} from "./parse-ollama-manifest.ts";
import { evaluateMissingGuard, planScan, type FileDecision, type KnownFile, type SeenFile } from "./plan-scan.ts";
import { readFileFacts, type FileFacts } from "./read-file-facts.ts";
import { syncChecksumFiles, type SeenChecksumFile } from "./sync-checksum-files.ts";
import { enqueueVerification } from "../hashing/enqueue-verification.ts";
import { readHashingSettings } from "../settings/hashing-settings.ts";
import type { ScanLibraryPayload } from "./scan-library-job.ts";

export interface ScanSettings {
  stableMs: number;
  fsTimeoutMs: number;
  missingGuardPercent: number;
  missingGuardMinFiles: number;
  /** Header reads in flight at once (NFS latency hides behind parallel reads). */
  readConcurrency: number;
}

export interface ScanOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => Promise<void> | void;
  settings?: Partial<ScanSettings>;
  /** Filesystem calls of the walk; tests inject failures and hangs here. */
  walkFs?: WalkFs;
}

export interface ScanSummary extends ScanCounters {
  scanRunId: number;
  libraryId: number;
  status: "ok" | "unavailable" | "skipped";
  reason: string | null;
  kind: string;
  durationMs: number;
}

/** Manifests and text layers (template, params, license) are small; anything
 * bigger is not what it claims to be. */
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_TEXT_LAYER_BYTES = 4 * 1024 * 1024;
/** Rows per write transaction: large enough to amortise SQLite commits. */
const WRITE_BATCH = 500;
const PROGRESS_INTERVAL_MS = 500;

function defaultSettings(): ScanSettings {
  const config = getConfig();
  return {
    stableMs: config.stableMs,
    fsTimeoutMs: config.fsTimeoutMs,
    missingGuardPercent: config.missingGuardPercent,
    missingGuardMinFiles: config.missingGuardMinFiles,
    readConcurrency: 4,
  };
}

/** What a scan counted; also the columns of its ScanRun row. */
export interface ScanCounters {
  filesSeen: number;
  added: number;
  changed: number;
  unchanged: number;
  missing: number;
  returned: number;
  ignored: number;
  settling: number;
  errors: number;
  bytesRead: number;
}

/** Scans of one library never overlap within a process (they would race on
 * the same rows); a second request waits for the first. */
const libraryLocks = new Map<number, Promise<unknown>>();

export async function scanLibrary(db: Db, payload: ScanLibraryPayload, options: ScanOptions = {}): Promise<ScanSummary> {
  const previous = libraryLocks.get(payload.libraryId) ?? Promise.resolve();
  const current = previous.catch(() => undefined).then(() => scanLibraryUnlocked(db, payload, options));
  libraryLocks.set(payload.libraryId, current);
  try {
    return await current;
  } finally {
    if (libraryLocks.get(payload.libraryId) === current) libraryLocks.delete(payload.libraryId);
  }
}

/** Scan runs left "running" by a worker that died are closed as interrupted. */
export async function closeInterruptedScanRuns(db: Db): Promise<number> {
  const result = await db.scanRun.updateMany({
    where: { status: "running" },
    data: { status: "failed", phase: "done", message: "interrupted: the worker stopped during this scan", finishedAt: new Date() },
  });
  return result.count;
}

async function scanLibraryUnlocked(db: Db, payload: ScanLibraryPayload, options: ScanOptions): Promise<ScanSummary> {
  const settings = { ...defaultSettings(), ...options.settings };
  const library = await db.library.findUnique({ where: { id: payload.libraryId } });
  if (!library) throw new AppError("not-found", `library ${payload.libraryId} not found`);
  const started = Date.now();
  const run = await db.scanRun.create({ data: { libraryId: library.id, trigger: payload.trigger, phase: "checking" } });
  const counters: ScanCounters = {
    filesSeen: 0, added: 0, changed: 0, unchanged: 0, missing: 0, returned: 0, ignored: 0, settling: 0, errors: 0, bytesRead: 0,
  };
  const finish = async (status: ScanSummary["status"], reason: string | null, kind: string): Promise<ScanSummary> => {
    await db.scanRun.update({
      where: { id: run.id },
      data: { ...counters, bytesRead: BigInt(counters.bytesRead), status: status === "skipped" ? "ok" : status, phase: "done", message: reason, finishedAt: new Date() },
    });
    return { scanRunId: run.id, libraryId: library.id, status, reason, kind, ...counters, durationMs: Date.now() - started };
  };
  const markUnavailable = async (code: "guard" | "root" | "hung", reason: string, kind: string) => {
    log.warn("library unavailable", { libraryId: library.id, path: library.path, code, reason });
    await db.library.update({ where: { id: library.id }, data: { status: "unavailable", statusCode: code, statusReason: reason } });
    return finish("unavailable", reason, kind);
  };

  if (!library.enabled) return finish("skipped", "library is disabled", library.kind);

  let lastProgress = 0;
  const progress = async (phase: string, done: number, total: number, force = false) => {
    const now = Date.now();
    if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    await db.scanRun.update({
      where: { id: run.id },
      data: { phase, progressDone: done, progressTotal: total, ...counters, bytesRead: BigInt(counters.bytesRead) },
    });
    await options.onProgress?.(done, total);
  };
  const checkAbort = () => {
    if (options.signal?.aborted) throw new AppError("unavailable", "scan interrupted (worker stopping or lease lost)", { retryable: true });
  };

  const opened = await openLibraryRoot(library.path, { timeoutMs: settings.fsTimeoutMs, previousFsType: library.lastFsType ?? undefined });
  if (!opened.ok) return markUnavailable(opened.code, opened.message, library.kind);
  const share: Share = { root: opened.root.rootPath, fs: opened.root.fs };
  let broken = false;
  try {
    const root = share.root;
    const mount = opened.root.mount;
    const kind = await detectLibraryKind(root, settings.fsTimeoutMs, share.fs);
    await db.library.update({
      where: { id: library.id },
      data: { kind, mountJson: JSON.stringify(mount), mountCheckedAt: new Date() },
    });

    // 1. Walk: stat only.
    await progress("walking", 0, 0, true);
    let seen: SeenFile[];
    let manifests: ManifestState[] = [];
    // Parts of the tree the walk could not see: their files are unknown, not gone.
    let unseenPrefixes: string[] = [];
    let entriesFound: number;
    let checksumSeen: SeenChecksumFile[] = [];
    if (kind === "ollama") {
      const store = await walkOllamaStore(db, library.id, share, settings);
      seen = store.seen;
      manifests = store.manifests;
      entriesFound = store.entriesFound;
    } else {
      const walked = await walkLibrary(root, {
        timeoutMs: settings.fsTimeoutMs,
        signal: options.signal,
        onProgress: (count: number) => void progress("walking", count, 0),
        fs: options.walkFs ?? share.fs,
      });
      unseenPrefixes = walked.skipped
        .filter((entry) => entry.reason === "unreadable-dir" || entry.reason === "max-depth" || entry.reason === "unreadable-file")
        .map((entry) => entry.relPath);
      checksumSeen = walked.files
        .filter((file) => file.kind === "checksum")
        .map((file) => ({ relPath: file.relPath, sizeBytes: file.sizeBytes, mtimeMs: file.mtimeMs }));
      seen = walked.files
        .filter((file) => file.kind === "gguf" || file.kind === "temp")
        .map((file) => ({ relPath: file.relPath, sizeBytes: file.sizeBytes, mtimeMs: file.mtimeMs, ino: file.ino, kind: file.kind as "gguf" | "temp" }));
      entriesFound = walked.files.length + walked.counts.otherFiles;
    }
    counters.filesSeen = seen.length;
    checkAbort();

    // 2. Plan against the catalogue (pure) and apply the mount-loss guard.
    const knownRows = await db.libraryFile.findMany({
      where: { libraryId: library.id },
      select: { id: true, relPath: true, sizeBytes: true, mtimeMs: true, inode: true, state: true, missingSince: true, indexedAt: true },
    });
    const known: KnownFile[] = knownRows;
    const everRead = new Set(knownRows.filter((row) => row.indexedAt !== null).map((row) => row.relPath));
    const plan = planScan(known, seen, unseenPrefixes);
    const knownPresent = known.filter((file) => !file.missingSince && file.state !== "ignored").length;
    const vanishedCatalogued = plan.vanished.filter((file) => file.state !== "ignored");
    const guard = evaluateMissingGuard({
      knownPresent,
      vanished: vanishedCatalogued.length,
      seen: entriesFound,
      percent: settings.missingGuardPercent,
      minFiles: settings.missingGuardMinFiles,
      acceptMissing: payload.acceptMissing,
    });
    if (!guard.ok) return await markUnavailable("guard", guard.reason, kind);

    // 3. Unchanged files: only lastSeenAt moves.
    const now = new Date();
    const unchanged = plan.decisions.filter((d) => d.action === "unchanged");
    counters.unchanged = unchanged.length;
    for (const chunk of chunks(unchanged.map((d) => d.known.id), WRITE_BATCH)) {
      await db.libraryFile.updateMany({ where: { id: { in: chunk } }, data: { lastSeenAt: now, missingSince: null } });
    }
    const returnedIds = new Set(plan.returned.map((file) => file.id));
    counters.returned = plan.returned.length;

    // 4. Ignored temp/partial names are listed, never read.
    const ignored = plan.decisions.filter((d): d is Extract<FileDecision, { action: "ignored" }> => d.action === "ignored");
    counters.ignored = ignored.length;
    await db.$transaction(
      ignored.map((d) =>
        db.libraryFile.upsert({
          where: { libraryId_relPath: { libraryId: library.id, relPath: d.seen.relPath } },
          create: { ...statColumns(d.seen), libraryId: library.id, relPath: d.seen.relPath, state: "ignored", role: "temp", stateReason: ignoreReason(d.seen.relPath) },
          update: { ...statColumns(d.seen), state: "ignored", role: "temp", stateReason: ignoreReason(d.seen.relPath), lastSeenAt: now, missingSince: null, modelId: null },
        }),
      ),
    );

    // 5. New and changed files must hold still before they are read.
    const toRead: SeenFile[] = [];
    const candidates: FileDecision[] = [];
    for (const decision of plan.decisions) {
      if (decision.action === "settled") toRead.push(decision.seen);
      else if (decision.action === "new" || decision.action === "changed") candidates.push(decision);
    }
    const settlingFiles: SeenFile[] = [];
    if (candidates.length > 0 && settings.stableMs > 0) {
      await progress("settling", 0, candidates.length, true);
      await sleep(settings.stableMs, options.signal);
      checkAbort();
      for (const decision of candidates) {
        if (decision.action !== "new" && decision.action !== "changed") continue;
        const again = await statFile(path.posix.join(root, decision.seen.relPath), settings.fsTimeoutMs, share.fs);
        if (again && again.sizeBytes === decision.seen.sizeBytes && again.mtimeMs === decision.seen.mtimeMs && again.ino === decision.seen.ino) {
          toRead.push(decision.seen);
        } else if (again) {
          settlingFiles.push({ ...decision.seen, sizeBytes: again.sizeBytes, mtimeMs: again.mtimeMs, ino: again.ino });
        }
        // Gone between the walk and now: the next scan sees it missing.
      }
    } else {
      for (const decision of candidates) if (decision.action === "new" || decision.action === "changed") toRead.push(decision.seen);
    }
    counters.settling = settlingFiles.length;
    for (const batch of chunks(settlingFiles, WRITE_BATCH)) {
      await db.$transaction(
        batch.map((file) =>
          db.libraryFile.upsert({
            where: { libraryId_relPath: { libraryId: library.id, relPath: file.relPath } },
            create: { ...statColumns(file), libraryId: library.id, relPath: file.relPath, state: "settling", role: roleOf(file), stateReason: "still being written (size or mtime changing)" },
            update: { ...statColumns(file), state: "settling", stateReason: "still being written (size or mtime changing)", lastSeenAt: now, missingSince: null },
          }),
        ),
      );
    }

    // 6. Read headers (bounded parallelism), then write each file's row.
    const touchedGroups = new Map<string, GroupKey>();
    const touch = (relPath: string) => {
      const group = groupKeyOf(relPath);
      touchedGroups.set(group.key, group);
    };
    let done = 0;
    const readIds: number[] = [];
    await progress("reading", 0, toRead.length, true);
    await mapLimit(toRead, settings.readConcurrency, async (file) => {
      checkAbort();
      // A file seen before only while it was being written counts as added.
      if (everRead.has(file.relPath)) counters.changed++;
      else counters.added++;
      const group = groupKeyOf(file.relPath);
      touch(file.relPath);
      let facts: FileFacts | undefined;
      let failure: { reason: string; offset: bigint | null } | undefined;
      try {
        facts = await readFileFacts(path.posix.join(root, file.relPath), opened.root.display(file.relPath), { timeoutMs: settings.fsTimeoutMs, fs: share.fs });
        counters.bytesRead += facts.bytesRead;
      } catch (error) {
        if (isAppError(error) && error.code === "timeout") throw error; // the share hung: stop the scan
        const offset = isAppError(error) && typeof error.details.offset === "number" ? BigInt(error.details.offset) : null;
        failure = { reason: errorMessage(error), offset };
        counters.errors++;
      }
      const blobDigest = file.kind === "ollama-blob" ? path.posix.basename(file.relPath).slice("sha256-".length) : null;
      const columns = facts
        ? {
            state: "indexed",
            stateReason: null,
            errorOffset: null,
            ggufVersion: facts.ggufVersion,
            tensorDataOffset: BigInt(facts.tensorDataOffset),
            headerFingerprint: facts.fingerprint,
            shardIndex: facts.summary.split?.index ?? null,
            shardCount: facts.summary.split?.count ?? null,
            summaryJson: JSON.stringify(facts.summary),
            indexedAt: new Date(),
          }
        : {
            state: "error",
            stateReason: failure?.reason ?? "unknown error",
            errorOffset: failure?.offset ?? null,
            ggufVersion: null,
            tensorDataOffset: null,
            headerFingerprint: null,
            shardIndex: null,
            shardCount: null,
            summaryJson: null,
            indexedAt: new Date(),
            modelId: null,
          };
      // New bytes: earlier verdicts and our own first-seen hash no longer apply.
      const resetVerification = { sha256: null, verifyState: "unverified", verifiedAt: null, verifiedSource: null, verifyError: null, verifyProgress: null };
      const row = await db.libraryFile.upsert({
        where: { libraryId_relPath: { libraryId: library.id, relPath: file.relPath } },
        create: { ...statColumns(file), ...columns, libraryId: library.id, relPath: file.relPath, role: roleOf(file), blobDigest, splitGroup: group.split ? group.key : null },
        update: { ...statColumns(file), ...columns, ...resetVerification, role: roleOf(file), blobDigest, splitGroup: group.split ? group.key : null, lastSeenAt: now, missingSince: null },
        select: { id: true },
      });
      await db.expectedHash.deleteMany({ where: { fileId: row.id, source: "first-seen" } });
      if (blobDigest) {
        // An Ollama blob is named after the SHA-256 of its content.
        await db.expectedHash.upsert({
          where: { fileId_source_sourcePath: { fileId: row.id, source: "ollama-blob-name", sourcePath: "" } },
          create: { fileId: row.id, source: "ollama-blob-name", sourcePath: "", sha256: blobDigest.toLowerCase() },
          update: { sha256: blobDigest.toLowerCase() },
        });
      }
      readIds.push(row.id);
      done++;
      await progress("reading", done, toRead.length);
    });

    // 7. Files that really disappeared get missingSince; nothing is deleted.
    counters.missing = plan.vanished.length;
    for (const chunk of chunks(plan.vanished.map((file) => file.id), WRITE_BATCH)) {
      await db.libraryFile.updateMany({ where: { id: { in: chunk }, missingSince: null }, data: { missingSince: now } });
    }
    for (const file of [...plan.vanished, ...known.filter((k) => returnedIds.has(k.id))]) {
      if (file.state !== "ignored") touch(file.relPath);
    }

    // 8. Re-assemble the models whose files changed.
    await progress("assembling", 0, touchedGroups.size, true);
    for (const group of touchedGroups.values()) await assembleGroup(db, library.id, group);

    // 9. Ollama tags.
    if (kind === "ollama") await writeOllamaTags(db, library.id, share, manifests, settings, now);

    // 10. Checksum files → expected hashes; new bytes → hashed in the background.
    await progress("checksums", 0, checksumSeen.length, true);
    await syncChecksumFiles(db, library.id, share, checksumSeen, { timeoutMs: settings.fsTimeoutMs, now });
    if (readIds.length > 0 && (await readHashingSettings(db)).verifyNewFiles) {
      await enqueueVerification(db, readIds, "scan");
    }

    await db.library.update({
      where: { id: library.id },
      data: { status: "ok", statusCode: null, statusReason: null, lastFsType: mount.fsType, lastScanAt: new Date(), kind },
    });
    if (settlingFiles.length > 0) {
      // Come back once the writer has had time to finish.
      await enqueueJob(db, "catalog.scan-library", { libraryId: library.id, trigger: "settle" }, {
        runAfter: new Date(Date.now() + Math.max(settings.stableMs * 2, 5_000)),
      });
    }
    return await finish("ok", null, kind);
  } catch (error) {
    if (isAppError(error) && (error.code === "timeout" || (opened.root.access === "nfs" && error.code === "unavailable" && error.retryable))) {
      broken = true;
      return markUnavailable("hung", `${error.message}; the scan stopped and nothing was marked missing`, library.kind);
    }
    await db.scanRun.update({
      where: { id: run.id },
      data: { ...counters, bytesRead: BigInt(counters.bytesRead), status: "failed", phase: "done", message: errorMessage(error), finishedAt: new Date() },
    });
    throw error;
  } finally {
    await opened.root.release(broken);
  }
}

/** Where a scan reads: the root path as the share's filesystem sees it. */
export interface Share {
  root: string;
  fs: ShareFs;
}

function statColumns(file: SeenFile) {
  return { sizeBytes: BigInt(file.sizeBytes), mtimeMs: file.mtimeMs, inode: file.ino };
}

function roleOf(file: SeenFile): string {
  if (file.kind === "ollama-blob") return "ollama-blob";
  if (file.kind === "temp") return "temp";
  return "gguf";
}

function ignoreReason(relPath: string): string {
  return `temporary or partial name (${path.posix.basename(relPath)}): a copy or download in progress; indexed once renamed`;
}

/** Split shards of one set share a group key (dir + prefix); other files are their own group. */
export interface GroupKey {
  key: string;
  split: boolean;
  count: number;
}

export function groupKeyOf(relPath: string): GroupKey {
  const shard = parseShardName(path.posix.basename(relPath));
  if (!shard) return { key: relPath, split: false, count: 1 };
  const dir = path.posix.dirname(relPath);
  return { key: `${dir === "." ? "" : `${dir}/`}${shard.prefix}-*-of-${String(shard.count).padStart(5, "0")}.gguf`, split: true, count: shard.count };
}

async function assembleGroup(db: Db, libraryId: number, group: GroupKey): Promise<void> {
  const files = await db.libraryFile.findMany({
    where: group.split ? { libraryId, splitGroup: group.key } : { libraryId, relPath: group.key },
    select: { id: true, relPath: true, sizeBytes: true, state: true, missingSince: true, headerFingerprint: true, summaryJson: true, modelId: true },
  });
  const present = files.filter((file) => file.state === "indexed" && !file.missingSince && file.summaryJson && file.headerFingerprint);
  if (present.length === 0) return; // all missing or broken: keep the links so the model shows as missing
  const inputs: ModelFileInput[] = present.map((file) => ({
    relPath: file.relPath,
    sizeBytes: file.sizeBytes,
    fingerprint: file.headerFingerprint!,
    summary: JSON.parse(file.summaryJson!) as StoredSummary,
  }));
  const record = assembleModel(inputs, group.split ? group.count : 1);
  const { problems, ...fields } = record;
  const data = { ...fields, problemsJson: JSON.stringify(problems) };
  let model = await db.model.findUnique({ where: { fingerprint: record.fingerprint } });
  if (!model) {
    // Reuse the group's previous model row when nothing else points at it
    // (a shard arrived, a file was rewritten), instead of leaving an orphan.
    const previousIds = [...new Set(files.map((file) => file.modelId).filter((id): id is number => id !== null))];
    for (const previousId of previousIds) {
      const elsewhere = await db.libraryFile.count({ where: { modelId: previousId, id: { notIn: files.map((f) => f.id) } } });
      if (elsewhere === 0) {
        model = await db.model.update({ where: { id: previousId }, data });
        break;
      }
    }
    model ??= await db.model.create({ data });
  } else {
    model = await db.model.update({ where: { id: model.id }, data });
  }
  await db.libraryFile.updateMany({ where: { id: { in: present.map((file) => file.id) } }, data: { modelId: model.id } });
}

// ---- Ollama stores -------------------------------------------------------

interface ManifestState {
  relPath: string;
  host: string;
  namespace: string;
  model: string;
  tag: string;
  sizeBytes: number;
  mtimeMs: number;
  /** Freshly parsed (null when unchanged since the last scan or unreadable). */
  parsed: ParsedManifest | null;
  /** Layers from the fresh parse or from the catalogue. */
  layers: OllamaLayer[];
  problem: string | null;
  unchanged: boolean;
}

async function walkOllamaStore(
  db: Db,
  libraryId: number,
  share: Share,
  settings: ScanSettings,
): Promise<{ seen: SeenFile[]; manifests: ManifestState[]; entriesFound: number }> {
  const [manifestFiles, blobs] = await Promise.all([
    listOllamaManifests(share.root, settings.fsTimeoutMs, share.fs),
    listOllamaBlobs(share.root, settings.fsTimeoutMs, share.fs),
  ]);
  const knownTags = await db.ollamaTag.findMany({
    where: { libraryId },
    select: { host: true, namespace: true, model: true, tag: true, manifestSize: true, manifestMtimeMs: true, layersJson: true, problemsJson: true },
  });
  const knownByKey = new Map(knownTags.map((tag) => [`${tag.host}/${tag.namespace}/${tag.model}/${tag.tag}`, tag]));
  const manifests: ManifestState[] = [];
  for (const file of manifestFiles) {
    const previous = knownByKey.get(`${file.host}/${file.namespace}/${file.model}/${file.tag}`);
    const base = { relPath: file.relPath, host: file.host, namespace: file.namespace, model: file.model, tag: file.tag, sizeBytes: file.sizeBytes, mtimeMs: file.mtimeMs };
    if (previous && previous.manifestSize === file.sizeBytes && previous.manifestMtimeMs === file.mtimeMs && previous.problemsJson === "[]") {
      manifests.push({ ...base, parsed: null, layers: JSON.parse(previous.layersJson) as OllamaLayer[], problem: null, unchanged: true });
      continue;
    }
    try {
      const bytes = await readSmallFile(path.posix.join(share.root, file.relPath), MAX_MANIFEST_BYTES, settings.fsTimeoutMs, share.fs);
      const parsed = parseOllamaManifest(bytes, file.relPath);
      manifests.push({ ...base, parsed, layers: parsed.layers, problem: null, unchanged: false });
    } catch (error) {
      if (isAppError(error) && error.code === "timeout") throw error;
      manifests.push({ ...base, parsed: null, layers: [], problem: errorMessage(error), unchanged: false });
    }
  }
  const ggufDigests = new Set<string>();
  for (const manifest of manifests) {
    for (const layer of manifest.layers) if (GGUF_LAYER_TYPES.has(layer.mediaType)) ggufDigests.add(blobRelPath(layer.digest));
  }
  // A catalogued blob stays "seen" while it exists, even once no tag refers
  // to it any more (Ollama prunes unreferenced blobs itself, at its start).
  const knownBlobs = new Set(
    (await db.libraryFile.findMany({ where: { libraryId, role: "ollama-blob" }, select: { relPath: true } })).map((f) => f.relPath),
  );
  const seen: SeenFile[] = [];
  for (const blob of blobs.blobs) {
    const relPath = `blobs/${blob.name}`;
    if (ggufDigests.has(relPath) || knownBlobs.has(relPath)) {
      seen.push({ relPath, sizeBytes: blob.sizeBytes, mtimeMs: blob.mtimeMs, ino: blob.ino, kind: "ollama-blob" });
    }
  }
  for (const temp of blobs.temps) {
    seen.push({ relPath: `blobs/${temp.name}`, sizeBytes: temp.sizeBytes, mtimeMs: temp.mtimeMs, ino: temp.ino, kind: "temp" });
  }
  return { seen, manifests, entriesFound: blobs.blobs.length + blobs.temps.length + manifestFiles.length };
}

async function writeOllamaTags(
  db: Db,
  libraryId: number,
  share: Share,
  manifests: ManifestState[],
  settings: ScanSettings,
  now: Date,
): Promise<void> {
  const blobFiles = await db.libraryFile.findMany({
    where: { libraryId, role: "ollama-blob" },
    select: { id: true, relPath: true, modelId: true, missingSince: true },
  });
  const blobByPath = new Map(blobFiles.map((file) => [file.relPath, file]));
  const seenKeys: string[] = [];
  for (const manifest of manifests) {
    const where = { libraryId_host_namespace_model_tag: { libraryId, host: manifest.host, namespace: manifest.namespace, model: manifest.model, tag: manifest.tag } };
    seenKeys.push(`${manifest.host}/${manifest.namespace}/${manifest.model}/${manifest.tag}`);
    if (manifest.unchanged) {
      const modelLayer = manifest.layers.find((layer) => layer.mediaType === OLLAMA_MEDIA.model);
      const blob = modelLayer ? blobByPath.get(blobRelPath(modelLayer.digest)) : undefined;
      await db.ollamaTag.update({ where, data: { lastSeenAt: now, missingSince: null, modelFileId: blob?.id ?? null, modelId: blob?.modelId ?? null } });
      continue;
    }
    const problems: string[] = manifest.problem ? [manifest.problem] : [];
    const texts: Partial<Record<"template" | "system" | "params" | "license", string>> = {};
    const layers = [];
    for (const layer of manifest.layers) {
      const relPath = blobRelPath(layer.digest);
      let present = blobByPath.has(relPath);
      const textKind = textLayerKind(layer.mediaType);
      if (textKind && !GGUF_LAYER_TYPES.has(layer.mediaType)) {
        try {
          const bytes = await readSmallFile(path.posix.join(share.root, relPath), MAX_TEXT_LAYER_BYTES, settings.fsTimeoutMs, share.fs);
          const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
          // Several license layers are allowed; keep them all.
          texts[textKind] = textKind === "license" && texts.license ? `${texts.license}\n\n${text}` : text;
          present = true;
        } catch (error) {
          if (isAppError(error) && error.code === "timeout") throw error;
          present = false;
          problems.push(`${layer.mediaType.replace("application/vnd.ollama.image.", "")} layer ${layer.digest.slice(0, 19)}…: ${errorMessage(error)}`);
        }
      } else if (GGUF_LAYER_TYPES.has(layer.mediaType) && !present) {
        problems.push(`${layer.mediaType.replace("application/vnd.ollama.image.", "")} blob ${relPath} is missing from the store`);
      }
      layers.push({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size, present });
    }
    let configJson: string | null = null;
    if (manifest.parsed?.config) {
      try {
        const bytes = await readSmallFile(path.posix.join(share.root, blobRelPath(manifest.parsed.config.digest)), MAX_TEXT_LAYER_BYTES, settings.fsTimeoutMs, share.fs);
        configJson = JSON.stringify(JSON.parse(new TextDecoder().decode(bytes)));
      } catch (error) {
        if (isAppError(error) && error.code === "timeout") throw error;
        problems.push(`config blob: ${errorMessage(error)}`);
      }
    }
    const modelLayer = manifest.parsed?.modelLayer ?? null;
    if (manifest.parsed && !modelLayer) problems.push("manifest has no model layer");
    const blob = modelLayer ? blobByPath.get(blobRelPath(modelLayer.digest)) : undefined;
    const data = {
      manifestRelPath: manifest.relPath,
      manifestDigest: manifest.parsed?.digest ?? "",
      manifestSize: manifest.sizeBytes,
      manifestMtimeMs: manifest.mtimeMs,
      totalSize: BigInt(manifest.parsed?.totalSize ?? 0),
      modelLayerDigest: modelLayer?.digest ?? null,
      modelFileId: blob?.id ?? null,
      modelId: blob?.modelId ?? null,
      template: texts.template ?? null,
      system: texts.system ?? null,
      paramsJson: texts.params ? normaliseParams(texts.params) : null,
      license: texts.license ?? null,
      layersJson: JSON.stringify(layers),
      configJson,
      problemsJson: JSON.stringify(problems),
      lastSeenAt: now,
      missingSince: null,
    };
    await db.ollamaTag.upsert({
      where,
      create: { libraryId, host: manifest.host, namespace: manifest.namespace, model: manifest.model, tag: manifest.tag, ...data },
      update: data,
    });
  }
  const known = await db.ollamaTag.findMany({ where: { libraryId, missingSince: null }, select: { id: true, host: true, namespace: true, model: true, tag: true } });
  const seenSet = new Set(seenKeys);
  const gone = known.filter((tag) => !seenSet.has(`${tag.host}/${tag.namespace}/${tag.model}/${tag.tag}`)).map((tag) => tag.id);
  if (gone.length > 0) await db.ollamaTag.updateMany({ where: { id: { in: gone } }, data: { missingSince: now } });
}

function textLayerKind(mediaType: string): "template" | "system" | "params" | "license" | null {
  switch (mediaType) {
    case OLLAMA_MEDIA.template:
    case OLLAMA_MEDIA.prompt:
      return "template";
    case OLLAMA_MEDIA.system:
      return "system";
    case OLLAMA_MEDIA.params:
      return "params";
    case OLLAMA_MEDIA.license:
      return "license";
    default:
      return null;
  }
}

function normaliseParams(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch (error) {
    // Kept verbatim so the admin can see what is wrong with it.
    log.debug("params layer is not JSON", { error: errorMessage(error) });
    return JSON.stringify({ unparsed: text });
  }
}

// ---- small helpers ------------------------------------------------------

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

