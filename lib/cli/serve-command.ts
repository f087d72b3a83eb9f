// modelshelf serve [--port <n>] [--host <addr>] [--db <file>]: the read-only /v2/
// registry in the foreground, until Ctrl-C or SIGTERM (same server as the
// registry worker).
import os from "node:os";
import path from "node:path";
import { type Command, CommanderError } from "commander";
import { getConfig } from "../config.ts";
import { errorMessage } from "../errors.ts";
import { startRegistryServer } from "../registry/registry-server.ts";
import { openCliDb } from "./open-cli-db.ts";

export interface ServeCommandOptions {
  port?: string;
  host?: string;
  db?: string;
}

/** main.ts's runner: runs the command and records its exit status. */
export type CommandRunner = (fn: () => Promise<number>) => () => Promise<void>;

/** Without main's runner a failure still exits non-zero (2, through commander). */
const throwOnFailure: CommandRunner = (fn) => async () => {
  const code = await fn();
  if (code !== 0) throw new CommanderError(code, "modelshelf.serve", `modelshelf serve exited with status ${code}`);
};

export function registerServeCommand(program: Command, run: CommandRunner = throwOnFailure): void {
  program
    .command("serve")
    .description("serve the catalogue as a read-only registry (/v2/) for `ollama pull <host>:<port>/<ns>/<model>:<tag> --insecure` and skopeo, until Ctrl-C")
    .option("--port <n>", "port to listen on; 0 picks a free one (default: MODELSHELF_REGISTRY_PORT or 5050)")
    .option("--host <addr>", "address to bind (default: MODELSHELF_REGISTRY_HOST, else MODELSHELF_HOST)")
    .option("--db <file>", "SQLite catalogue file (default: MODELSHELF_DB or ./data/modelshelf.db)")
    .action((opts: ServeCommandOptions) => run(() => serveCommand(opts))());
}

export async function serveCommand(options: ServeCommandOptions): Promise<number> {
  const config = getConfig();
  let port = config.registry.port;
  if (options.port !== undefined) {
    if (!/^\d{1,5}$/.test(options.port) || Number(options.port) > 65535) {
      process.stderr.write(`modelshelf serve: --port must be 0..65535, got "${options.port}"\n`);
      return 2;
    }
    port = Number(options.port);
  } else if (port === 0) {
    process.stderr.write("modelshelf serve: the registry is disabled (MODELSHELF_REGISTRY_PORT=0); pass --port to serve anyway\n");
    return 2;
  }
  const host = options.host ?? config.registry.host;
  const db = await openCliDb(options.db ? path.resolve(options.db) : undefined);
  try {
    const publicUrl = options.port === undefined ? config.registry.publicUrl : null;
    const server = await startRegistryServer({ db, host, port, fsTimeoutMs: config.fsTimeoutMs, publicUrl }).catch((error: unknown) => {
      process.stderr.write(`modelshelf serve: ${errorMessage(error)}\n`);
      return null;
    });
    if (!server) return 1;
    // The configured public URL names the configured port; with --port, name this machine and the port used.
    const pullHost = publicUrl ? new URL(publicUrl).host : `${os.hostname()}:${server.port}`;
    process.stdout.write(`ModelShelf registry listening on ${server.url}\n`);
    process.stdout.write(`pull with: ollama pull ${pullHost}/<namespace>/<model>:<tag> --insecure\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await server.close();
    return 0;
  } finally {
    await db.$disconnect();
  }
}
