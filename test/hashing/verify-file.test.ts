// Verification of catalogued files end to end: scanner → expected hashes →
// verifyFile → recorded verdicts, on real temp files and a real SQLite file.
import { createHash } from "node:crypto";
import { mkdir, open, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scanLibrary } from "../../lib/catalog/scan-library.ts";
import { buildDemoFiles } from "../../lib/demo/ensure-demo-library.ts";
import { buildTinyModel } from "../../lib/gguf/index.ts";
import { scrubTick } from "../../lib/hashing/scrub.ts";
import { verifyFile } from "../../lib/hashing/verify-file.ts";
import { hashingSettingsSchema, writeHashingSettings } from "../../lib/settings/hashing-settings.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

let temp: TempDb;
let root: string;
beforeEach(async () => {
  temp = await createTempDb("modelshelf-verify-");
  root = path.join(temp.dir, "library");
  await mkdir(root, { recursive: true });
  // These tests drive verification by hand.
  await writeHashingSettings(temp.db, hashingSettingsSchema.parse({ verifyNewFiles: false }));
});
afterEach(async () => {
  await temp.cleanup();
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const model = (seed = 1) => buildTinyModel({ architecture: "llama", fileType: "Q8_0", name: `M${seed}`, seed, tokenizer: "llama" });

async function scan(dir = root) {
  const library = (await temp.db.library.findUnique({ where: { path: dir } })) ?? (await temp.db.library.create({ data: { path: dir, source: "env" } }));
  await scanLibrary(temp.db, { libraryId: library.id, trigger: "manual", acceptMissing: false }, { settings: { stableMs: 0, fsTimeoutMs: 5_000 } });
  return library;
}

async function fileRow(relPath: string) {
  return temp.db.libraryFile.findFirstOrThrow({ where: { relPath }, include: { expectedHashes: true, verifications: true } });
}

const verify = (fileId: number, trigger: "manual" | "scrub" | "cli" = "manual") => verifyFile(temp.db, fileId, { trigger, readTimeoutMs: 5_000 });

describe("verifying a catalogued file", () => {
  it("records the first hash as first-seen (weaker trust) and reports verified", async () => {
    const bytes = model();
    await writeFile(path.join(root, "m.gguf"), bytes);
    await scan();
    const file = await fileRow("m.gguf");
    const outcome = await verify(file.id);
    expect(outcome).toMatchObject({ status: "verified", sha256: sha256(bytes), expected: null });
    const after = await fileRow("m.gguf");
    expect(after).toMatchObject({ verifyState: "verified", verifiedSource: "first-seen", sha256: sha256(bytes) });
    expect(after.expectedHashes).toMatchObject([{ source: "first-seen", sha256: sha256(bytes) }]);
    expect(after.verifications).toMatchObject([{ status: "verified", trigger: "manual" }]);
  });

  it("checks a file against a <file>.sha256 sidecar", async () => {
    const bytes = model();
    await writeFile(path.join(root, "m.gguf"), bytes);
    await writeFile(path.join(root, "m.gguf.sha256"), `${sha256(bytes)}  m.gguf\n`);
    await scan();
    const outcome = await verify((await fileRow("m.gguf")).id);
    expect(outcome).toMatchObject({ status: "verified", expected: sha256(bytes), expectedSource: "sidecar:m.gguf.sha256" });
  });

  it("reports a mismatch against SHA256SUMS loudly, naming the source", async () => {
    await mkdir(path.join(root, "sub"));
    await writeFile(path.join(root, "sub", "m.gguf"), model());
    const wrong = "0".repeat(64);
    await writeFile(path.join(root, "SHA256SUMS"), `${wrong} *sub/m.gguf\n`);
    await scan();
    const outcome = await verify((await fileRow("sub/m.gguf")).id);
    expect(outcome).toMatchObject({ status: "mismatch", expected: wrong, expectedSource: "sha256sums:SHA256SUMS" });
    const after = await fileRow("sub/m.gguf");
    expect(after.verifyState).toBe("mismatch");
    expect(after.verifyError).toContain("MISMATCH");
  });

  it("takes an Ollama blob's expected hash from its name", async () => {
    for (const file of buildDemoFiles().filter((f) => f.relPath.startsWith("ollama/"))) {
      await mkdir(path.dirname(path.join(temp.dir, file.relPath)), { recursive: true });
      await writeFile(path.join(temp.dir, file.relPath), file.bytes);
    }
    const store = path.join(temp.dir, "ollama");
    await scan(store);
    const blob = await temp.db.libraryFile.findFirstOrThrow({ where: { role: "ollama-blob" } });
    const outcome = await verify(blob.id);
    expect(outcome).toMatchObject({ status: "verified", expectedSource: "ollama-blob-name" });
  });

  it("re-judges a hashed file when a checksum file appears, without reading it again", async () => {
    await writeFile(path.join(root, "m.gguf"), model());
    await scan();
    await verify((await fileRow("m.gguf")).id);
    await writeFile(path.join(root, "m.gguf.sha256"), "f".repeat(64));
    await scan();
    const after = await fileRow("m.gguf");
    expect(after.verifyState).toBe("mismatch");
    expect(after.verifications).toHaveLength(1);
  });

  it("reports malformed checksum files instead of ignoring them", async () => {
    await writeFile(path.join(root, "m.gguf"), model());
    await writeFile(path.join(root, "SHA256SUMS"), "not a checksum line\n../../etc/passwd is not here\n");
    await scan();
    const checksum = await temp.db.checksumFile.findFirstOrThrow();
    const problems = JSON.parse(checksum.problemsJson) as { line?: number; message: string }[];
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(problems[0]!.line).toBe(1);
  });

  it("reports an unreadable file with a clear error", async () => {
    await writeFile(path.join(root, "m.gguf"), model());
    await scan();
    const file = await fileRow("m.gguf");
    // Replace the file by a directory: reading it fails with EISDIR.
    await rm(path.join(root, "m.gguf"));
    await mkdir(path.join(root, "m.gguf"));
    const outcome = await verify(file.id);
    expect(outcome.status).toBe("unreadable");
    expect(outcome.message).toContain("m.gguf");
    expect((await fileRow("m.gguf")).verifyState).toBe("unreadable");
  });

  it("discards the hash of a file that changed since the scan, and leaves it queued", async () => {
    await writeFile(path.join(root, "m.gguf"), model());
    await scan();
    const file = await fileRow("m.gguf");
    await writeFile(path.join(root, "m.gguf"), model(2));
    const outcome = await verify(file.id);
    expect(outcome).toMatchObject({ status: "unverified", changedDuringHash: true, sha256: null });
    const after = await fileRow("m.gguf");
    expect(after.verifyState).toBe("queued");
    expect(after.verifications).toHaveLength(0);
  });
});

describe("scrub", () => {
  it("detects a 1-byte flip in a verified file whose size and mtime did not change", async () => {
    await writeFile(path.join(root, "m.gguf"), model());
    // A whole-second mtime survives utimes() exactly (sub-millisecond parts may not).
    const stamp = new Date("2026-01-02T03:04:05Z");
    await utimes(path.join(root, "m.gguf"), stamp, stamp);
    await scan();
    const file = await fileRow("m.gguf");
    expect((await verify(file.id)).status).toBe("verified");
    // Bit rot: flip one byte in the tensor data and put the mtime back.
    const target = path.join(root, "m.gguf");
    const handle = await open(target, "r+");
    const size = (await stat(target)).size;
    const buffer = Buffer.alloc(1);
    await handle.read(buffer, 0, 1, size - 10);
    buffer[0] = buffer[0]! ^ 0x01;
    await handle.write(buffer, 0, 1, size - 10);
    await handle.close();
    await utimes(target, stamp, stamp);
    await scan(); // unchanged stat: the scanner does not re-read it
    expect((await fileRow("m.gguf")).verifyState).toBe("verified");
    const outcome = await verify(file.id, "scrub");
    expect(outcome.status).toBe("mismatch");
    expect(outcome.message).toContain("CORRUPTION");
  });

  it("queues files that are due, oldest first, only inside the window", async () => {
    for (let i = 1; i <= 3; i++) await writeFile(path.join(root, `m${i}.gguf`), model(i));
    await scan();
    const files = await temp.db.libraryFile.findMany({ orderBy: { relPath: "asc" } });
    const old = new Date(Date.now() - 40 * 86_400_000);
    await temp.db.libraryFile.update({ where: { id: files[0]!.id }, data: { verifiedAt: old, verifyState: "verified" } });
    await temp.db.libraryFile.update({ where: { id: files[1]!.id }, data: { verifiedAt: new Date(), verifyState: "verified" } });
    const settings = hashingSettingsSchema.parse({ scrubWindow: "", concurrency: 1 });
    const result = await scrubTick(temp.db, settings);
    expect(result).toMatchObject({ due: 2, skipped: null });
    const jobs = await temp.db.job.findMany({ where: { name: "hashing.verify-file" }, orderBy: { id: "asc" } });
    // Never-verified first, then the oldest verification; the fresh one is not due.
    expect(jobs.map((j) => (JSON.parse(j.payloadJson) as { fileId: number }).fileId)).toEqual([files[2]!.id, files[0]!.id]);
    expect(await temp.db.scrubRun.count({ where: { status: "running", filesTotal: 2 } })).toBe(1);

    const closed = hashingSettingsSchema.parse({ scrubWindow: windowExcludingNow() });
    expect((await scrubTick(temp.db, closed)).skipped).toBe("outside-window");
  });
});

/** A one-minute window twelve hours away from now, in local time. */
function windowExcludingNow(): string {
  const start = new Date(Date.now() + 12 * 3_600_000);
  const end = new Date(start.getTime() + 60_000);
  const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  return `${hhmm(start)}-${hhmm(end)}`;
}
