// The only reader of process.env. Parsed once with zod; a bad value fails
// start-up with a message naming every bad key.
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { AppError } from "./errors.ts";

const intFrom = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** Library roots: a JSON array, or entries separated by commas or newlines
 * (not ':' — `nfs://host/path` roots will contain one). */
export function parseLibraryList(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === "") return [];
  const text = raw.trim();
  if (text.startsWith("[")) {
    const parsed = z.array(z.string().min(1)).safeParse(JSON.parse(text));
    if (!parsed.success) throw new AppError("invalid-input", "MODELSHELF_LIBRARIES: expected a JSON array of paths");
    return parsed.data.map((p) => p.trim());
  }
  return text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

const envSchema = z.object({
  MODELSHELF_DATA_DIR: z.string().min(1).default("./data"),
  MODELSHELF_DB: z.string().min(1).optional(),
  MODELSHELF_LIBRARIES: z.string().optional(),
  MODELSHELF_HOST: z.string().min(1).default("127.0.0.1"),
  MODELSHELF_PORT: intFrom(1, 65535, 3000),
  /** Full rescan of every library every N minutes (0 = only at start and on demand). */
  MODELSHELF_SCAN_INTERVAL_MINUTES: intFrom(0, 7 * 24 * 60, 60),
  /** A new or changed file must keep its size and mtime this long before it is indexed. */
  MODELSHELF_STABLE_MS: intFrom(0, 10 * 60_000, 2000),
  /** A scan that would make more than this share of known files vanish stops instead. */
  MODELSHELF_MISSING_GUARD_PERCENT: intFrom(0, 100, 20),
  /** …unless fewer than this many files would vanish (small libraries change by whole models). */
  MODELSHELF_MISSING_GUARD_MIN_FILES: intFrom(0, 1_000_000, 3),
  /** "auto": watch local roots with events and network roots by polling. */
  MODELSHELF_WATCH: z.enum(["auto", "on", "off", "poll"]).default("auto"),
  /** How long one filesystem call on a library root may take before the root counts as hung. */
  MODELSHELF_FS_TIMEOUT_MS: intFrom(100, 10 * 60_000, 15_000),
  /** "auto": generate and index a demo library when no library is configured. */
  MODELSHELF_DEMO: z.enum(["auto", "off"]).default("auto"),
  MODELSHELF_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** A job whose worker has not renewed its lease for this long is taken over by another worker. */
  MODELSHELF_JOB_LEASE_MS: intFrom(1_000, 60 * 60_000, 60_000),
  /** The read-only /v2/ registry (ollama pull, skopeo); 0 disables it. */
  MODELSHELF_REGISTRY_PORT: intFrom(0, 65535, 5050),
  /** Where the registry listens; default MODELSHELF_HOST. */
  MODELSHELF_REGISTRY_HOST: z.string().min(1).optional(),
  /** The registry as inference hosts reach it, e.g. http://nas-tools.lan:5050. */
  MODELSHELF_REGISTRY_URL: z
    .string()
    .optional()
    .refine((value) => value === undefined || value.trim() === "" || registryOrigin(value) !== null, {
      message: "expected an http(s) URL of the registry root with no path, query or credentials, e.g. http://nas-tools.lan:5050",
    }),
});

/** `http(s)://host[:port]` of a registry URL, or null: the /v2/ API lives at the
 * root of its host (Ollama and Docker clients build /v2/… from host:port), so a
 * path, query or credentials cannot be honoured. */
function registryOrigin(raw: string): string | null {
  if (!URL.canParse(raw.trim())) return null;
  const url = new URL(raw.trim());
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username || url.password) return null;
  return url.origin;
}

export interface AppConfig {
  dataDir: string;
  dbFile: string;
  libraries: string[];
  host: string;
  port: number;
  scanIntervalMinutes: number;
  stableMs: number;
  missingGuardPercent: number;
  missingGuardMinFiles: number;
  watch: "auto" | "on" | "off" | "poll";
  fsTimeoutMs: number;
  demo: "auto" | "off";
  logLevel: "debug" | "info" | "warn" | "error";
  jobLeaseMs: number;
  registry: {
    /** Bind address. */
    host: string;
    /** 0 = the registry is disabled. */
    port: number;
    /** Base URL inference hosts pull from; null when the registry is disabled and no URL is set. */
    publicUrl: string | null;
  };
}

export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): AppConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new AppError("invalid-input", `invalid configuration: ${problems.join("; ")}`);
  }
  const e = result.data;
  const dataDir = path.resolve(cwd, e.MODELSHELF_DATA_DIR);
  return {
    dataDir,
    dbFile: path.resolve(cwd, e.MODELSHELF_DB ?? path.join(dataDir, "modelshelf.db")),
    libraries: parseLibraryList(e.MODELSHELF_LIBRARIES).map((p) =>
      /^[a-z]+:\/\//i.test(p) ? p : path.resolve(cwd, p),
    ),
    host: e.MODELSHELF_HOST,
    port: e.MODELSHELF_PORT,
    scanIntervalMinutes: e.MODELSHELF_SCAN_INTERVAL_MINUTES,
    stableMs: e.MODELSHELF_STABLE_MS,
    missingGuardPercent: e.MODELSHELF_MISSING_GUARD_PERCENT,
    missingGuardMinFiles: e.MODELSHELF_MISSING_GUARD_MIN_FILES,
    watch: e.MODELSHELF_WATCH,
    fsTimeoutMs: e.MODELSHELF_FS_TIMEOUT_MS,
    demo: e.MODELSHELF_DEMO,
    logLevel: e.MODELSHELF_LOG_LEVEL,
    jobLeaseMs: e.MODELSHELF_JOB_LEASE_MS,
    registry: {
      host: e.MODELSHELF_REGISTRY_HOST ?? e.MODELSHELF_HOST,
      port: e.MODELSHELF_REGISTRY_PORT,
      publicUrl:
        e.MODELSHELF_REGISTRY_URL?.trim()
          ? registryOrigin(e.MODELSHELF_REGISTRY_URL)
          : e.MODELSHELF_REGISTRY_PORT === 0
            ? null
            : `http://${os.hostname()}:${e.MODELSHELF_REGISTRY_PORT}`,
    },
  };
}

let cached: AppConfig | undefined;

export function getConfig(): AppConfig {
  cached ??= parseConfig(process.env);
  return cached;
}
