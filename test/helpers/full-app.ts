// The product as `npm start` runs it — the web server plus worker processes
// on one fresh data directory — for end-to-end browser tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Page } from "playwright-core";
import { createDb, type Db } from "../../lib/db/client.ts";
import { migrateDatabase } from "../../lib/db/migrate.ts";
import { ensureAppBuilt, freePort } from "./app-server.ts";

const projectRoot = path.resolve(import.meta.dirname, "..", "..");
/** How long `next start` may take to answer under a full parallel test run. */
const SERVER_READY_TIMEOUT_MS = 60_000;

export interface FullApp {
  dir: string;
  db: Db;
  baseUrl: string;
  /** The last lines every process printed, for failure messages. */
  output(): string;
  /** Reloads `url` until `probe` holds (workers fill the catalogue in the background). */
  reloadUntil(page: Page, url: string, probe: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface FullAppOptions {
  workers: ("indexer" | "hasher" | "pusher" | "registry")[];
  /** Extra environment (MODELSHELF_* settings). */
  env?: Record<string, string>;
  /** Runs on the migrated database before any process starts (settings, libraries). */
  prepare?: (db: Db, dir: string) => Promise<void>;
}

export async function startFullApp(options: FullAppOptions): Promise<FullApp> {
  await ensureAppBuilt();
  const dir = await mkdtemp(path.join(os.tmpdir(), "modelshelf-full-"));
  const env = {
    ...process.env,
    NODE_ENV: "production" as const,
    NEXT_TELEMETRY_DISABLED: "1",
    MODELSHELF_DATA_DIR: dir,
    MODELSHELF_DB: path.join(dir, "modelshelf.db"),
    MODELSHELF_LIBRARIES: "",
    ...options.env,
  };
  await migrateDatabase(env.MODELSHELF_DB);
  const db = createDb(env.MODELSHELF_DB);
  await options.prepare?.(db, dir);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const children: ChildProcess[] = [];
  let log = "";
  const start = (args: string[]) => {
    const child: ChildProcess = spawn(process.execPath, args, { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    children.push(child);
  };
  start([path.join(projectRoot, "node_modules/next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", String(port)]);
  for (const worker of options.workers) start(["--import", "tsx", path.join(projectRoot, "workers", `${worker}.ts`)]);
  const output = () => log.slice(-6000);
  // `next start` listens a moment after it is spawned (longer on a busy machine).
  const deadline = Date.now() + SERVER_READY_TIMEOUT_MS;
  for (;;) {
    const ready = await fetch(`${baseUrl}/api/health`).then(
      (response) => response.ok,
      (error: unknown) => (error instanceof TypeError ? false : Promise.reject(error)),
    );
    if (ready) break;
    if (Date.now() > deadline) {
      for (const child of children) child.kill("SIGKILL");
      await db.$disconnect();
      throw new Error(`the web server did not answer /api/health within ${SERVER_READY_TIMEOUT_MS} ms:\n${output()}`);
    }
    await sleep(200);
  }
  return {
    dir,
    db,
    baseUrl,
    output,
    async reloadUntil(page, url, probe, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await page.goto(url).catch(() => undefined);
        if (await probe().catch(() => false)) return;
        if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms; app output:\n${output()}`);
        await sleep(500);
      }
    },
    async stop() {
      for (const child of children) child.kill("SIGTERM");
      const exits = children.map((child) =>
        child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once("exit", resolve)) : null,
      );
      // A worker blocked on a hung read cannot exit by itself.
      const timer = setTimeout(() => children.forEach((child) => child.kill("SIGKILL")), 10_000);
      await Promise.all(exits);
      clearTimeout(timer);
      await db.$disconnect();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
