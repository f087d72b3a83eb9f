// Scenario documents: validation with paths, and evaluation (fit, headroom, fill date, quarterly series).
import { describe, expect, it } from "vitest";
import { calculateNasCapacity } from "../../lib/capacity/raid.ts";
import { addMonthsUtc, evaluateScenario, parseScenario, type ScenarioInput } from "../../lib/capacity/scenario.ts";

const GB = 1e9;
const TB = 1e12;
const NOW = new Date("2026-01-15T00:00:00Z");

/** A NAS whose available space is exactly its RAID capacity: no DSM partitions, filesystem or reserve. */
const plainNas = (drivesTB: number[], raid = "raid1") => ({ raid, drivesTB, systemGBPerDrive: 0, filesystem: "none" as const, reservePercent: 0 });

function evaluate(input: ScenarioInput, now = NOW) {
  return evaluateScenario(parseScenario(input), now);
}

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseScenario(input);
  } catch (error) {
    return (error as { details: { issues: { path: string; message: string }[] } }).details.issues;
  }
  return [];
}

describe("scenario schema", () => {
  it("fills in the defaults", () => {
    const scenario = parseScenario({ nas: { raid: "SHR", drivesTB: [4, 4] }, planned: [{ model: "qwen2.5:7b" }] });
    expect(scenario.nas).toMatchObject({ raid: "shr", hotSpares: 0, filesystem: "btrfs", reservePercent: 20 });
    expect(scenario.planned[0]).toMatchObject({ label: "Qwen2.5 7B Instruct", referenceModelId: "qwen2.5-7b", quants: ["Q4_K_M"], versions: 1, nominalParameters: 7e9 });
    expect(scenario).toMatchObject({ policy: "exact", horizonYears: 3 });
  });

  it("accepts parameter counts as numbers or sizes such as \"7B\" and \"137M\"", () => {
    const scenario = parseScenario({
      nas: { raid: "raid1", drivesTB: [4, 4] },
      planned: [{ parameters: "1.5b", quants: ["q8_0", "Q4_K"] }, { parameters: 7e9 }, { parameters: "137M", name: "my embedder" }],
    });
    expect(scenario.planned.map((p) => [p.label, p.parameters, p.quants])).toEqual([
      ["1.5B model", 1.5e9, ["Q8_0", "Q4_K_M"]],
      ["7B model", 7e9, ["Q4_K_M"]],
      ["my embedder", 137e6, ["Q4_K_M"]],
    ]);
  });

  it("reports every problem with its path", () => {
    expect(
      issuesOf({
        nas: { raid: "RAID 5", drivesTB: [4, 4000], hotSpare: 1 },
        planned: [{ model: "qwen9:7b" }, { parameters: 7, quant: "Q4KM" }, { model: "qwen2.5:7b", parameters: 7e9 }, { quant: "Q8_0" }],
        policy: "biggest",
      }),
    ).toEqual([
      { path: "nas", message: 'Unrecognized key: "hotSpare"' },
      { path: "nas.drivesTB[1]", message: "drive 2: 4000 TB is larger than any drive sold (max 200 TB); sizes are in TB, not GB" },
      { path: "nas.drivesTB", message: "RAID 5 needs at least 3 drives (got 2)" },
      { path: "planned[0].model", message: expect.stringMatching(/^unknown model "qwen9:7b": use a reference model \(qwen2\.5-0\.5b, .*\) or give "parameters"$/) },
      { path: "planned[1].parameters", message: 'parameters 7 is out of range (1000000–10000000000000): give the count (7e9) or a size such as "7B"' },
      { path: "planned[1].quant", message: expect.stringMatching(/^unknown quantisation "Q4KM"; known: F32, /) },
      { path: "planned[2].model", message: 'give "model" (a reference model such as "qwen2.5:7b") or "parameters" (7e9 or "7B"), not both' },
      { path: "planned[3].model", message: 'give "model" (a reference model such as "qwen2.5:7b") or "parameters" (7e9 or "7B")' },
      { path: "policy", message: expect.stringMatching(/"exact"\|"rule-of-thumb"/) },
    ]);
  });

  it("rejects an unknown RAID level and a missing NAS", () => {
    expect(issuesOf({ nas: { raid: "raid7", drivesTB: [4, 4] } })).toEqual([
      { path: "nas.raid", message: 'unknown RAID level "raid7"; use one of raid0, raid1, raid5, raid6, raid10, jbod, shr, shr2 ("RAID 5", "SHR-2" also work)' },
    ]);
    expect(issuesOf({ planned: [] }).map((issue) => issue.path)).toEqual(["nas"]);
  });

  it("needs an average model for growth when nothing is planned", () => {
    expect(issuesOf({ nas: { raid: "shr", drivesTB: [4, 4] }, growth: { modelsPerQuarter: 2 } })).toEqual([
      { path: "growth.averageModel", message: "growth needs averageModel when no models are planned (it defaults to their average)" },
    ]);
  });

  it("takes the current library in bytes or TB, not both", () => {
    expect(parseScenario({ nas: plainNas([4, 4]), current: { usedTB: 1.5 } }).current).toEqual({ usedBytes: 1.5 * TB });
    expect(issuesOf({ nas: plainNas([4, 4]), current: { usedTB: 1, usedBytes: 5 } })).toEqual([{ path: "current", message: 'give either "usedBytes" or "usedTB"' }]);
  });
});

describe("scenario evaluation", () => {
  it("fits when the current library and planned models are within the available space", () => {
    const result = evaluate({ nas: plainNas([1, 1]), current: { usedTB: 0.5 }, planned: [{ parameters: "7B", quant: "Q4_K_M", versions: 2 }] });
    const model = Math.ceil((7e9 * 4.8944) / 8) + 16 * 2 ** 20;
    expect(result).toMatchObject({ rawBytes: 2 * TB, usableBytes: 1 * TB, volumeBytes: 1 * TB, availableBytes: 1 * TB, currentBytes: 0.5 * TB, fits: true });
    expect(result.requiredBytesExact).toBe(0.5 * TB + 2 * model);
    expect(result.requiredBytes).toBe(result.requiredBytesExact);
    expect(result.requiredBytesRuleOfThumb).toBe(0.5 * TB + 20 * GB);
    expect(result.headroomBytes).toBe(1 * TB - result.requiredBytes);
  });

  it("does not fit when the need exceeds the available space, and says by how much", () => {
    const result = evaluate({ nas: plainNas([1, 1]), current: { usedTB: 1.2 } });
    expect(result.fits).toBe(false);
    expect(result.headroomBytes).toBe(-0.2 * TB);
    expect(result.warnings).toContain("Does not fit: 1.2 TB needed, 1 TB available (0.2 TB short).");
  });

  it("lets the rule-of-thumb policy decide, while still reporting the estimate", () => {
    const input: ScenarioInput = { nas: plainNas([1, 1]), current: { usedTB: 0.95 }, planned: [{ model: "qwen2.5:32b" }] };
    expect(evaluate(input).fits).toBe(true);
    const ruleOfThumb = evaluate({ ...input, policy: "rule-of-thumb" });
    expect(ruleOfThumb.requiredBytes).toBe(0.95 * TB + 100 * GB);
    expect(ruleOfThumb.requiredBytesExact).toBeLessThan(ruleOfThumb.requiredBytes);
    expect(ruleOfThumb.fits).toBe(false);
  });

  it("uses the real NAS chain: DSM partitions, Btrfs and the 20 % reserve", () => {
    const result = evaluate({ nas: { raid: "raid5", drivesTB: [4, 4, 4, 4] } });
    expect(result.availableBytes).toBe(calculateNasCapacity({ level: "raid5", drivesTB: [4, 4, 4, 4] }).availableBytes);
    expect(result.usableBytes).toBe(12 * TB);
  });

  describe("fill date", () => {
    // 1 TB available, 0.5 TB used; growth by the rule of thumb: 7B models at 20 GB each.
    const growing = (modelsPerQuarter: number): ScenarioInput => ({
      nas: plainNas([1, 1]),
      current: { usedTB: 0.5 },
      policy: "rule-of-thumb",
      growth: { modelsPerQuarter, averageModel: { parameters: "7B" } },
    });

    it("falls on a quarter boundary when the growth fills the space in whole quarters", () => {
      // 100 GB a quarter: 500 GB last 5 quarters = 15 months.
      const result = evaluate(growing(5));
      expect(result.growth).toEqual({ modelsPerQuarter: 5, bytesPerModel: 20 * GB, bytesPerQuarter: 100 * GB, averageModel: "7B model" });
      expect(result.fillDate).toBe("2027-04-15");
    });

    it("interpolates within the quarter it falls in", () => {
      // 40 GB a quarter: 12.5 quarters — halfway between 2029-01-15 and 2029-04-15 (90 days).
      expect(evaluate(growing(2)).fillDate).toBe("2029-03-01");
    });

    it("is today when the pool is already full", () => {
      const result = evaluate({ ...growing(1), current: { usedTB: 1 } });
      expect(result.fillDate).toBe("2026-01-15");
    });

    it("is null without growth, or when it would take more than 20 years", () => {
      expect(evaluate({ nas: plainNas([1, 1]), current: { usedTB: 0.5 } }).fillDate).toBeNull();
      // 500 GB at 20 GB a quarter is 25 quarters; at 20 GB every 4 quarters it would be 25 years.
      expect(evaluate(growing(0.25)).fillDate).toBeNull();
      expect(evaluate(growing(0.25)).explanations).toContain("At that rate the pool does not fill within 20 years.");
    });

    it("defaults the growth model to the average planned model", () => {
      const result = evaluate({
        nas: plainNas([1, 1]),
        policy: "rule-of-thumb",
        planned: [{ parameters: "7B" }, { parameters: "14B" }],
        growth: { modelsPerQuarter: 1 },
      });
      expect(result.growth).toMatchObject({ bytesPerModel: 35 * GB, bytesPerQuarter: 35 * GB, averageModel: "the average planned model" });
    });
  });

  describe("usage over time", () => {
    it("has quarterly points through the horizon, rising by the growth each quarter", () => {
      const result = evaluate({
        nas: plainNas([10, 10]),
        current: { usedTB: 1 },
        policy: "rule-of-thumb",
        growth: { modelsPerQuarter: 1, averageModel: { parameters: "14B" } },
      });
      expect(result.usageOverTime).toHaveLength(13);
      expect(result.usageOverTime.slice(0, 3)).toEqual([
        { date: "2026-01-15", bytes: 1 * TB },
        { date: "2026-04-15", bytes: 1 * TB + 50 * GB },
        { date: "2026-07-15", bytes: 1 * TB + 100 * GB },
      ]);
      expect(result.usageOverTime.at(-1)).toEqual({ date: "2029-01-15", bytes: 1 * TB + 12 * 50 * GB });
      expect(result.requiredAtHorizonBytes).toBe(1 * TB + 12 * 50 * GB);
    });

    it("runs on to the fill date when that is beyond the horizon", () => {
      // 0.5 TB free at 20 GB a quarter (one 7B model a quarter): 25 quarters, past the 3-year horizon.
      const result = evaluate({ nas: plainNas([1, 1]), policy: "rule-of-thumb", current: { usedTB: 0.5 }, growth: { modelsPerQuarter: 1, averageModel: { parameters: "7B" } } });
      expect(result.fillDate).toBe("2032-04-15");
      expect(result.usageOverTime).toHaveLength(26);
      expect(result.usageOverTime.at(-1)).toEqual({ date: "2032-04-15", bytes: 1 * TB });
    });

    it("keeps calendar days without drifting at month ends", () => {
      const end = new Date("2026-11-30T00:00:00Z");
      expect([1, 2, 3].map((q) => addMonthsUtc(end, 3 * q).toISOString().slice(0, 10))).toEqual(["2027-02-28", "2027-05-30", "2027-08-30"]);
      expect(addMonthsUtc(new Date("2027-11-30T00:00:00Z"), 3).toISOString().slice(0, 10)).toBe("2028-02-29");
    });
  });

  it("recommends configurations that hold today's need plus the growth to the horizon", () => {
    const result = evaluate({
      nas: { raid: "shr", drivesTB: [4, 4] },
      current: { usedTB: 3 },
      policy: "rule-of-thumb",
      growth: { modelsPerQuarter: 4, averageModel: { parameters: "32B" } },
    });
    expect(result.requiredAtHorizonBytes).toBe(3 * TB + 12 * 4 * 100 * GB);
    expect(result.fitsAtHorizon).toBe(false);
    expect(result.recommendations.length).toBeGreaterThan(0);
    for (const rec of result.recommendations) expect(rec.availableBytes).toBeGreaterThanOrEqual(result.requiredAtHorizonBytes);
  });

  it("explains each figure in words", () => {
    const result = evaluate({ nas: { raid: "shr", drivesTB: [8, 8, 8, 8] }, planned: [{ model: "qwen2.5:7b", versions: 2 }] });
    expect(result.explanations).toContain(
      "Qwen2.5 7B Instruct, 7.62B parameters: Q4_K_M 4.68 GB (4.8944 bits/weight) × 2 versions = 9.35 GB; rule of thumb (a 7B model): 20 GB.",
    );
    expect(result.explanations.some((line) => line.startsWith("Needed now: 9.35 GB by the estimate, 20 GB by the rule of thumb"))).toBe(true);
    expect(result.explanations.at(-2)).toBe("Without growth the pool does not fill.");
  });

  it("returns plain JSON", () => {
    const result = evaluate({ nas: { raid: "shr", drivesTB: [4, 4, 8, 8] }, planned: [{ model: "gemma2:9b" }], growth: { modelsPerQuarter: 1 } });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});
