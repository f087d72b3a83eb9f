// The Prisma client singleton (one per process; survives Next.js hot reload).
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/prisma/client.ts";
import { getConfig } from "../config.ts";

export type Db = PrismaClient;

/** Writers wait this long for the SQLite lock (web app and workers share the file). */
const BUSY_TIMEOUT_MS = 10_000;

export function createDb(dbFile: string): Db {
  const adapter = new PrismaBetterSqlite3({ url: `file:${dbFile}`, timeout: BUSY_TIMEOUT_MS });
  return new PrismaClient({ adapter });
}

const globalForDb = globalThis as unknown as { modelshelfDb?: Db };

export function getDb(): Db {
  globalForDb.modelshelfDb ??= createDb(getConfig().dbFile);
  return globalForDb.modelshelfDb;
}
