// modelshelf models [--db <file>] [--json]
import { describeModels } from "../catalog/describe-models.ts";
import { formatBytes, formatCount } from "./format.ts";
import { jsonReplacer } from "./inspect-command.ts";
import { openCliDb } from "./open-cli-db.ts";

export async function modelsCommand(options: { db?: string; json: boolean }): Promise<number> {
  const db = await openCliDb(options.db);
  try {
    const models = await describeModels(db);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ models }, jsonReplacer, 2)}\n`);
      return 0;
    }
    if (models.length === 0) process.stdout.write("the catalogue is empty: run `modelshelf scan --library <path>`\n");
    for (const model of models) {
      process.stdout.write(
        `${String(model.id).padStart(5)}  ${model.name.padEnd(32)} ${model.architecture.padEnd(10)} ${formatCount(model.parameterCount).padStart(7)} ${model.fileType.padEnd(8)} ${formatBytes(model.sizeBytes).padStart(10)}  ${model.files.length} file(s)${model.ollamaTags.length ? `  [${model.ollamaTags.join(", ")}]` : ""}\n`,
      );
    }
    return 0;
  } finally {
    await db.$disconnect();
  }
}
