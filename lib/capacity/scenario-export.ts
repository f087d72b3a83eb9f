// A saved scenario and its evaluation as a download: JSON (the document the
// CLI reads, plus every figure) or CSV for a spreadsheet. The CSV is one
// rectangular table — section, item, value, unit, detail — so summary,
// planned models, the usage series and the recommendations sit in one sheet
// and each can be filtered by its section. Pure.
import { RAID_LABELS } from "./raid.ts";
import type { ScenarioEvaluation, ScenarioInput } from "./scenario.ts";

export interface ScenarioExport {
  id: number;
  name: string;
  updatedAt: string;
  generatedAt: string;
  /** As saved: give this part to `modelshelf plan`. */
  scenario: ScenarioInput;
  evaluation: ScenarioEvaluation;
}

export const SCENARIO_CSV_HEADER = ["section", "item", "value", "unit", "detail"] as const;

/** RFC 4180: quote a field holding a comma, quote or line break; double the quotes. */
export function csvField(value: string | number | boolean | null | undefined): string {
  const text = value === null || value === undefined ? "" : String(value);
  // A leading =, +, - or @ would be run as a formula by a spreadsheet: text in a name must stay text.
  const safe = typeof value === "string" && /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function scenarioCsv(exported: ScenarioExport): string {
  const rows: Array<Array<string | number | boolean | null>> = [];
  const add = (section: string, item: string, value: string | number | boolean | null, unit = "", detail = "") => rows.push([section, item, value, unit, detail]);
  const e = exported.evaluation;
  add("scenario", "name", exported.name);
  add("scenario", "evaluated", e.now, "date");
  add("scenario", "raid", RAID_LABELS[e.nas.level]);
  add("scenario", "drives", e.nas.memberDrivesTB.join(" + "), "TB", e.nas.spareDrivesTB.length > 0 ? `hot spares: ${e.nas.spareDrivesTB.join(" + ")} TB` : "");
  add("scenario", "filesystem", e.nas.filesystem.name, "", e.nas.filesystem.reason);
  add("scenario", "reserve", e.nas.reservePercent, "%");
  add("scenario", "policy", e.policy);
  add("scenario", "horizon", e.horizonYears, "years");
  add("summary", "rawBytes", e.rawBytes, "bytes");
  add("summary", "usableBytes", e.usableBytes, "bytes", "after RAID");
  add("summary", "volumeBytes", e.volumeBytes, "bytes", "after DSM partitions and filesystem");
  add("summary", "availableBytes", e.availableBytes, "bytes", "after the keep-free reserve");
  add("summary", "currentBytes", e.currentBytes, "bytes", "current library, identical content once");
  add("summary", "requiredBytesExact", e.requiredBytesExact, "bytes");
  add("summary", "requiredBytesRuleOfThumb", e.requiredBytesRuleOfThumb, "bytes");
  add("summary", "requiredBytes", e.requiredBytes, "bytes", `by the ${e.policy === "exact" ? "estimate" : "rule of thumb"}`);
  add("summary", "fits", e.fits);
  add("summary", "headroomBytes", e.headroomBytes, "bytes");
  add("summary", "requiredAtHorizonBytes", e.requiredAtHorizonBytes, "bytes");
  add("summary", "fillDate", e.fillDate, "date", e.fillDate ? "" : "does not fill within 20 years");
  for (const model of e.planned) {
    add("planned", model.label, model.exactBytes, "bytes", `${model.quants.map((q) => q.quant).join("+")} × ${model.versions} version(s); rule of thumb ${model.ruleOfThumbBytes} bytes`);
  }
  for (const point of e.usageOverTime) add("usage", point.date, point.bytes, "bytes");
  e.recommendations.forEach((rec, index) => {
    add("recommendation", `${index + 1}. ${rec.label}`, rec.availableBytes, "bytes", `${rec.bays}-bay, raw ${rec.rawBytes}, usable ${rec.usableBytes}, headroom ${rec.headroomBytes}, survives ${rec.faultTolerance} drive(s)`);
  });
  for (const warning of e.warnings) add("warning", "", warning);
  for (const line of e.explanations) add("explanation", "", line);
  return [SCENARIO_CSV_HEADER.join(","), ...rows.map((row) => row.map(csvField).join(","))].join("\r\n") + "\r\n";
}
