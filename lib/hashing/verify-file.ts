// Verifies one catalogued file: hash it (streamed, in a worker thread), judge
// the hash against the expected ones, and record exactly one result. Used by
// the hashing.verify-file job and by `modelshelf verify`.
import path from "node:path";
import type { Db } from "../db/client.ts";
import { AppError, errorMessage, isAppError } from "../errors.ts";
import type { JobTransaction } from "../jobs/define-job.ts";
import { libraryFilePath } from "../catalog/library-path.ts";
import { openLibraryRoot } from "../catalog/open-library-root.ts";
import { hashFile } from "./hash-file.ts";
import { hashReader } from "./hash-reader.ts";
import { describeSource, judgeHash, verdictMessage, type Expected } from "./judge-hash.ts";
import type { Throttle } from "./throttle.ts";

export type VerifyTrigger = "manual" | "scan" | "scrub" | "cli";

export interface VerifyOptions {
  trigger: VerifyTrigger;
  /** The job doing the work: its Verification row is unique per job. */
  jobId?: number;
  signal?: AbortSignal;
  throttle?: Throttle;
  readTimeoutMs: number;
  onProgress?: (bytesDone: number, bytesTotal: number) => Promise<void> | void;
  /** Writes the result only while the job's lease is held (see JobContext.withLease). */
  withLease?: <T>(write: (tx: JobTransaction) => Promise<T>) => Promise<T>;
}

export interface VerifyOutcome {
  fileId: number;
  path: string;
  sizeBytes: number;
  sha256: string | null;
  expected: string | null;
  expectedSource: string | null;
  status: "verified" | "mismatch" | "unverified" | "unreadable";
  /** Why the status is what it is, in admin terms. */
  message: string | null;
  seconds: number;
  /** The file changed while it was hashed: the hash was discarded. */
  changedDuringHash: boolean;
}

/** verifyProgress is written at most this often per file. */
const FILE_PROGRESS_INTERVAL_MS = 1_000;

export async function verifyFile(db: Db, fileId: number, options: VerifyOptions): Promise<VerifyOutcome> {
  const file = await db.libraryFile.findUnique({
    where: { id: fileId },
    include: { library: { select: { path: true } }, expectedHashes: true },
  });
  if (!file) throw new AppError("not-found", `file ${fileId} is not in the catalogue`);
  const absPath = libraryFilePath(file.library.path, file.relPath);
  if (file.missingSince) throw new AppError("not-found", `${absPath} is missing since ${file.missingSince.toISOString()}`);
  if (file.state === "ignored") throw new AppError("invalid-input", `${absPath} is a temporary file; it is not verified`);

  const startedAt = new Date();
  const base = { fileId, path: absPath, sizeBytes: Number(file.sizeBytes) };
  await db.libraryFile.update({ where: { id: fileId }, data: { verifyState: "hashing", verifyProgress: 0 } });

  const opened = await openLibraryRoot(file.library.path, { timeoutMs: options.readTimeoutMs });
  if (!opened.ok) {
    await db.libraryFile.update({ where: { id: fileId }, data: { verifyState: file.sha256 ? file.verifyState : "unverified", verifyProgress: null } });
    // The share is away, not the file broken: try again later.
    throw new AppError(opened.code === "hung" ? "timeout" : "unavailable", opened.message, { retryable: true });
  }
  let lastFileProgress = 0;
  let result;
  let broken = false;
  try {
    const reader = opened.root.chunkReader(file.relPath);
    const hashOptions = {
      signal: options.signal,
      throttle: options.throttle,
      readTimeoutMs: options.readTimeoutMs,
      onProgress: (done: number, total: number) => {
        const now = Date.now();
        if (now - lastFileProgress >= FILE_PROGRESS_INTERVAL_MS) {
          lastFileProgress = now;
          void db.libraryFile
            .update({ where: { id: fileId }, data: { verifyProgress: total > 0 ? done / total : 0 } })
            .catch(() => undefined);
        }
        void options.onProgress?.(done, total);
      },
    };
    result = reader ? await hashReader(reader, hashOptions) : await hashFile(opened.root.localPath(file.relPath)!, hashOptions);
  } catch (error) {
    broken = isAppError(error) && (error.code === "timeout" || error.code === "unavailable");
    if (isUnreadable(error)) {
      const message = errorMessage(error);
      await record(db, options, {
        fileId,
        startedAt,
        status: "unreadable",
        error: message,
        fileUpdate: { verifyState: "unreadable", verifyError: message, verifyProgress: null, verifiedAt: new Date() },
      });
      return { ...base, sha256: null, expected: null, expectedSource: null, status: "unreadable", message, seconds: secondsSince(startedAt), changedDuringHash: false };
    }
    // Timeouts, cancellation, lost leases: the job decides; the file is not judged.
    await db.libraryFile.update({ where: { id: fileId }, data: { verifyState: file.sha256 ? file.verifyState : "unverified", verifyProgress: null } });
    throw error;
  } finally {
    await opened.root.release(broken);
  }

  const catalogued = { size: Number(file.sizeBytes), mtimeMs: file.mtimeMs, ino: file.inode };
  const changed =
    !sameStat(result.statBefore, result.statAfter) || !sameStat(result.statBefore, catalogued);
  if (changed) {
    await db.libraryFile.update({ where: { id: fileId }, data: { verifyState: "queued", verifyProgress: null } });
    return {
      ...base,
      sha256: null,
      expected: null,
      expectedSource: null,
      status: "unverified",
      message: "the file changed while it was hashed (or since the last scan): result discarded",
      seconds: result.seconds,
      changedDuringHash: true,
    };
  }

  const expected: Expected[] = file.expectedHashes.map((e) => ({ sha256: e.sha256, source: e.source, sourcePath: e.sourcePath }));
  const verdict = judgeHash(result.sha256, expected);
  const now = new Date();
  const message = verdictMessage(verdict);
  await record(db, options, {
    fileId,
    startedAt,
    status: verdict.status,
    sha256: result.sha256,
    expected: verdict.expected,
    bytes: result.bytes,
    seconds: result.seconds,
    error: message,
    recordFirstSeen: verdict.status === "verified" && verdict.recordFirstSeen ? result.sha256 : null,
    fileUpdate: {
      sha256: result.sha256,
      verifyState: verdict.status,
      verifiedAt: now,
      verifiedSource: verdict.expected?.source ?? "first-seen",
      verifyError: message,
      verifyProgress: null,
    },
  });
  return {
    ...base,
    sha256: result.sha256,
    expected: verdict.expected?.sha256 ?? null,
    expectedSource: verdict.expected ? describeSource(verdict.expected) : null,
    status: verdict.status,
    message,
    seconds: result.seconds,
    changedDuringHash: false,
  };
}

interface RecordInput {
  fileId: number;
  startedAt: Date;
  status: "verified" | "mismatch" | "unreadable";
  sha256?: string;
  expected?: Expected | null;
  bytes?: number;
  seconds?: number;
  error?: string | null;
  recordFirstSeen?: string | null;
  fileUpdate: Record<string, unknown>;
}

/** One Verification row per job (re-runs after a crash overwrite it), the
 * file's state, and a first-seen hash, all in one transaction. */
async function record(db: Db, options: VerifyOptions, input: RecordInput): Promise<void> {
  const row = {
    fileId: input.fileId,
    trigger: options.trigger,
    status: input.status,
    sha256: input.sha256 ?? null,
    expectedSha256: input.expected?.sha256 ?? null,
    expectedSource: input.expected ? describeSource(input.expected) : null,
    bytes: BigInt(input.bytes ?? 0),
    seconds: input.seconds ?? secondsSince(input.startedAt),
    error: input.error ?? null,
    startedAt: input.startedAt,
    finishedAt: new Date(),
  };
  const write = async (tx: JobTransaction) => {
    if (options.jobId !== undefined) {
      await tx.verification.upsert({ where: { jobId: options.jobId }, create: { ...row, jobId: options.jobId }, update: row });
    } else {
      await tx.verification.create({ data: row });
    }
    await tx.libraryFile.update({ where: { id: input.fileId }, data: input.fileUpdate });
    if (input.sha256 && input.status !== "unreadable") await linkIdenticalContent(tx, input.fileId, input.sha256);
    if (input.recordFirstSeen) {
      await tx.expectedHash.upsert({
        where: { fileId_source_sourcePath: { fileId: input.fileId, source: "first-seen", sourcePath: "" } },
        create: { fileId: input.fileId, source: "first-seen", sourcePath: "", sha256: input.recordFirstSeen },
        update: {},
      });
    }
    if (options.trigger === "scrub") await countScrubProgress(tx, input);
  };
  if (options.withLease) await options.withLease(write);
  else await db.$transaction(write);
}

/** Identical bytes are one model: a file whose SHA-256 equals a catalogued
 * model's file joins that model (the oldest, when they disagree). */
async function linkIdenticalContent(tx: JobTransaction, fileId: number, sha256: string): Promise<void> {
  const self = await tx.libraryFile.findUniqueOrThrow({ where: { id: fileId }, select: { modelId: true } });
  const twin = await tx.libraryFile.findFirst({
    where: { sha256, id: { not: fileId }, modelId: { not: null } },
    orderBy: { modelId: "asc" },
    select: { modelId: true },
  });
  if (!twin?.modelId || twin.modelId === self.modelId) return;
  if (self.modelId === null || twin.modelId < self.modelId) {
    await tx.libraryFile.update({ where: { id: fileId }, data: { modelId: twin.modelId } });
  }
}

async function countScrubProgress(tx: JobTransaction, input: RecordInput): Promise<void> {
  const run = await tx.scrubRun.findFirst({ where: { status: "running" }, orderBy: { id: "desc" } });
  if (!run) return;
  await tx.scrubRun.update({
    where: { id: run.id },
    data: {
      filesDone: { increment: 1 },
      bytesDone: { increment: BigInt(input.bytes ?? 0) },
      ...(input.status === "mismatch" ? { mismatches: { increment: 1 } } : {}),
      ...(input.status === "unreadable" ? { unreadable: { increment: 1 } } : {}),
    },
  });
}

function sameStat(a: { size: number; mtimeMs: number; ino: string }, b: { size: number; mtimeMs: number; ino: string }): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

/** I/O failures that are a property of the file (bad sector, permissions), not of the moment. */
function isUnreadable(error: unknown): boolean {
  if (!isAppError(error)) return false;
  return error.code === "io" || error.code === "forbidden" || error.code === "not-found" || error.code === "invalid-input";
}

function secondsSince(start: Date): number {
  return (Date.now() - start.getTime()) / 1000;
}
