// modelshelf mirror --to <registry> [--model <ref|id> …] [--insecure-tls] [--json]
// [--db <file>]: pushes catalogue models into a Docker Distribution-API registry
// (mirror-library.ts) and reads each back as Ollama would. Exit 0 only when every
// selected model was verified in the target; 1 when any failed; 2 on usage errors.
import path from "node:path";
import { type Command, CommanderError } from "commander";
import { getConfig } from "../config.ts";
import { isAppError } from "../errors.ts";
import { mirrorLibrary, type MirrorProgress, type MirrorResult } from "../registry/mirror-library.ts";
import { formatBytes } from "./format.ts";
import { openCliDb } from "./open-cli-db.ts";
import type { CommandRunner } from "./serve-command.ts";

/** How often the progress line is redrawn: often enough to look alive, rarely enough not to flood a slow terminal. */
const PROGRESS_REDRAW_MS = 250;

export interface MirrorCommandOptions {
  to: string;
  model?: string[];
  insecureTls?: boolean;
  json?: boolean;
  db?: string;
}

/** Without main's runner a failure still exits non-zero (through commander). */
const throwOnFailure: CommandRunner = (fn) => async () => {
  const code = await fn();
  if (code !== 0) throw new CommanderError(code, "modelshelf.mirror", `modelshelf mirror exited with status ${code}`);
};

export function registerMirrorCommand(program: Command, run: CommandRunner = throwOnFailure): void {
  program
    .command("mirror")
    .description("push catalogue models into a Docker Distribution-API registry (Distribution, Harbor, Artifactory) for hosts to pull from; verifies each as Ollama reads it")
    .requiredOption("--to <url>", "the registry's base URL, e.g. http://registry.lan:5000")
    .option("--model <ref|id>", "only this model: catalogue id or namespace/model:tag (repeat; default: every servable model)", (value: string, all: string[] = []) => [...all, value])
    .option("--insecure-tls", "accept the registry's TLS certificate without checking it (self-signed)")
    .option("--db <file>", "SQLite catalogue file (default: MODELSHELF_DB or ./data/modelshelf.db)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nOllama hosts can pull from the mirror only if it redirects blob downloads to another host\n" +
        "(Docker Distribution: the redirect storage middleware); see README, Mirroring.",
    )
    .action((opts: MirrorCommandOptions) => run(() => mirrorCommand(opts))());
}

export async function mirrorCommand(options: MirrorCommandOptions): Promise<number> {
  const config = getConfig();
  const db = await openCliDb(options.db ? path.resolve(options.db) : undefined);
  const progress = process.stderr.isTTY ? progressLine() : null;
  const stop = new AbortController();
  const interrupt = () => stop.abort(new Error("interrupted"));
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    const result = await mirrorLibrary({
      db,
      to: options.to,
      models: options.model ?? [],
      insecureTls: Boolean(options.insecureTls),
      fsTimeoutMs: config.fsTimeoutMs,
      signal: stop.signal,
      onProgress: progress?.update,
    });
    progress?.clear();
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : summary(result));
    return result.ok ? 0 : 1;
  } catch (error) {
    progress?.clear();
    if (stop.signal.aborted) {
      process.stderr.write("modelshelf mirror: interrupted; what was pushed stays, and the next run skips it\n");
      return 1;
    }
    if (!isAppError(error)) throw error;
    process.stderr.write(`modelshelf mirror: ${error.message}\n`);
    return error.code === "invalid-input" ? 2 : 1;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    await db.$disconnect();
  }
}

function summary(result: MirrorResult): string {
  const lines: string[] = [];
  for (const model of result.models) {
    if (model.status === "mirrored") {
      const uploaded = model.blobs.filter((blob) => blob.action === "uploaded").length;
      lines.push(
        `mirrored ${model.target}  ${model.manifestDigest}  (${model.blobs.length} blobs: ${uploaded} uploaded, ${model.blobs.length - uploaded} present; ${formatBytes(model.uploadedBytes)} sent)`,
      );
    } else {
      // Catalogue reasons often start with the reference already ("ns/m:t awaits verification…").
      const reason = model.error?.startsWith(`${model.ref} `) ? model.error.slice(model.ref.length + 1) : model.error;
      lines.push(`${model.status === "skipped" ? "skipped " : "FAILED  "} ${model.ref}: ${reason}`);
    }
  }
  const mirrored = result.models.filter((model) => model.status === "mirrored").length;
  const failed = result.models.filter((model) => model.status === "failed").length;
  lines.push(`${mirrored} of ${result.models.length} model(s) mirrored to ${result.registry}${failed > 0 ? `, ${failed} failed` : ""}`);
  if (mirrored > 0) {
    const host = new URL(result.registry).host;
    lines.push(`pull with: ollama pull ${host}/<namespace>/<model>:<tag>${result.registry.startsWith("http:") ? " --insecure" : ""}`);
  }
  return `${lines.join("\n")}\n`;
}

/** One redrawn stderr line: model n of m, the blob in flight and its bytes. */
function progressLine(): { update: (event: MirrorProgress) => void; clear: () => void } {
  let model = "";
  let lastDraw = 0;
  let drawn = false;
  const draw = (text: string, force: boolean) => {
    const now = Date.now();
    if (!force && now - lastDraw < PROGRESS_REDRAW_MS) return;
    lastDraw = now;
    drawn = true;
    // A terminal that reports no size (0, e.g. under script(1)) gets a usual width.
    const width = process.stderr.columns || 100;
    process.stderr.write(`\r\x1b[K${text.slice(0, Math.max(20, width - 1))}`);
  };
  return {
    update(event) {
      if (event.kind === "model") {
        model = `[${event.index + 1}/${event.count}] ${event.ref}`;
        draw(model, true);
      } else if (event.kind === "verify") {
        draw(`${model}  verifying`, true);
      } else {
        const blob = `${event.digest.slice(7, 19)} ${event.state}`;
        const bytes = event.state === "uploading" ? ` ${formatBytes(event.sent)} / ${formatBytes(event.size)}` : "";
        draw(`${model}  ${blob}${bytes}`, event.state !== "uploading");
      }
    },
    clear() {
      if (drawn) process.stderr.write("\r\x1b[K");
    },
  };
}
