// Opens (and migrates) the catalogue database for a CLI command.
import { getConfig } from "../config.ts";
import { createDb, type Db } from "../db/client.ts";
import { migrateDatabase } from "../db/migrate.ts";

export async function openCliDb(dbFile?: string): Promise<Db> {
  const file = dbFile ?? getConfig().dbFile;
  await migrateDatabase(file);
  return createDb(file);
}
