// Real hasher worker processes on one SQLite file: a worker killed with
// SIGKILL mid-hash loses its lease and another finishes the job with exactly
// one recorded result; two workers never run the same job.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scanLibrary } from "../../lib/catalog/scan-library.ts";
import { enqueueVerification } from "../../lib/hashing/enqueue-verification.ts";
import { hashingSettingsSchema, writeHashingSettings } from "../../lib/settings/hashing-settings.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

const projectRoot = path.resolve(import.meta.dirname, "..", "..");
let temp: TempDb;
let root: string;
const workers: ChildProcess[] = [];

beforeEach(async () => {
  temp = await createTempDb("modelshelf-crash-");
  root = path.join(temp.dir, "library");
  await mkdir(root);
});
afterEach(async () => {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
  await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once("exit", r)) : null)));
  workers.length = 0;
  await temp.cleanup();
});

function startHasher(): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "workers", "hasher.ts")], {
    cwd: projectRoot,
    env: { ...process.env, MODELSHELF_DB: temp.dbFile, MODELSHELF_DATA_DIR: temp.dir, MODELSHELF_JOB_LEASE_MS: "2000", MODELSHELF_LOG_LEVEL: "error" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  workers.push(child);
  return child;
}

async function catalogue(files: Record<string, Uint8Array>, bandwidthMBps: number | null) {
  for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(root, name), bytes);
  await writeHashingSettings(temp.db, hashingSettingsSchema.parse({ verifyNewFiles: false, scrubEnabled: false, bandwidthMBps, concurrency: 1 }));
  const library = await temp.db.library.create({ data: { path: root, source: "env" } });
  await scanLibrary(temp.db, { libraryId: library.id, trigger: "manual", acceptMissing: false }, { settings: { stableMs: 0, fsTimeoutMs: 5_000 } });
  const rows = await temp.db.libraryFile.findMany({ orderBy: { relPath: "asc" } });
  await enqueueVerification(temp.db, rows.map((r) => r.id), "manual");
  return rows;
}

describe("hasher worker crash recovery", () => {
  it("finishes a job whose worker was killed mid-hash, recording exactly one result", async () => {
    // 48 MB at a 16 MB/s cap: about three seconds of hashing to kill into.
    const bytes = randomBytes(48 * 1024 * 1024);
    const [file] = await catalogue({ "big.gguf": bytes }, 16);
    const first = startHasher();
    await expect
      .poll(async () => (await temp.db.job.findFirstOrThrow()).progressDone ?? 0, { timeout: 20_000, interval: 100 })
      .toBeGreaterThan(0);
    const victim = await temp.db.job.findFirstOrThrow();
    expect(victim.state).toBe("running");
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));

    startHasher();
    await expect.poll(async () => (await temp.db.job.findFirstOrThrow()).state, { timeout: 30_000, interval: 200 }).toBe("succeeded");
    const job = await temp.db.job.findFirstOrThrow();
    expect(job.attempts).toBe(2);
    expect(job.leaseOwner).toBeNull();
    const verifications = await temp.db.verification.findMany({ where: { fileId: file!.id } });
    expect(verifications).toHaveLength(1);
    expect(verifications[0]).toMatchObject({ status: "verified", sha256: createHash("sha256").update(bytes).digest("hex"), jobId: job.id });
    expect((await temp.db.libraryFile.findUniqueOrThrow({ where: { id: file!.id } })).verifyState).toBe("verified");
  }, 60_000);

  it("never lets two workers run the same job", async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 8; i++) files[`f${i}.gguf`] = randomBytes(2 * 1024 * 1024);
    await catalogue(files, null);
    startHasher();
    startHasher();
    await expect
      .poll(async () => temp.db.job.count({ where: { state: "succeeded" } }), { timeout: 30_000, interval: 200 })
      .toBe(8);
    const jobs = await temp.db.job.findMany();
    expect(jobs.every((job) => job.attempts === 1)).toBe(true);
    expect(await temp.db.verification.count()).toBe(8);
  }, 60_000);
});
