// modelshelf plan <scenario.json> [--json] [--now YYYY-MM-DD]
import {
  evaluateScenario,
  formatCapacity,
  formatDecimalBytes,
  formatTB,
  parseScenario,
  type ScenarioEvaluation,
  type ScenarioIssue,
} from "../capacity/index.ts";
import { errorMessage, isAppError } from "../errors.ts";
import { readSmallFile } from "../nfs/index.ts";

/** A scenario is a few KB of hand-written JSON; anything bigger is the wrong file. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** A local file read from the CLI: generous, but a hung mount still ends. */
const CLI_FS_TIMEOUT_MS = 60_000;

const EXIT_FITS = 0;
const EXIT_DOES_NOT_FIT = 1;
const EXIT_INVALID = 2;

export interface PlanCommandOptions {
  json: boolean;
  /** Evaluate as of this day (YYYY-MM-DD); default today. */
  now?: string;
}

function fail(message: string): number {
  process.stderr.write(`modelshelf plan: ${message}\n`);
  return EXIT_INVALID;
}

/** Nesting beyond this is not a scenario; the locator gives up (and V8's own message is shown) instead of overflowing the stack. */
const MAX_JSON_DEPTH = 256;

class JsonStop {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

/**
 * Where the first JSON syntax error is, and what was expected there; null for valid JSON or nesting
 * deeper than MAX_JSON_DEPTH. Node 20's JSON.parse does not always say where it stopped, and a person
 * editing a scenario by hand needs the line and column.
 */
export function locateJsonError(text: string): { line: number; column: number; expected: string; found: string } | null {
  const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  let i = 0;
  const stop = (expected: string): never => {
    throw new JsonStop(i, expected);
  };
  const skipSpace = () => {
    while (i < text.length && " \t\n\r".includes(text.charAt(i))) i++;
  };
  const readString = () => {
    i++;
    while (i < text.length) {
      const char = text.charAt(i);
      if (char === '"') {
        i++;
        return;
      }
      if (char === "\\") {
        const next = text.charAt(i + 1);
        if (next === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (next !== "" && '"\\/bfnrt'.includes(next)) i += 2;
        else stop("a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
      } else if (char < " ") {
        stop("a closing quote (line breaks and control characters inside a string must be escaped)");
      } else i++;
    }
    stop("a closing quote");
  };
  const readValue = (depth: number): void => {
    if (depth > MAX_JSON_DEPTH) throw new JsonStop(-1, "");
    skipSpace();
    const char = text.charAt(i);
    if (char === "{" || char === "[") {
      const close = char === "{" ? "}" : "]";
      i++;
      skipSpace();
      if (text.charAt(i) === close) {
        i++;
        return;
      }
      for (;;) {
        if (close === "}") {
          skipSpace();
          if (text.charAt(i) !== '"') stop("a property name in double quotes");
          readString();
          skipSpace();
          if (text.charAt(i) !== ":") stop("':' after the property name");
          i++;
        }
        readValue(depth + 1);
        skipSpace();
        if (text.charAt(i) === ",") i++;
        else if (text.charAt(i) === close) {
          i++;
          return;
        } else stop(`',' or '${close}'`);
      }
    }
    if (char === '"') return readString();
    number.lastIndex = i;
    const match = number.exec(text);
    if (match) {
      i += match[0].length;
      return;
    }
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    stop("a value");
  };
  try {
    readValue(0);
    skipSpace();
    if (i < text.length) stop("the end of the document");
    return null;
  } catch (error) {
    if (!(error instanceof JsonStop)) throw error;
    if (error.offset < 0) return null;
    const before = text.slice(0, error.offset);
    const found = error.offset < text.length ? JSON.stringify(text.charAt(error.offset)) : "the end of the file";
    return { line: before.split("\n").length, column: error.offset - before.lastIndexOf("\n"), expected: error.expected, found };
  }
}

function describeJsonError(text: string, error: unknown): string {
  const at = locateJsonError(text);
  if (at) return `line ${at.line}, column ${at.column}: expected ${at.expected}, found ${at.found}`;
  return errorMessage(error).replace(/\s+/g, " ");
}

export function parseNowOption(now: string | undefined): Date | null {
  if (now === undefined) return new Date();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(now)) return null;
  const date = new Date(`${now}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== now ? null : date;
}

export async function planCommand(file: string, options: PlanCommandOptions): Promise<number> {
  const now = parseNowOption(options.now);
  if (!now) return fail(`--now must be a date as YYYY-MM-DD (got ${options.now})`);
  let text: string;
  try {
    // Some Windows editors start UTF-8 files with a byte-order mark, which JSON.parse rejects.
    text = (await readSmallFile(file, MAX_SCENARIO_BYTES, CLI_FS_TIMEOUT_MS)).toString("utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    return fail(errorMessage(error));
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return fail(`${file} is not valid JSON: ${describeJsonError(text, error)}`);
  }
  let evaluation: ScenarioEvaluation;
  try {
    evaluation = evaluateScenario(parseScenario(document), now);
  } catch (error) {
    if (!isAppError(error) || error.code !== "invalid-input") throw error;
    const issues = error.details.issues as ScenarioIssue[] | undefined;
    if (!issues) return fail(`${file}: ${error.message}`);
    process.stderr.write(`modelshelf plan: ${file} is not a valid scenario:\n`);
    for (const issue of issues) process.stderr.write(`  ${issue.path || "(document)"}: ${issue.message}\n`);
    return EXIT_INVALID;
  }
  if (options.json) process.stdout.write(`${JSON.stringify(evaluation, null, 2)}\n`);
  else printSummary(evaluation);
  return evaluation.fits ? EXIT_FITS : EXIT_DOES_NOT_FIT;
}

function printSummary(e: ScenarioEvaluation): void {
  const out = (line = "") => process.stdout.write(`${line}\n`);
  const row = (label: string, value: string) => out(`${label.padEnd(11)} ${value}`);
  const nas = e.nas;
  const spares = nas.spareDrivesTB.length > 0 ? ` + ${nas.spareDrivesTB.length} hot spare${nas.spareDrivesTB.length === 1 ? "" : "s"}` : "";
  const tolerance = nas.faultTolerance === 0 ? "no redundancy" : `${nas.faultTolerance} drive${nas.faultTolerance === 1 ? "" : "s"} may fail`;
  row("NAS", `${nas.label} over ${nas.memberDrivesTB.join(" + ")} TB${spares} (${tolerance})`);
  row("raw", formatCapacity(e.rawBytes));
  row("usable", `${formatCapacity(e.usableBytes)} after RAID${nas.unusedBytes > 0 ? `, ${formatTB(nas.unusedBytes)} unused` : ""}`);
  row("volume", `${formatCapacity(e.volumeBytes)} after DSM partitions (${formatDecimalBytes(nas.systemPartitionBytes)}) and ${nas.filesystem.name} (${formatDecimalBytes(nas.filesystemOverheadBytes)})`);
  row("available", `${formatCapacity(e.availableBytes)} with ${nas.reservePercent} % kept free`);
  const other = e.policy === "exact" ? `rule of thumb ${formatDecimalBytes(e.requiredBytesRuleOfThumb)}` : `estimate ${formatDecimalBytes(e.requiredBytesExact)}`;
  row("required", `${formatDecimalBytes(e.requiredBytes)} now (${e.policy === "exact" ? "estimate" : "rule of thumb"}; ${other})`);
  if (e.currentBytes > 0) row("", `current library ${formatDecimalBytes(e.currentBytes)}`);
  for (const model of e.planned) {
    const quants = model.quants.map((q) => q.quant).join(" + ");
    const versions = model.versions > 1 ? ` × ${model.versions} versions` : "";
    row("", `${model.label} ${quants}${versions}: ${formatDecimalBytes(model.exactBytes)} (rule of thumb ${formatDecimalBytes(model.ruleOfThumbBytes)})`);
  }
  row("fits", e.fits ? `yes, ${formatDecimalBytes(e.headroomBytes)} headroom` : `NO, ${formatDecimalBytes(-e.headroomBytes)} short`);
  if (e.growth) {
    row("growth", `${e.growth.modelsPerQuarter}/quarter × ${formatDecimalBytes(e.growth.bytesPerModel)} = ${formatDecimalBytes(e.growth.bytesPerQuarter)} a quarter; ${formatDecimalBytes(e.requiredAtHorizonBytes)} in ${e.horizonYears} years`);
  }
  row("fill date", e.fillDate ?? (e.growth ? "not within 20 years" : "never (no growth)"));
  for (const warning of e.warnings) row("warning", warning);
  out();
  out(`Recommendations (hold ${formatDecimalBytes(e.requiredAtHorizonBytes)} with the ${nas.reservePercent} % reserve; cheapest first):`);
  if (e.recommendations.length === 0) out("  none: no configuration up to 12 × 24 TB is large enough");
  e.recommendations.forEach((rec, index) => out(`  ${String(index + 1).padStart(2)}. ${rec.label}, ${rec.faultTolerance}-drive redundancy`));
  out();
  out("How this was worked out:");
  for (const line of e.explanations) out(`  - ${line}`);
}
