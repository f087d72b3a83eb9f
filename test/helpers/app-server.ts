// Runs the real app for browser and API tests: `next build` at most once per
// test run (skipped when the sources are unchanged since the last build), then
// `next start` on a free loopback port against a temp, seeded SQLite file.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createDb, type Db } from "../../lib/db/client.ts";
import { migrateDatabase } from "../../lib/db/migrate.ts";
import { sourceHash } from "../../scripts/build-if-needed.ts";
import { seedCatalog, type SeededCatalog } from "./seed-catalog.ts";
import { freePort } from "./free-port.ts";

// Re-exported: tests that start the app take their ports from here.
export { freePort };

const projectRoot = path.resolve(import.meta.dirname, "..", "..");
const nextBin = path.join(projectRoot, "node_modules", "next", "dist", "bin", "next");
const stampFile = path.join(projectRoot, ".next", "modelshelf-build-stamp.json");
/** Serialises the build check across the test files vitest runs in parallel forks. */
const lockDir = path.join(os.tmpdir(), `modelshelf-build-${createHash("sha256").update(projectRoot).digest("hex").slice(0, 12)}.lock`);

/** A build takes ~15–30 s here; a lock older than this belongs to a crashed run. */
const STALE_LOCK_MS = 10 * 60_000;
const SERVER_READY_TIMEOUT_MS = 60_000;

interface BuildStamp {
  hash: string;
  /** The vitest main process (parent of every test fork) that last checked the build. */
  runPid: number;
}

async function readStamp(): Promise<BuildStamp | null> {
  try {
    return JSON.parse(await readFile(stampFile, "utf8")) as BuildStamp;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || error instanceof SyntaxError) return null;
    throw error;
  }
}

/** 0 when the lock vanished between our mkdir and this stat (its holder just finished). */
async function lockAgeMs(): Promise<number> {
  try {
    return Date.now() - (await stat(lockDir)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if ((await lockAgeMs()) > STALE_LOCK_MS) await rm(lockDir, { recursive: true, force: true });
      else await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(args[0] ?? command)} ${args.slice(1).join(" ")} exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

/** Builds the app unless this test run already did, or the sources match the last build. */
export async function ensureAppBuilt(): Promise<void> {
  await withBuildLock(async () => {
    const stamp = await readStamp();
    if (stamp?.runPid === process.ppid && existsSync(path.join(projectRoot, ".next", "BUILD_ID"))) return;
    // Once per run: later test files reuse this build even if someone edits a source meanwhile,
    // because rebuilding .next under a running `next start` would break the other file's server.
    const hash = await sourceHash();
    if (stamp?.hash !== hash || !existsSync(path.join(projectRoot, ".next", "BUILD_ID"))) {
      await run(process.execPath, [nextBin, "build"], { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" });
    }
    await writeFile(stampFile, JSON.stringify({ hash, runPid: process.ppid } satisfies BuildStamp));
  });
}

export interface AppServer {
  baseUrl: string;
  dbFile: string;
  db: Db;
  seeded: SeededCatalog;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

async function waitUntilReady(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + SERVER_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      if (response.ok) return;
    } catch (error) {
      // ECONNREFUSED until the server listens; anything else is worth seeing if it never comes up.
      if (!(error instanceof TypeError)) throw error;
    }
    await sleep(200);
  }
  throw new Error(`next start did not answer /api/health within ${SERVER_READY_TIMEOUT_MS} ms:\n${output()}`);
}

export async function startAppServer(): Promise<AppServer> {
  await ensureAppBuilt();
  const dir = await mkdtemp(path.join(os.tmpdir(), "modelshelf-app-"));
  const dbFile = path.join(dir, "catalogue.db");
  await migrateDatabase(dbFile);
  const db = createDb(dbFile);
  const seeded = await seedCatalog(db);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let log = "";
  const child = spawn(process.execPath, [nextBin, "start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      MODELSHELF_DB: dbFile,
      MODELSHELF_DATA_DIR: dir,
      MODELSHELF_LIBRARIES: "",
      MODELSHELF_DEMO: "off",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const output = () => log.slice(-8000);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
      if (timedOut) child.kill("SIGKILL");
    }
    await db.$disconnect();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(baseUrl, child, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, dbFile, db, seeded, output, stop };
}
