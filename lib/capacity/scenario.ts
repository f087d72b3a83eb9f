// A storage scenario — a NAS, the library as it is, the models planned for it and how fast it grows —
// as a validated JSON document (scenarioSchema), and its evaluation: required vs available space,
// headroom, the date the pool fills, a quarterly series for a chart, and what to buy instead.
// Pure: the caller supplies the parsed document and "now".
import { z } from "zod";
import { AppError } from "../errors.ts";
import { estimatePlannedModel, type PlannedModelFootprint, type PlannedModelSpec } from "./footprint.ts";
import { findQuant, QUANTS } from "./quant-bits.ts";
import {
  BYTES_PER_TB,
  calculateNasCapacity,
  DEFAULT_RESERVE_PERCENT,
  FILESYSTEM_NAMES,
  formatDecimalBytes,
  formatTB,
  formatTiB,
  nasSettingsIssues,
  parseRaidLevel,
  RAID_LEVELS,
  raidConfigIssues,
  type NasCapacity,
} from "./raid.ts";
import { recommendNas, type NasRecommendation } from "./recommend.ts";
import { findReferenceModel, nominalParameters, REFERENCE_MODELS } from "./reference-models.ts";

/** Default planning horizon for growth and recommendations: the usual warranty of NAS drives (3 years; 5 for "Pro" lines) and a common budget cycle. */
export const DEFAULT_HORIZON_YEARS = 3;
/** Fill dates further out than this are reported as "not within 20 years": drives and plans are long replaced by then. */
export const MAX_FILL_YEARS = 20;
/** Smallest parameter count accepted: below it a number is almost surely "7" meant as 7B (the smallest embedding models have ~20M). */
export const MIN_PARAMETERS = 1e6;
/** Largest parameter count accepted: above any published model; catches a byte count typed as parameters. */
export const MAX_PARAMETERS = 1e13;
/** Versions of one model kept side by side: more is a typo, not a plan. */
export const MAX_VERSIONS = 20;
/** Planned entries in one scenario: a library plan, not a registry dump. */
export const MAX_PLANNED_MODELS = 500;
/** Models added per quarter: a team adding more than this a week needs a different tool. */
export const MAX_MODELS_PER_QUARTER = 1000;

const QUARTERS_PER_YEAR = 4;
const MONTHS_PER_QUARTER = 3;

// ---------------------------------------------------------------------------
// Schema

const parameterPattern = /^\s*(\d+(?:\.\d+)?)\s*([kmbt])?\s*$/i;
const parameterScale: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, t: 1e12 };

/** 7e9, "7B", "1.5b", "137M". */
const parametersSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  let count = typeof value === "number" ? value : Number.NaN;
  if (typeof value === "string") {
    const match = parameterPattern.exec(value);
    if (match?.[1]) count = Number(match[1]) * (match[2] ? (parameterScale[match[2].toLowerCase()] ?? 1) : 1);
  }
  if (!Number.isFinite(count)) {
    ctx.addIssue({ code: "custom", message: `parameters must be a number (7e9) or a size such as "7B" or "137M" (got ${JSON.stringify(value)})` });
    return z.NEVER;
  }
  if (count < MIN_PARAMETERS || count > MAX_PARAMETERS) {
    ctx.addIssue({
      code: "custom",
      message: `parameters ${count} is out of range (${MIN_PARAMETERS}–${MAX_PARAMETERS}): give the count (7e9) or a size such as "7B"`,
    });
    return z.NEVER;
  }
  return count;
});

const quantSchema = z.string().transform((name, ctx) => {
  const info = findQuant(name);
  if (!info) {
    ctx.addIssue({ code: "custom", message: `unknown quantisation "${name}"; known: ${QUANTS.map((q) => q.name).join(", ")}` });
    return z.NEVER;
  }
  return info.name;
});

/** "7.62B", "137M". */
function formatParameters(parameters: number): string {
  const [scale, unit] = parameters >= 1e9 ? [1e9, "B"] : [1e6, "M"];
  return `${Number((parameters / scale).toFixed(2))}${unit}`;
}

function parameterLabel(parameters: number): string {
  return `${formatParameters(parameters)} model`;
}

/** One model to plan for: a reference model or a parameter count, its quantisations and the versions kept. */
export const modelSpecSchema = z
  .strictObject({
    /** Display label; defaults to the reference model's name or "7B model". */
    name: z.string().min(1).max(200).optional(),
    model: z.string().min(1).max(200).optional(),
    parameters: parametersSchema.optional(),
    quant: quantSchema.optional(),
    quants: z.array(quantSchema).min(1).max(QUANTS.length).optional(),
    versions: z.number().int().min(1).max(MAX_VERSIONS).default(1),
  })
  .transform((spec, ctx): PlannedModelSpec => {
    if ((spec.model === undefined) === (spec.parameters === undefined)) {
      const which = 'give "model" (a reference model such as "qwen2.5:7b") or "parameters" (7e9 or "7B")';
      ctx.addIssue({ code: "custom", path: ["model"], message: spec.model === undefined ? which : `${which}, not both` });
      return z.NEVER;
    }
    if (spec.quant !== undefined && spec.quants !== undefined) {
      ctx.addIssue({ code: "custom", path: ["quants"], message: 'give either "quant" or "quants", not both' });
      return z.NEVER;
    }
    // Q4_K_M: the usual default download and the quantisation the rule of thumb is stated in.
    const quants = spec.quants ?? [spec.quant ?? "Q4_K_M"];
    if (spec.model !== undefined) {
      const reference = findReferenceModel(spec.model);
      if (!reference) {
        ctx.addIssue({
          code: "custom",
          path: ["model"],
          message: `unknown model "${spec.model}": use a reference model (${REFERENCE_MODELS.map((m) => m.id).join(", ")}) or give "parameters"`,
        });
        return z.NEVER;
      }
      return {
        label: spec.name ?? reference.name,
        referenceModelId: reference.id,
        parameters: reference.parameters,
        nominalParameters: nominalParameters(reference),
        quants,
        versions: spec.versions,
      };
    }
    const parameters = spec.parameters ?? 0;
    return { label: spec.name ?? parameterLabel(parameters), referenceModelId: null, parameters, nominalParameters: parameters, quants, versions: spec.versions };
  });

const raidSchema = z.string().transform((text, ctx) => {
  const level = parseRaidLevel(text);
  if (!level) {
    ctx.addIssue({ code: "custom", message: `unknown RAID level "${text}"; use one of ${RAID_LEVELS.join(", ")} ("RAID 5", "SHR-2" also work)` });
    return z.NEVER;
  }
  return level;
});

export const nasSchema = z
  .strictObject({
    raid: raidSchema,
    /** Every drive in the unit, hot spares included, in decimal TB. */
    drivesTB: z.array(z.number()).min(1, "drivesTB needs at least one drive"),
    hotSpares: z.number().default(0),
    filesystem: z.union([z.enum(FILESYSTEM_NAMES), z.strictObject({ overheadPercent: z.number() })]).default("btrfs"),
    systemGBPerDrive: z.number().optional(),
    reservePercent: z.number().default(DEFAULT_RESERVE_PERCENT),
  })
  .superRefine((nas, ctx) => {
    for (const issue of [...raidConfigIssues({ ...nas, level: nas.raid }), ...nasSettingsIssues({ ...nas, level: nas.raid })]) {
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    }
  });

const currentSchema = z
  .strictObject({
    /** Bytes the library takes today, identical content counted once (catalogueFootprint's uniqueBytes). */
    usedBytes: z.number().int().min(0).optional(),
    usedTB: z.number().min(0).optional(),
  })
  .transform((current, ctx) => {
    if ((current.usedBytes === undefined) === (current.usedTB === undefined)) {
      ctx.addIssue({ code: "custom", message: 'give either "usedBytes" or "usedTB"' });
      return z.NEVER;
    }
    return { usedBytes: current.usedBytes ?? Math.round((current.usedTB ?? 0) * BYTES_PER_TB) };
  });

const growthSchema = z.strictObject({
  modelsPerQuarter: z.number().min(0).max(MAX_MODELS_PER_QUARTER),
  /** The typical model added; default: the average of the planned models. */
  averageModel: modelSpecSchema.optional(),
});

export const POLICIES = ["exact", "rule-of-thumb"] as const;
export type Policy = (typeof POLICIES)[number];

export const scenarioSchema = z
  .strictObject({
    name: z.string().max(200).optional(),
    description: z.string().max(2000).optional(),
    nas: nasSchema,
    current: currentSchema.optional(),
    planned: z.array(modelSpecSchema).max(MAX_PLANNED_MODELS).default([]),
    growth: growthSchema.optional(),
    /** Which estimate decides `requiredBytes`, `fits` and the recommendations; both are always reported. */
    policy: z.enum(POLICIES).default("exact"),
    horizonYears: z.number().min(1).max(MAX_FILL_YEARS).default(DEFAULT_HORIZON_YEARS),
  })
  .superRefine((scenario, ctx) => {
    if (scenario.growth && scenario.growth.modelsPerQuarter > 0 && !scenario.growth.averageModel && scenario.planned.length === 0) {
      ctx.addIssue({ code: "custom", path: ["growth", "averageModel"], message: "growth needs averageModel when no models are planned (it defaults to their average)" });
    }
  });

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;

export interface ScenarioIssue {
  /** "nas.drivesTB[2]", "planned[0].quant", "" for the whole document. */
  path: string;
  message: string;
}

export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.map((key, index) => (typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${String(key)}`)).join("");
}

/** Validates a scenario document; AppError("invalid-input") with every issue and its path in `details.issues`. */
export function parseScenario(input: unknown): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (result.success) return result.data;
  const issues: ScenarioIssue[] = result.error.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message }));
  throw new AppError("invalid-input", issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; "), {
    details: { issues },
  });
}

// ---------------------------------------------------------------------------
// Evaluation

export interface UsagePoint {
  /** ISO date (YYYY-MM-DD, UTC). */
  date: string;
  bytes: number;
}

export interface GrowthSummary {
  modelsPerQuarter: number;
  /** What one added model takes under the policy. */
  bytesPerModel: number;
  bytesPerQuarter: number;
  averageModel: string;
}

export interface ScenarioEvaluation {
  now: string;
  policy: Policy;
  horizonYears: number;
  nas: NasCapacity;
  rawBytes: number;
  /** After RAID, before DSM partitions and filesystem overhead. */
  usableBytes: number;
  /** After RAID, DSM partitions and filesystem overhead: the volume size the NAS shows. */
  volumeBytes: number;
  /** After overhead and the keep-free reserve: what may be filled. */
  availableBytes: number;
  currentBytes: number;
  planned: PlannedModelFootprint[];
  requiredBytesExact: number;
  requiredBytesRuleOfThumb: number;
  /** The policy's estimate of today's need (current library + planned models). */
  requiredBytes: number;
  fits: boolean;
  /** availableBytes − requiredBytes; negative when it does not fit. */
  headroomBytes: number;
  growth: GrowthSummary | null;
  /** requiredBytes plus growth to the horizon: what the recommendations hold. */
  requiredAtHorizonBytes: number;
  fitsAtHorizon: boolean;
  /** When usage reaches availableBytes: today if it already does, null if never within MAX_FILL_YEARS. */
  fillDate: string | null;
  /** Quarterly points from today through the horizon (and the fill date, if within MAX_FILL_YEARS). */
  usageOverTime: UsagePoint[];
  recommendations: NasRecommendation[];
  warnings: string[];
  explanations: string[];
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** `months` calendar months after `start` (UTC), clamped to the end of a shorter month (31 Jan + 1 → 28/29 Feb). */
export function addMonthsUtc(start: Date, months: number): Date {
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(start.getUTCDate(), lastDay), start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds()));
}

/** The moment `quarters` (fractional) after `now`, linear within the calendar quarter it falls in, as the chart draws it. */
function dateAfterQuarters(now: Date, quarters: number): Date {
  const whole = Math.floor(quarters);
  const from = addMonthsUtc(now, whole * MONTHS_PER_QUARTER).getTime();
  const to = addMonthsUtc(now, (whole + 1) * MONTHS_PER_QUARTER).getTime();
  return new Date(from + (quarters - whole) * (to - from));
}

function policyBytes(model: PlannedModelFootprint, policy: Policy): number {
  return policy === "exact" ? model.exactBytes : model.ruleOfThumbBytes;
}

function describePlanned(model: PlannedModelFootprint): string {
  const files = model.quants.map((quant) => `${quant.quant} ${formatDecimalBytes(quant.fileBytes)} (${quant.bitsPerWeight} bits/weight)`).join(" + ");
  const versions = model.versions > 1 ? ` × ${model.versions} versions` : "";
  const nominal = model.nominalParameters !== model.parameters ? ` (a ${parameterLabel(model.nominalParameters)})` : "";
  return (
    `${model.label}, ${formatParameters(model.parameters)} parameters: ${files}${versions} = ${formatDecimalBytes(model.exactBytes)}; ` +
    `rule of thumb${nominal}: ${formatDecimalBytes(model.ruleOfThumbBytes)}.`
  );
}

/**
 * Evaluates a parsed scenario as of `now`. Growth is spread evenly over each quarter, so usage rises in
 * a straight line and the fill date is where it meets availableBytes.
 */
export function evaluateScenario(scenario: Scenario, now: Date): ScenarioEvaluation {
  if (Number.isNaN(now.getTime())) throw new AppError("invalid-input", "now must be a valid date");
  const nas = calculateNasCapacity({ ...scenario.nas, level: scenario.nas.raid });
  const policy = scenario.policy;
  const currentBytes = scenario.current?.usedBytes ?? 0;
  const planned = scenario.planned.map(estimatePlannedModel);
  const requiredBytesExact = currentBytes + planned.reduce((sum, model) => sum + model.exactBytes, 0);
  const requiredBytesRuleOfThumb = currentBytes + planned.reduce((sum, model) => sum + model.ruleOfThumbBytes, 0);
  const requiredBytes = policy === "exact" ? requiredBytesExact : requiredBytesRuleOfThumb;
  const availableBytes = nas.availableBytes;
  const fits = requiredBytes <= availableBytes;

  let growth: GrowthSummary | null = null;
  if (scenario.growth && scenario.growth.modelsPerQuarter > 0) {
    const average = scenario.growth.averageModel ? estimatePlannedModel(scenario.growth.averageModel) : null;
    if (!average && planned.length === 0) throw new AppError("invalid-input", "growth needs averageModel when no models are planned");
    const bytesPerModel = average
      ? policyBytes(average, policy)
      : Math.round(planned.reduce((sum, model) => sum + policyBytes(model, policy), 0) / planned.length);
    growth = {
      modelsPerQuarter: scenario.growth.modelsPerQuarter,
      bytesPerModel,
      bytesPerQuarter: Math.round(bytesPerModel * scenario.growth.modelsPerQuarter),
      averageModel: average ? average.label : "the average planned model",
    };
  }
  const perQuarter = growth?.bytesPerQuarter ?? 0;
  const horizonQuarters = Math.round(scenario.horizonYears * QUARTERS_PER_YEAR);
  const requiredAtHorizonBytes = requiredBytes + perQuarter * horizonQuarters;
  const maxQuarters = MAX_FILL_YEARS * QUARTERS_PER_YEAR;

  let fillQuarters: number | null;
  if (requiredBytes >= availableBytes) fillQuarters = 0;
  else if (perQuarter <= 0) fillQuarters = null;
  else {
    const quarters = (availableBytes - requiredBytes) / perQuarter;
    fillQuarters = quarters <= maxQuarters ? quarters : null;
  }
  const fillDate = fillQuarters === null ? null : isoDate(dateAfterQuarters(now, fillQuarters));

  const lastQuarter = fillQuarters === null ? horizonQuarters : Math.min(maxQuarters, Math.max(horizonQuarters, Math.ceil(fillQuarters)));
  const usageOverTime: UsagePoint[] = Array.from({ length: lastQuarter + 1 }, (_, quarter) => ({
    date: isoDate(addMonthsUtc(now, quarter * MONTHS_PER_QUARTER)),
    bytes: requiredBytes + perQuarter * quarter,
  }));

  const recommendations = recommendNas({
    requiredBytes: requiredAtHorizonBytes,
    hotSpares: scenario.nas.hotSpares,
    filesystem: scenario.nas.filesystem,
    systemGBPerDrive: scenario.nas.systemGBPerDrive,
    reservePercent: scenario.nas.reservePercent,
  });

  const warnings = [...nas.warnings];
  if (!fits) warnings.push(`Does not fit: ${formatTB(requiredBytes)} needed, ${formatTB(availableBytes)} available (${formatTB(requiredBytes - availableBytes)} short).`);
  const explanations = [...nas.explanations];
  if (currentBytes > 0) explanations.push(`The current library takes ${formatDecimalBytes(currentBytes)} (identical content counted once).`);
  for (const model of planned) explanations.push(describePlanned(model));
  explanations.push(
    `Needed now: ${formatDecimalBytes(requiredBytesExact)} by the estimate, ${formatDecimalBytes(requiredBytesRuleOfThumb)} by the rule of thumb ` +
      `(20 GB per 7B, 50 GB per 14B, 100 GB per 32B model); the plan uses the ${policy === "exact" ? "estimate" : "rule of thumb"}` +
      ` — ${fits ? `it fits with ${formatTB(availableBytes - requiredBytes)} to spare` : "it does not fit"}.`,
  );
  if (growth) {
    explanations.push(
      `Growth: ${growth.modelsPerQuarter} model${growth.modelsPerQuarter === 1 ? "" : "s"} a quarter at ${formatDecimalBytes(growth.bytesPerModel)} each (${growth.averageModel}) = ${formatDecimalBytes(growth.bytesPerQuarter)} a quarter; ${formatDecimalBytes(requiredAtHorizonBytes)} in ${scenario.horizonYears} years.`,
    );
  }
  if (fillQuarters === 0) explanations.push(`The pool is already full: the need is at or above the ${formatTB(availableBytes)} that may be filled.`);
  else if (fillDate) explanations.push(`At that rate the ${formatTB(availableBytes)} that may be filled is used up on ${fillDate}.`);
  else if (growth) explanations.push(`At that rate the pool does not fill within ${MAX_FILL_YEARS} years.`);
  else explanations.push("Without growth the pool does not fill.");
  explanations.push(
    recommendations.length > 0
      ? `Recommendations hold ${formatDecimalBytes(requiredAtHorizonBytes)} (today's need plus ${scenario.horizonYears} years of growth) with the ${nas.reservePercent} % reserve, cheapest first by drive count, then raw TB.`
      : `No configuration up to 12 × 24 TB holds ${formatDecimalBytes(requiredAtHorizonBytes)} with the ${nas.reservePercent} % reserve.`,
  );

  return {
    now: isoDate(now),
    policy,
    horizonYears: scenario.horizonYears,
    nas,
    rawBytes: nas.rawBytes,
    usableBytes: nas.usableBytes,
    volumeBytes: nas.volumeBytes,
    availableBytes,
    currentBytes,
    planned,
    requiredBytesExact,
    requiredBytesRuleOfThumb,
    requiredBytes,
    fits,
    headroomBytes: availableBytes - requiredBytes,
    growth,
    requiredAtHorizonBytes,
    fitsAtHorizon: requiredAtHorizonBytes <= availableBytes,
    fillDate,
    usageOverTime,
    recommendations,
    warnings,
    explanations,
  };
}

/** TB and TiB of a byte count, for summaries: "12 TB (10.91 TiB)". */
export function formatCapacity(bytes: number): string {
  return `${formatTB(bytes)} (${formatTiB(bytes)})`;
}
