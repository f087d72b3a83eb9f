// Indexer worker process: scans library roots and runs catalogue jobs.
import { getConfig } from "../lib/config.ts";
import { getDb } from "../lib/db/client.ts";
import { migrateDatabase } from "../lib/db/migrate.ts";
import { runIndexer } from "../lib/catalog/run-indexer.ts";
import { log } from "../lib/log.ts";

const config = getConfig();
await migrateDatabase(config.dbFile);
const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    log.info("indexer stopping", { signal });
    controller.abort();
  });
}
log.info("indexer started", { db: config.dbFile, pid: process.pid });
await runIndexer(getDb(), config, controller.signal);
await getDb().$disconnect();
log.info("indexer stopped");
