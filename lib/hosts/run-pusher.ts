// The pusher process: polls every enabled host on the admin's interval and runs
// the hosts.* jobs. Long transfers and quick calls run in separate lanes, so
// two big pushes never hold up polls, removals and reconciles.
import type { AppConfig } from "../config.ts";
import type { Db } from "../db/client.ts";
import { errorMessage } from "../errors.ts";
import { enqueueJob } from "../jobs/enqueue-job.ts";
import { runJobs } from "../jobs/run-jobs.ts";
import { log } from "../log.ts";
import { readHostsSettings } from "../settings/hosts-settings.ts";
import { pollHostJob, pushModelJob } from "./host-jobs.ts";
import { hostJobHandlers, pusherRuntime } from "./hosts-runtime.ts";

const SETTINGS_REFRESH_MS = 5_000;
/** How often the schedule looks for hosts due a poll (the interval itself is a setting). */
const SCHEDULE_TICK_MS = 5_000;
/** Polls, removals and reconciles at once: each is a few short HTTP calls. */
const CONTROL_LANE_CONCURRENCY = 2;

/** Queues a poll for every enabled host whose last poll is older than the interval. */
export async function schedulePolls(db: Db, intervalSeconds: number, now = new Date()): Promise<number> {
  const due = await db.inferenceHost.findMany({
    where: { enabled: true, OR: [{ lastPolledAt: null }, { lastPolledAt: { lt: new Date(now.getTime() - intervalSeconds * 1000) } }] },
    select: { id: true },
  });
  for (const host of due) await enqueueJob(db, pollHostJob.name, { hostId: host.id });
  return due.length;
}

export async function runPusher(db: Db, config: AppConfig, signal: AbortSignal): Promise<void> {
  const runtime = pusherRuntime();
  runtime.apply(await readHostsSettings(db));
  const logError = (what: string) => (error: unknown) => log.error(`${what} failed`, { error: errorMessage(error) });
  const timers = [
    setInterval(() => void readHostsSettings(db).then((s) => runtime.apply(s)).catch(logError("settings refresh")), SETTINGS_REFRESH_MS),
    setInterval(() => void schedulePolls(db, runtime.settings.pollIntervalSeconds).catch(logError("poll schedule")), SCHEDULE_TICK_MS),
  ];
  await schedulePolls(db, runtime.settings.pollIntervalSeconds).catch(logError("poll schedule"));
  const handlers = hostJobHandlers();
  const pushes = handlers.filter((h) => h.name === pushModelJob.name);
  const control = handlers.filter((h) => h.name !== pushModelJob.name);
  try {
    await Promise.all([
      runJobs({ db, jobs: pushes, concurrency: () => runtime.settings.pushConcurrency, leaseMs: config.jobLeaseMs, signal }),
      runJobs({ db, jobs: control, concurrency: CONTROL_LANE_CONCURRENCY, leaseMs: config.jobLeaseMs, signal }),
    ]);
  } finally {
    for (const timer of timers) clearInterval(timer);
  }
}
