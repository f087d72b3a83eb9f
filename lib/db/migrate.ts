// Applies pending migrations (prisma/migrations) to a SQLite file, recording
// them in _prisma_migrations exactly as `prisma migrate deploy` would.
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { emptyFilters, openSchemaEngine, readMigrationList } from "./schema-engine.ts";

const projectRoot = path.resolve(import.meta.dirname, "..", "..");

export interface MigrateResult {
  applied: string[];
}

export async function migrateDatabase(dbFile: string): Promise<MigrateResult> {
  await mkdir(path.dirname(dbFile), { recursive: true });
  // WAL lets the web app read while a worker writes; it is persistent in the file.
  const raw = new Database(dbFile, { timeout: 10_000 });
  try {
    if (raw.pragma("journal_mode", { simple: true }) !== "wal") raw.pragma("journal_mode = WAL");
  } finally {
    raw.close();
  }
  const schemaText = await readFile(path.join(projectRoot, "prisma", "schema.prisma"), "utf8");
  const { engine, close } = await openSchemaEngine(dbFile, schemaText);
  try {
    const migrationsList = await readMigrationList(path.join(projectRoot, "prisma", "migrations"));
    const out = await engine.applyMigrations({ migrationsList, filters: emptyFilters });
    return { applied: out.appliedMigrationNames };
  } finally {
    await close();
  }
}
