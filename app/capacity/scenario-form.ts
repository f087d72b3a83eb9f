// The scenario editor's fields and their translation to and from the
// scenario document (lib/capacity/scenario.ts) that is evaluated, saved and
// exported. Fields stay text while typed; the schema validates the document.
import { findReferenceModel } from "../../lib/capacity/reference-models.ts";
import { parseRaidLevel, type RaidLevel } from "../../lib/capacity/raid.ts";
import type { ScenarioInput } from "../../lib/capacity/scenario.ts";

export type PlannedSource = "reference" | "parameters";

export interface PlannedRow {
  key: string;
  source: PlannedSource;
  /** Reference model id (source "reference"). */
  model: string;
  /** "14B", "7e9" (source "parameters"). */
  parameters: string;
  quant: string;
  /** More quantisations kept of the same model, comma-separated ("Q8_0, F16"). */
  extraQuants: string;
  versions: string;
}

export interface ScenarioFields {
  raid: RaidLevel;
  drives: Array<{ key: string; tb: string }>;
  hotSpares: string;
  filesystem: "btrfs" | "ext4" | "none";
  reservePercent: string;
  planned: PlannedRow[];
  modelsPerQuarter: string;
  policy: "exact" | "rule-of-thumb";
  horizonYears: string;
  /** Count the current library's bytes in the plan. */
  includeCurrent: boolean;
  /** The current library as a loaded scenario saved it; null = the catalogue's bytes now (identical content once). */
  currentBytes: number | null;
}

let keys = 0;
export const newKey = (prefix: string) => `${prefix}-${++keys}`;

export function plannedRow(partial: Partial<PlannedRow> = {}): PlannedRow {
  return { key: newKey("model"), source: "reference", model: "qwen2.5-7b", parameters: "", quant: "Q4_K_M", extraQuants: "", versions: "1", ...partial };
}

export function driveRows(sizes: readonly (number | string)[]): ScenarioFields["drives"] {
  return sizes.map((tb) => ({ key: newKey("drive"), tb: String(tb) }));
}

/** A new scenario: the README's worked example, a 4-bay NAS for Qwen2.5 7B and 14B at Q4_K_M. */
export function defaultScenarioFields(): ScenarioFields {
  return {
    raid: "shr",
    drives: driveRows([8, 8, 8, 8]),
    hotSpares: "0",
    filesystem: "btrfs",
    reservePercent: "20",
    planned: [plannedRow({ model: "qwen2.5-7b", versions: "2" }), plannedRow({ model: "qwen2.5-14b", versions: "2" })],
    modelsPerQuarter: "2",
    policy: "exact",
    horizonYears: "3",
    includeCurrent: true,
    currentBytes: null,
  };
}

/** A typed number, or NaN so the schema reports the field (never a silent 0). */
function num(text: string): number {
  return text.trim() === "" ? Number.NaN : Number(text.trim());
}

function quantsOf(row: PlannedRow): string[] {
  const extra = row.extraQuants
    .split(/[\s,;]+/)
    .map((q) => q.trim())
    .filter((q) => q !== "");
  return [...new Set([row.quant, ...extra])];
}

/** The scenario document the fields describe (the CLI's format); `catalogueBytes` is the current library unless a saved figure is kept. */
export function toScenarioInput(fields: ScenarioFields, catalogueBytes: number): ScenarioInput {
  const currentBytes = fields.currentBytes ?? catalogueBytes;
  const growth = num(fields.modelsPerQuarter);
  return {
    nas: {
      raid: fields.raid,
      drivesTB: fields.drives.map((drive) => num(drive.tb)),
      hotSpares: fields.hotSpares.trim() === "" ? 0 : num(fields.hotSpares),
      filesystem: fields.filesystem,
      reservePercent: num(fields.reservePercent),
    },
    ...(fields.includeCurrent ? { current: { usedBytes: Math.round(currentBytes) } } : {}),
    planned: fields.planned.map((row) => {
      const quants = quantsOf(row);
      return {
        ...(row.source === "reference" ? { model: row.model } : { parameters: row.parameters.trim() }),
        ...(quants.length === 1 ? { quant: quants[0] } : { quants }),
        versions: num(row.versions),
      };
    }),
    ...(fields.modelsPerQuarter.trim() === "" || growth === 0 ? {} : { growth: { modelsPerQuarter: growth } }),
    policy: fields.policy,
    horizonYears: num(fields.horizonYears),
  };
}

function text(value: unknown, fallback: string): string {
  return typeof value === "number" || typeof value === "string" ? String(value) : fallback;
}

/** Fields from a saved document (as stored, before the schema's defaults); unknown parts fall back to the defaults. */
export function fieldsFromScenario(input: unknown): ScenarioFields {
  const base = defaultScenarioFields();
  if (!input || typeof input !== "object") return base;
  const doc = input as Record<string, unknown>;
  const nas = (doc.nas && typeof doc.nas === "object" ? doc.nas : {}) as Record<string, unknown>;
  const planned = Array.isArray(doc.planned) ? doc.planned : [];
  const growth = (doc.growth && typeof doc.growth === "object" ? doc.growth : null) as Record<string, unknown> | null;
  const current = (doc.current && typeof doc.current === "object" ? doc.current : null) as Record<string, unknown> | null;
  const savedCurrent =
    typeof current?.usedBytes === "number" ? current.usedBytes : typeof current?.usedTB === "number" ? Math.round(current.usedTB * 1e12) : null;
  const filesystem = nas.filesystem === "ext4" || nas.filesystem === "none" || nas.filesystem === "btrfs" ? nas.filesystem : base.filesystem;
  return {
    raid: (typeof nas.raid === "string" ? parseRaidLevel(nas.raid) : undefined) ?? base.raid,
    drives: Array.isArray(nas.drivesTB) ? driveRows(nas.drivesTB.map((tb) => text(tb, ""))) : base.drives,
    hotSpares: text(nas.hotSpares, "0"),
    filesystem,
    reservePercent: text(nas.reservePercent, "20"),
    planned: planned.map((entry): PlannedRow => {
      const spec = (entry && typeof entry === "object" ? entry : {}) as Record<string, unknown>;
      const quants = Array.isArray(spec.quants) ? spec.quants.map((q) => text(q, "")) : [text(spec.quant, "Q4_K_M")];
      const reference = typeof spec.model === "string" ? findReferenceModel(spec.model) : undefined;
      return plannedRow({
        source: spec.parameters !== undefined ? "parameters" : "reference",
        model: reference?.id ?? (typeof spec.model === "string" ? spec.model : "qwen2.5-7b"),
        parameters: text(spec.parameters, ""),
        quant: quants[0] ?? "Q4_K_M",
        extraQuants: quants.slice(1).join(", "),
        versions: text(spec.versions, "1"),
      });
    }),
    modelsPerQuarter: growth ? text(growth.modelsPerQuarter, "0") : "0",
    policy: doc.policy === "rule-of-thumb" ? "rule-of-thumb" : "exact",
    horizonYears: text(doc.horizonYears, "3"),
    includeCurrent: current !== null,
    currentBytes: savedCurrent,
  };
}

/**
 * A schema issue path ("nas.drivesTB[2]", "planned[0].quant") as the editor's field key
 * ("drive.2", "planned.0.quant"); issues about a whole part land on that part.
 */
export function fieldKeyOfIssue(path: readonly PropertyKey[]): string {
  const [first, second, third] = path;
  if (first === "nas") {
    if (second === "drivesTB") return typeof third === "number" ? `drive.${third}` : "drives";
    return typeof second === "string" ? second : "nas";
  }
  if (first === "planned" && typeof second === "number") {
    const field = third === "quants" || third === "quant" ? "quant" : third === "versions" ? "versions" : third === "parameters" ? "parameters" : "model";
    return `planned.${second}.${field}`;
  }
  if (first === "growth") return "modelsPerQuarter";
  return typeof first === "string" ? first : "form";
}
