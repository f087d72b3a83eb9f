// Shared start-up and shutdown of a worker process: config, migrations,
// signals, and a clean disconnect.
import type { AppConfig } from "../config.ts";
import { getConfig } from "../config.ts";
import { getDb, type Db } from "../db/client.ts";
import { migrateDatabase } from "../db/migrate.ts";
import { log } from "../log.ts";

export async function runWorker(
  name: string,
  body: (db: Db, config: AppConfig, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const config = getConfig();
  await migrateDatabase(config.dbFile);
  const controller = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      log.info(`${name} stopping`, { signal });
      controller.abort();
    });
  }
  log.info(`${name} started`, { db: config.dbFile, pid: process.pid });
  await body(getDb(), config, controller.signal);
  await getDb().$disconnect();
  log.info(`${name} stopped`);
}
