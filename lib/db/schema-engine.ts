// Loads Prisma's schema engine as WebAssembly. The native engine cannot be
// downloaded on air-gapped machines, so migrations are generated and applied
// through the WASM build that @prisma/migrate itself uses (see README).
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";

const require = createRequire(import.meta.url);

type WasmBindings = typeof import("@prisma/schema-engine-wasm/schema_engine_bg") & {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
};

let bindingsPromise: Promise<WasmBindings> | undefined;

async function loadBindings(): Promise<WasmBindings> {
  const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const pkgDir = path.dirname(gluePath);
  const bindings = (await import(pathToFileURL(gluePath).href)) as WasmBindings;
  const wasmBytes = await readFile(path.join(pkgDir, "schema_engine_bg.wasm"));
  // Node 20 cannot import .wasm modules: instantiate by hand, giving the
  // glue module's exports as the wasm imports it expects.
  const { instance } = await WebAssembly.instantiate(wasmBytes, {
    "./schema_engine_bg.js": bindings as unknown as WebAssembly.ModuleImports,
  });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bindings;
}

export interface OpenSchemaEngine {
  engine: SchemaEngine;
  /** Frees the engine and closes the SQLite connections it opened (free()
   * alone leaves them open, holding the database lock). */
  close(): Promise<void>;
}

export async function openSchemaEngine(
  dbFile: string,
  schemaText: string,
  shadowDbFile?: string,
): Promise<OpenSchemaEngine> {
  bindingsPromise ??= loadBindings();
  const bindings = await bindingsPromise;
  const factory = new PrismaBetterSqlite3(
    { url: `file:${dbFile}`, timeout: 10_000 },
    shadowDbFile ? { shadowDatabaseUrl: `file:${shadowDbFile}` } : undefined,
  );
  const opened: { dispose(): Promise<void> }[] = [];
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    opened.push(adapter);
    return adapter;
  };
  factory.connectToShadowDb = async () => {
    const adapter = await connectToShadowDb();
    opened.push(adapter);
    return adapter;
  };
  const engine = await bindings.SchemaEngine.new(
    { datamodels: [["schema.prisma", schemaText]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  return {
    engine,
    async close() {
      engine.free();
      await Promise.all(opened.map((adapter) => adapter.dispose()));
    },
  };
}

export const emptyFilters = { externalTables: [], externalEnums: [] };

export async function readMigrationList(migrationsDir: string): Promise<MigrationList> {
  const { readdir } = await import("node:fs/promises");
  let names: string[] = [];
  try {
    names = (await readdir(migrationsDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok" as const, value: await readFile(path.join(migrationsDir, name, "migration.sql"), "utf8") },
      },
    })),
  );
  let lockContent: string | null = null;
  try {
    lockContent = await readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}
