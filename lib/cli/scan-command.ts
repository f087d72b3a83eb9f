// modelshelf scan --library <path> [--db <file>] [--json]
import { describeModels } from "../catalog/describe-models.ts";
import { libraryFilePath } from "../catalog/library-path.ts";
import { scanLibrary } from "../catalog/scan-library.ts";
import { errorMessage } from "../errors.ts";
import { formatBytes, formatCount } from "./format.ts";
import { jsonReplacer } from "./inspect-command.ts";
import { openCliDb } from "./open-cli-db.ts";

export interface ScanCommandOptions {
  library: string;
  db?: string;
  stableMs: number;
  acceptMissing: boolean;
  json: boolean;
}

export async function scanCommand(options: ScanCommandOptions): Promise<number> {
  if (!Number.isFinite(options.stableMs) || options.stableMs < 0) {
    process.stderr.write("modelshelf scan: --stable-ms must be a non-negative number\n");
    return 2;
  }
  const db = await openCliDb(options.db);
  try {
    const library =
      (await db.library.findUnique({ where: { path: options.library } })) ??
      (await db.library.create({ data: { path: options.library, source: "cli" } }));
    const summary = await scanLibrary(
      db,
      { libraryId: library.id, trigger: "cli", acceptMissing: options.acceptMissing },
      { settings: { stableMs: options.stableMs } },
    );
    const models = await describeModels(db, { libraryId: library.id });
    const files = await db.libraryFile.findMany({
      where: { libraryId: library.id, missingSince: null, state: { in: ["error", "ignored", "settling"] } },
      orderBy: { relPath: "asc" },
    });
    const abs = (relPath: string) => libraryFilePath(library.path, relPath);
    const out = {
      library: library.path,
      status: summary.status,
      reason: summary.reason,
      kind: summary.kind,
      counts: {
        filesSeen: summary.filesSeen, added: summary.added, changed: summary.changed, unchanged: summary.unchanged,
        missing: summary.missing, returned: summary.returned, ignored: summary.ignored, settling: summary.settling, errors: summary.errors,
      },
      bytesRead: summary.bytesRead,
      durationMs: summary.durationMs,
      models,
      problems: [
        ...files.filter((f) => f.state === "error").map((f) => ({ path: abs(f.relPath), error: f.stateReason ?? "error" })),
        ...files.filter((f) => f.state === "settling").map((f) => ({ path: abs(f.relPath), error: "still being written; not indexed yet" })),
        ...models.flatMap((m) => m.problems.map((problem) => ({ path: m.files[0] ?? m.name, error: problem }))),
      ],
      ignored: files.filter((f) => f.state === "ignored").map((f) => abs(f.relPath)),
    };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(out, jsonReplacer, 2)}\n`);
    } else {
      process.stdout.write(`${out.library} (${out.kind}): ${out.status}${out.reason ? ` — ${out.reason}` : ""}\n`);
      const c = out.counts;
      process.stdout.write(
        `files ${c.filesSeen}: +${c.added} new, ${c.changed} changed, ${c.unchanged} unchanged, ${c.missing} missing, ${c.ignored} ignored, ${c.errors} errors in ${out.durationMs} ms (${formatBytes(out.bytesRead)} read)\n`,
      );
      for (const model of models) {
        const tags = model.ollamaTags.length > 0 ? `  [${model.ollamaTags.join(", ")}]` : "";
        process.stdout.write(
          `  ${model.name.padEnd(32)} ${model.architecture.padEnd(10)} ${formatCount(model.parameterCount).padStart(7)} ${model.fileType.padEnd(8)} ${model.files.length} file(s)${tags}\n`,
        );
      }
      for (const problem of out.problems) process.stdout.write(`  problem: ${problem.path}: ${problem.error}\n`);
      for (const ignored of out.ignored) process.stdout.write(`  ignored: ${ignored}\n`);
    }
    return summary.status === "ok" ? 0 : 1;
  } catch (error) {
    process.stderr.write(`modelshelf scan: ${errorMessage(error)}\n`);
    return 1;
  } finally {
    await db.$disconnect();
  }
}
