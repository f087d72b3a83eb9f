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

function allApplied(dbFile: string, names: string[]): boolean {
  const db = new Database(dbFile, { readonly: true, timeout: 10_000 });
  try {
    const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
    if (!table) return names.length === 0;
    const rows = db
      .prepare("SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL")
      .all() as { migration_name: string }[];
    const applied = new Set(rows.map((row) => row.migration_name));
    return names.every((name) => applied.has(name));
  } finally {
    db.close();
  }
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
  const migrationsList = await readMigrationList(path.join(projectRoot, "prisma", "migrations"));
  // Every process (start script, worker, CLI) migrates on start; the schema
  // engine takes a write lock even when there is nothing to do, so check first.
  if (allApplied(dbFile, migrationsList.migrationDirectories.map((dir) => dir.path))) return { applied: [] };
  const schemaText = await readFile(path.join(projectRoot, "prisma", "schema.prisma"), "utf8");
  const { engine, close } = await openSchemaEngine(dbFile, schemaText);
  try {
    const out = await engine.applyMigrations({ migrationsList, filters: emptyFilters });
    return { applied: out.appliedMigrationNames };
  } finally {
    await close();
  }
}
