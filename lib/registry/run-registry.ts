// The registry worker process: serve /v2/ on MODELSHELF_REGISTRY_HOST:PORT until
// the process is told to stop. Port 0 disables it; the process then idles until
// stopped, so a supervisor that restarts dead workers does not spin.
import type { AppConfig } from "../config.ts";
import type { Db } from "../db/client.ts";
import { log } from "../log.ts";
import { startRegistryServer } from "./registry-server.ts";

/** Any interval works: the timer only holds the event loop open. */
const KEEP_ALIVE_INTERVAL_MS = 60 * 60_000;

export async function runRegistry(db: Db, config: AppConfig, signal: AbortSignal): Promise<void> {
  if (config.registry.port === 0) {
    log.info("registry disabled (MODELSHELF_REGISTRY_PORT=0)");
    // Nothing else keeps the process alive while it waits for its stop signal.
    const keepAlive = setInterval(() => undefined, KEEP_ALIVE_INTERVAL_MS);
    await untilAborted(signal);
    clearInterval(keepAlive);
    return;
  }
  const server = await startRegistryServer({
    db,
    host: config.registry.host,
    port: config.registry.port,
    fsTimeoutMs: config.fsTimeoutMs,
    publicUrl: config.registry.publicUrl,
  });
  log.info("registry listening", { url: server.url, publicUrl: config.registry.publicUrl });
  await untilAborted(signal);
  await server.close();
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
