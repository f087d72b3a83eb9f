// Minimal structured logger: one JSON line per event on stderr, so worker
// output can be grepped and shipped without a logging service.
import { getConfig } from "./config.ts";

type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function emit(level: Level, message: string, fields?: Record<string, unknown>): void {
  let threshold: Level = "info";
  try {
    threshold = getConfig().logLevel;
  } catch {
    // A broken config is reported by whoever parses it; logging must still work.
    threshold = "info";
  }
  if (order[level] < order[threshold]) return;
  const line = { t: new Date().toISOString(), level, msg: message, ...serialise(fields) };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

function serialise(fields?: Record<string, unknown>): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) out[key] = { message: value.message, name: value.name };
    else if (typeof value === "bigint") out[key] = value.toString();
    else out[key] = value;
  }
  return out;
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => emit("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => emit("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => emit("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => emit("error", message, fields),
};
