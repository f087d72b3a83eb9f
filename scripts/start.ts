// `npm start`: migrate the database, build the web app if its sources
// changed, then run the web server and the workers (indexer, hasher, pusher,
// and the registry that serves the library under /v2/), restarting a worker if
// it dies. One command, no other setup.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { describeDatabaseLocation } from "../lib/catalog/database-location.ts";
import { getConfig } from "../lib/config.ts";
import { migrateDatabase } from "../lib/db/migrate.ts";
import { errorMessage } from "../lib/errors.ts";
import { buildIfNeeded } from "./build-if-needed.ts";

const root = path.resolve(import.meta.dirname, "..");
/** A worker that keeps crashing is restarted at most this often. */
const WORKER_RESTART_DELAY_MS = 5_000;
/** How long children get to finish on SIGTERM before they are killed. */
const STOP_GRACE_MS = 10_000;

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1" };

async function main(): Promise<void> {
  let config;
  try {
    config = getConfig();
  } catch (error) {
    console.error(`modelshelf: ${errorMessage(error)}`);
    process.exit(2);
  }
  const location = await describeDatabaseLocation(config.dbFile);
  if (location.warning) console.warn(`WARNING: ${location.warning}`);
  const migrated = await migrateDatabase(config.dbFile);
  if (migrated.applied.length > 0) console.log(`database ${config.dbFile}: applied ${migrated.applied.join(", ")}`);
  await buildIfNeeded();

  let stopping = false;
  const children = new Set<ChildProcess>();
  const startWorker = (name: "indexer" | "hasher" | "pusher" | "registry") => {
    const worker = spawn(process.execPath, ["--import", "tsx", path.join(root, "workers", `${name}.ts`)], {
      cwd: root,
      // A hung NFS call pins one libuv thread until the kernel gives up; with
      // the default 4 a few hung files would stall every fs call of the worker.
      env: { UV_THREADPOOL_SIZE: "32", ...env },
      stdio: "inherit",
    });
    children.add(worker);
    worker.on("exit", (code, signal) => {
      children.delete(worker);
      if (stopping) return;
      console.error(`${name} worker exited (${signal ?? code}); restarting in ${WORKER_RESTART_DELAY_MS / 1000} s`);
      setTimeout(() => !stopping && startWorker(name), WORKER_RESTART_DELAY_MS);
    });
  };
  const web = spawn(
    process.execPath,
    [path.join(root, "node_modules", "next", "dist", "bin", "next"), "start", "-H", config.host, "-p", String(config.port)],
    { cwd: root, env, stdio: "inherit" },
  );
  children.add(web);
  startWorker("indexer");
  startWorker("hasher");
  startWorker("pusher");
  if (config.registry.port > 0) startWorker("registry");
  console.log(`ModelShelf: http://${config.host}:${config.port}  (database ${config.dbFile})`);
  if (config.registry.port > 0) console.log(`Registry (ollama pull … --insecure): ${config.registry.publicUrl}  (listening on ${config.registry.host}:${config.registry.port})`);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) child.kill(signal);
    // A worker stuck in a read on a hung NFS mount cannot exit by itself.
    setTimeout(() => {
      for (const child of children) child.kill("SIGKILL");
    }, STOP_GRACE_MS).unref();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  web.on("exit", (code) => {
    children.delete(web);
    stop("SIGTERM");
    const wait = setInterval(() => {
      if (children.size === 0) {
        clearInterval(wait);
        process.exit(stopping && code === null ? 0 : (code ?? 0));
      }
    }, 100);
  });
}

await main();
