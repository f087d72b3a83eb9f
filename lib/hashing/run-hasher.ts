// The hasher process: runs hashing jobs with the admin's concurrency and
// bandwidth cap (re-read every few seconds), and ticks the scrub.
import type { AppConfig } from "../config.ts";
import type { Db } from "../db/client.ts";
import { errorMessage } from "../errors.ts";
import { handlersFor } from "../jobs/worker-handlers.ts";
import { runJobs } from "../jobs/run-jobs.ts";
import { log } from "../log.ts";
import { readHashingSettings } from "../settings/hashing-settings.ts";
import { hasherRuntime } from "./hasher-runtime.ts";
import { scrubTick } from "./scrub.ts";

const SETTINGS_REFRESH_MS = 5_000;
const SCRUB_TICK_MS = 60_000;

export async function runHasher(db: Db, config: AppConfig, signal: AbortSignal): Promise<void> {
  const runtime = hasherRuntime();
  runtime.apply(await readHashingSettings(db));
  // A file left "hashing" by a worker that died is waiting for its job to be reclaimed.
  await db.libraryFile.updateMany({ where: { verifyState: "hashing" }, data: { verifyState: "queued", verifyProgress: null } });

  const refresh = async () => {
    runtime.apply(await readHashingSettings(db));
  };
  const tick = async () => {
    const result = await scrubTick(db, runtime.settings);
    if (result.queued > 0) log.info("scrub queued files", { queued: result.queued, due: result.due });
  };
  const timers = [
    setInterval(() => void refresh().catch(logError("settings refresh")), SETTINGS_REFRESH_MS),
    setInterval(() => void tick().catch(logError("scrub tick")), SCRUB_TICK_MS),
  ];
  await tick().catch(logError("scrub tick"));
  try {
    await runJobs({
      db,
      jobs: handlersFor("hashing."),
      concurrency: () => runtime.settings.concurrency,
      leaseMs: config.jobLeaseMs,
      signal,
    });
  } finally {
    for (const timer of timers) clearInterval(timer);
  }
}

function logError(what: string) {
  return (error: unknown) => log.error(`${what} failed`, { error: errorMessage(error) });
}
