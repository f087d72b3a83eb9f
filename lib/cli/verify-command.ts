// modelshelf verify <path>… | --all [--json] [--db <file>]
// Catalogued files go through the same verifyFile as the hasher worker (and
// record their result); other files are hashed and checked against the
// Ollama blob name, a <file>.sha256 sidecar or SHA256SUMS files beside them.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { getConfig } from "../config.ts";
import type { Db } from "../db/client.ts";
import { errorMessage, isAppError } from "../errors.ts";
import { hashFile } from "../hashing/hash-file.ts";
import { describeSource, judgeHash, type Expected } from "../hashing/judge-hash.ts";
import { isChecksumFileName, parseChecksumFile, parseSidecar } from "../hashing/parse-checksum-file.ts";
import { verifyFile } from "../hashing/verify-file.ts";
import { readSmallFile } from "../nfs/index.ts";
import { MAX_CHECKSUM_FILE_BYTES } from "../catalog/sync-checksum-files.ts";
import { formatBytes } from "./format.ts";
import { jsonReplacer } from "./inspect-command.ts";
import { openCliDb } from "./open-cli-db.ts";

export interface VerifyLine {
  path: string;
  sizeBytes: number | null;
  sha256: string | null;
  expected: string | null;
  expectedSource: string | null;
  status: "verified" | "mismatch" | "unverified" | "unreadable";
  seconds: number;
  message?: string | null;
}

export async function verifyCommand(paths: string[], options: { all: boolean; json: boolean; db?: string }): Promise<number> {
  if (options.all === paths.length > 0) {
    process.stderr.write("modelshelf verify: give file paths or --all (not both)\n");
    return 2;
  }
  const db = await openCliDb(options.db);
  const lines: VerifyLine[] = [];
  const emit = (line: VerifyLine) => {
    lines.push(line);
    if (!options.json) {
      const size = line.sizeBytes === null ? "?" : formatBytes(line.sizeBytes);
      process.stdout.write(
        `${line.status.padEnd(10)} ${line.path}  ${size}  ${line.seconds.toFixed(1)} s  ${line.sha256 ?? "-"}${line.expectedSource ? `  (expected from ${line.expectedSource})` : ""}${line.message ? `  ${line.message}` : ""}\n`,
      );
    }
  };
  try {
    const targets = options.all ? await allCatalogued(db) : paths.map((p) => path.resolve(p));
    for (const target of targets) emit(await verifyOne(db, target));
  } finally {
    await db.$disconnect();
  }
  if (options.json) process.stdout.write(`${JSON.stringify(lines, jsonReplacer, 2)}\n`);
  return lines.some((line) => line.status === "mismatch" || line.status === "unreadable") ? 1 : 0;
}

async function allCatalogued(db: Db): Promise<string[]> {
  const files = await db.libraryFile.findMany({
    where: { missingSince: null, state: { not: "ignored" }, library: { enabled: true } },
    include: { library: { select: { path: true } } },
    orderBy: [{ libraryId: "asc" }, { relPath: "asc" }],
  });
  return files.map((file) => path.join(file.library.path, file.relPath));
}

async function findCatalogued(db: Db, absPath: string): Promise<number | null> {
  const libraries = await db.library.findMany({ select: { id: true, path: true } });
  for (const library of libraries) {
    const rel = path.relative(library.path, absPath);
    if (rel.startsWith("..") || path.isAbsolute(rel)) continue;
    const file = await db.libraryFile.findUnique({
      where: { libraryId_relPath: { libraryId: library.id, relPath: rel.split(path.sep).join("/") } },
      select: { id: true, missingSince: true },
    });
    if (file && !file.missingSince) return file.id;
  }
  return null;
}

async function verifyOne(db: Db, absPath: string): Promise<VerifyLine> {
  const readTimeoutMs = getConfig().fsTimeoutMs;
  const started = Date.now();
  const fileId = await findCatalogued(db, absPath);
  try {
    if (fileId !== null) {
      const outcome = await verifyFile(db, fileId, { trigger: "cli", readTimeoutMs });
      // A first hash records a baseline; nothing was verified against anything yet.
      const status = outcome.status === "verified" && outcome.expected === null ? "unverified" : outcome.status;
      return {
        path: absPath,
        sizeBytes: outcome.sizeBytes,
        sha256: outcome.sha256,
        expected: outcome.expected,
        expectedSource: outcome.expectedSource,
        status,
        seconds: outcome.seconds,
        message: outcome.message ?? (status === "unverified" && outcome.sha256 ? "no expected hash: recorded as first seen" : null),
      };
    }
    const result = await hashFile(absPath, { readTimeoutMs });
    const expected = await expectedBeside(absPath);
    if (expected.length === 0) {
      return { path: absPath, sizeBytes: result.bytes, sha256: result.sha256, expected: null, expectedSource: null, status: "unverified", seconds: result.seconds, message: "no expected hash found" };
    }
    const verdict = judgeHash(result.sha256, expected);
    const best = verdict.expected!;
    return { path: absPath, sizeBytes: result.bytes, sha256: result.sha256, expected: best.sha256, expectedSource: describeSource(best), status: verdict.status, seconds: result.seconds };
  } catch (error) {
    if (isAppError(error) && error.code === "timeout") throw error;
    return { path: absPath, sizeBytes: null, sha256: null, expected: null, expectedSource: null, status: "unreadable", seconds: (Date.now() - started) / 1000, message: errorMessage(error) };
  }
}

/** Expected hashes for a file outside the catalogue, from what lies next to it. */
async function expectedBeside(absPath: string): Promise<Expected[]> {
  const dir = path.dirname(absPath);
  const name = path.basename(absPath);
  const timeout = getConfig().fsTimeoutMs;
  const out: Expected[] = [];
  const blob = /^sha256-([0-9a-f]{64})$/i.exec(name);
  if (blob) out.push({ sha256: blob[1]!.toLowerCase(), source: "ollama-blob-name", sourcePath: "" });
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  for (const entry of entries) {
    const text = async () => new TextDecoder().decode(await readSmallFile(path.join(dir, entry), MAX_CHECKSUM_FILE_BYTES, timeout));
    if (entry === `${name}.sha256`) {
      const parsed = parseSidecar(await text(), name);
      if (parsed.sha256) out.push({ sha256: parsed.sha256.toLowerCase(), source: "sidecar", sourcePath: entry });
    } else if (isChecksumFileName(entry)) {
      const match = parseChecksumFile(await text()).entries.find((e) => path.posix.normalize(e.name) === name);
      if (match) out.push({ sha256: match.sha256.toLowerCase(), source: "sha256sums", sourcePath: entry });
    }
  }
  return out;
}
