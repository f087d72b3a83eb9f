// modelshelf jobs [--json] [--state <state>] [--db <file>]
import { jsonReplacer } from "./inspect-command.ts";
import { openCliDb } from "./open-cli-db.ts";

/** Enough to see what is going on; the Jobs page pages through the rest. */
const JOB_LIST_LIMIT = 200;

export async function jobsCommand(options: { json: boolean; state?: string; db?: string }): Promise<number> {
  const db = await openCliDb(options.db);
  try {
    const jobs = await db.job.findMany({
      where: options.state ? { state: options.state } : {},
      orderBy: [{ id: "desc" }],
      take: JOB_LIST_LIMIT,
    });
    const rows = jobs.map((job) => ({
      id: job.id,
      name: job.name,
      state: job.state,
      payload: JSON.parse(job.payloadJson) as unknown,
      priority: job.priority,
      attempts: job.attempts,
      maxAttempts: job.maxAttempts,
      runAfter: job.runAfter.toISOString(),
      progress: job.progressTotal ? { done: job.progressDone, total: job.progressTotal, unit: job.progressUnit, rate: job.progressRate } : null,
      lastError: job.lastError,
      createdAt: job.createdAt.toISOString(),
      finishedAt: job.finishedAt?.toISOString() ?? null,
    }));
    if (options.json) {
      process.stdout.write(`${JSON.stringify(rows, jsonReplacer, 2)}\n`);
      return 0;
    }
    for (const row of rows) {
      const progress = row.progress && row.progress.total ? ` ${((100 * (row.progress.done ?? 0)) / row.progress.total).toFixed(0)}%` : "";
      process.stdout.write(
        `${String(row.id).padStart(6)}  ${row.state.padEnd(9)} ${row.name.padEnd(22)} ${JSON.stringify(row.payload)}${progress}${row.lastError ? `  — ${row.lastError}` : ""}\n`,
      );
    }
    if (rows.length === 0) process.stdout.write("no jobs\n");
    return 0;
  } finally {
    await db.$disconnect();
  }
}
