// A migrated SQLite catalogue in a fresh temp dir, for one test file.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createDb, type Db } from "../../lib/db/client.ts";
import { migrateDatabase } from "../../lib/db/migrate.ts";

export interface TempDb {
  db: Db;
  dir: string;
  dbFile: string;
  cleanup(): Promise<void>;
}

export async function createTempDb(prefix = "modelshelf-test-"): Promise<TempDb> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const dbFile = path.join(dir, "catalogue.db");
  await migrateDatabase(dbFile);
  const db = createDb(dbFile);
  return {
    db,
    dir,
    dbFile,
    async cleanup() {
      await db.$disconnect();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
