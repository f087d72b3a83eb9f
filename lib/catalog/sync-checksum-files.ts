// Checksum files found by a scan (SHA256SUMS lists and <file>.sha256
// sidecars) become expected hashes of the files they name. Malformed lines,
// unsafe names and listed models that are not in the library are reported on
// the ChecksumFile row, never silently dropped.
import path from "node:path";
import type { Db } from "../db/client.ts";
import { errorMessage, isAppError } from "../errors.ts";
import { parseChecksumFile, parseSidecar, sidecarTarget } from "../hashing/parse-checksum-file.ts";
import { rejudgeFile } from "../hashing/rejudge-file.ts";
import { readSmallFile, type ShareFs } from "../nfs/index.ts";

/** SHA256SUMS for a whole model collection is a few KiB; megabytes means something else. */
export const MAX_CHECKSUM_FILE_BYTES = 4 * 1024 * 1024;

export interface SeenChecksumFile {
  relPath: string;
  sizeBytes: number;
  mtimeMs: number;
}

interface Problem {
  line?: number;
  message: string;
}

export async function syncChecksumFiles(
  db: Db,
  libraryId: number,
  share: { root: string; fs: ShareFs },
  seen: readonly SeenChecksumFile[],
  options: { timeoutMs: number; now: Date },
): Promise<{ read: number; problems: number }> {
  const known = await db.checksumFile.findMany({ where: { libraryId } });
  const knownByPath = new Map(known.map((row) => [row.relPath, row]));
  let read = 0;
  let problemCount = 0;
  const touchedFiles = new Set<number>();
  for (const file of seen) {
    const previous = knownByPath.get(file.relPath);
    if (previous && previous.sizeBytes === BigInt(file.sizeBytes) && previous.mtimeMs === file.mtimeMs && !previous.missingSince) {
      await db.checksumFile.update({ where: { id: previous.id }, data: { lastSeenAt: options.now } });
      continue;
    }
    read++;
    const kind = sidecarTarget(path.posix.basename(file.relPath)) ? "sidecar" : "sha256sums";
    const problems: Problem[] = [];
    const claims: { target: string; sha256: string }[] = [];
    try {
      const bytes = await readSmallFile(path.posix.join(share.root, file.relPath), MAX_CHECKSUM_FILE_BYTES, options.timeoutMs, share.fs);
      const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
      const dir = path.posix.dirname(file.relPath);
      if (kind === "sidecar") {
        const targetName = sidecarTarget(path.posix.basename(file.relPath))!;
        const parsed = parseSidecar(text, targetName);
        problems.push(...parsed.problems);
        if (parsed.sha256) claims.push({ target: joinRel(dir, targetName), sha256: parsed.sha256 });
      } else {
        const parsed = parseChecksumFile(text);
        problems.push(...parsed.problems);
        for (const entry of parsed.entries) claims.push({ target: joinRel(dir, entry.name), sha256: entry.sha256 });
      }
    } catch (error) {
      if (isAppError(error) && error.code === "timeout") throw error;
      problems.push({ message: `cannot read: ${errorMessage(error)}` });
    }

    const targets = await db.libraryFile.findMany({
      where: { libraryId, relPath: { in: claims.map((c) => c.target) } },
      select: { id: true, relPath: true },
    });
    const idByPath = new Map(targets.map((t) => [t.relPath, t.id]));
    const claimedIds: number[] = [];
    for (const claim of claims) {
      const fileId = idByPath.get(claim.target);
      if (fileId === undefined) {
        // Lists often cover README or safetensors files too; only missing models are worth a warning.
        if (claim.target.toLowerCase().endsWith(".gguf")) problems.push({ message: `lists ${claim.target}, which is not in this library` });
        continue;
      }
      claimedIds.push(fileId);
      touchedFiles.add(fileId);
      await db.expectedHash.upsert({
        where: { fileId_source_sourcePath: { fileId, source: kind, sourcePath: file.relPath } },
        create: { fileId, source: kind, sourcePath: file.relPath, sha256: claim.sha256.toLowerCase() },
        update: { sha256: claim.sha256.toLowerCase(), recordedAt: options.now },
      });
    }
    // Claims this file no longer makes are withdrawn.
    const withdrawn = await db.expectedHash.findMany({
      where: { sourcePath: file.relPath, source: kind, file: { libraryId }, fileId: { notIn: claimedIds } },
      select: { id: true, fileId: true },
    });
    for (const row of withdrawn) touchedFiles.add(row.fileId);
    await db.expectedHash.deleteMany({ where: { id: { in: withdrawn.map((row) => row.id) } } });

    problemCount += problems.length;
    const data = {
      kind,
      sizeBytes: BigInt(file.sizeBytes),
      mtimeMs: file.mtimeMs,
      entries: claims.length,
      problemsJson: JSON.stringify(problems),
      lastSeenAt: options.now,
      missingSince: null,
    };
    await db.checksumFile.upsert({
      where: { libraryId_relPath: { libraryId, relPath: file.relPath } },
      create: { libraryId, relPath: file.relPath, ...data },
      update: data,
    });
  }

  const seenPaths = new Set(seen.map((file) => file.relPath));
  const gone = known.filter((row) => !row.missingSince && !seenPaths.has(row.relPath)).map((row) => row.id);
  if (gone.length > 0) await db.checksumFile.updateMany({ where: { id: { in: gone } }, data: { missingSince: options.now } });

  // A new or changed claim can settle a file's verdict without reading it again.
  for (const fileId of touchedFiles) await rejudgeFile(db, fileId);
  return { read, problems: problemCount };
}

function joinRel(dir: string, name: string): string {
  return path.posix.normalize(dir === "." ? name : `${dir}/${name}`);
}
