// The indexer process: keeps the configured libraries in the catalogue,
// schedules scans (start, interval, file-watcher hints) and runs the job
// queue. The watcher only enqueues scans; it never writes catalogue rows.
import { readFile } from "node:fs/promises";
import type { AppConfig } from "../config.ts";
import type { Db } from "../db/client.ts";
import { errorMessage } from "../errors.ts";
import { enqueueJob } from "../jobs/enqueue-job.ts";
import { handlersFor } from "../jobs/worker-handlers.ts";
import { runJobs } from "../jobs/run-jobs.ts";
import { log } from "../log.ts";
import { findMountForPath, isNetworkFsType, parseMountInfo, watchLibrary } from "../nfs/index.ts";
import { ensureDemoLibrary } from "../demo/ensure-demo-library.ts";
import type { ScanTrigger } from "./scan-library-job.ts";
import { isNfsUrl } from "./library-path.ts";
import { closeInterruptedScanRuns } from "./scan-library.ts";
import { syncConfiguredLibraries } from "./sync-configured-libraries.ts";

/** Watcher events arrive in bursts (one per write); one scan per quiet period. */
const WATCH_DEBOUNCE_MS = 3_000;
/** Libraries added or disabled in the UI are picked up this often. */
const LIBRARY_REFRESH_MS = 15_000;
/** Polling interval for roots on network filesystems (inotify does not see NFS changes made elsewhere). */
const NETWORK_POLL_MS = 30_000;

export async function runIndexer(db: Db, config: AppConfig, signal: AbortSignal): Promise<void> {
  if (config.libraries.length === 0 && config.demo === "auto" && (await db.library.count()) === 0) {
    const roots = await ensureDemoLibrary(config.dataDir);
    log.info("no library configured: generated the demo library", { roots });
    await syncConfiguredLibraries(db, roots, "demo");
  }
  await syncConfiguredLibraries(db, config.libraries, "env");
  // This is the only indexer process: any scan still "running" died with its predecessor.
  await closeInterruptedScanRuns(db);
  await enqueueScans(db, "startup");

  const watchers = new Map<number, { close(): Promise<void> }>();
  const timers: NodeJS.Timeout[] = [];
  if (config.scanIntervalMinutes > 0) {
    timers.push(setInterval(() => void enqueueScans(db, "schedule").catch(logError("scheduled scan")), config.scanIntervalMinutes * 60_000));
  }
  if (config.watch !== "off") {
    const refresh = () => refreshWatchers(db, config, watchers).catch(logError("watcher refresh"));
    await refresh();
    timers.push(setInterval(refresh, LIBRARY_REFRESH_MS));
  }

  try {
    await runJobs({ db, jobs: handlersFor("catalog.", "nfs."), concurrency: 2, leaseMs: config.jobLeaseMs, signal });
  } finally {
    for (const timer of timers) clearInterval(timer);
    await Promise.allSettled([...watchers.values()].map((watcher) => watcher.close()));
  }
}

export async function enqueueScans(db: Db, trigger: ScanTrigger): Promise<number> {
  const libraries = await db.library.findMany({ where: { enabled: true }, select: { id: true } });
  for (const library of libraries) {
    await enqueueJob(db, "catalog.scan-library", { libraryId: library.id, trigger });
  }
  return libraries.length;
}

async function refreshWatchers(db: Db, config: AppConfig, watchers: Map<number, { close(): Promise<void> }>): Promise<void> {
  const libraries = await db.library.findMany({ where: { enabled: true }, select: { id: true, path: true } });
  const wanted = new Set(libraries.map((library) => library.id));
  for (const [id, watcher] of watchers) {
    if (!wanted.has(id)) {
      watchers.delete(id);
      await watcher.close();
    }
  }
  let mounts: ReturnType<typeof parseMountInfo> = [];
  try {
    mounts = parseMountInfo(await readFile("/proc/self/mountinfo", "utf8"));
  } catch (error) {
    log.warn("cannot read /proc/self/mountinfo; watching with events", { error: errorMessage(error) });
  }
  for (const library of libraries) {
    if (watchers.has(library.id)) continue;
    // nfs:// roots have no local path to watch: they change-detect by rescan.
    if (isNfsUrl(library.path)) continue;
    const fsType = findMountForPath(mounts, library.path)?.fsType;
    const poll = config.watch === "poll" || (config.watch === "auto" && fsType !== undefined && isNetworkFsType(fsType));
    let timer: NodeJS.Timeout | undefined;
    try {
      const watcher = await watchLibrary(library.path, {
        mode: poll ? "poll" : "events",
        pollIntervalMs: NETWORK_POLL_MS,
        depth: 32,
        onHint: () => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            void enqueueJob(db, "catalog.scan-library", { libraryId: library.id, trigger: "watch" }).catch(logError("watch scan"));
          }, WATCH_DEBOUNCE_MS);
        },
        onError: (error: unknown) => log.warn("watcher error", { libraryId: library.id, error: errorMessage(error) }),
      });
      watchers.set(library.id, watcher);
    } catch (error) {
      // A root that cannot be watched is still scanned on schedule.
      log.warn("cannot watch library", { libraryId: library.id, path: library.path, error: errorMessage(error) });
    }
  }
}

function logError(what: string) {
  return (error: unknown) => log.error(`${what} failed`, { error: errorMessage(error) });
}
