// NAS recommendations: cheapest-first configurations that really hold the requirement.
import { describe, expect, it } from "vitest";
import { calculateNasCapacity } from "../../lib/capacity/raid.ts";
import { DRIVE_SIZES_TB, NAS_BAY_COUNTS, recommendNas, type NasRecommendation } from "../../lib/capacity/recommend.ts";

const TB = 1e12;

function recompute(rec: NasRecommendation, options: { filesystem?: "btrfs" | "ext4" | "none"; reservePercent?: number } = {}) {
  return calculateNasCapacity({
    level: rec.raid,
    drivesTB: Array.from({ length: rec.drives + rec.hotSpares }, () => rec.driveTB),
    hotSpares: rec.hotSpares,
    ...options,
  });
}

describe("NAS recommendations", () => {
  it("starts with the cheapest configuration: 10 TB needs 2 × 14 TB in a 2-bay unit", () => {
    const [first] = recommendNas({ requiredBytes: 10 * TB });
    expect(first).toMatchObject({ bays: 2, drives: 2, driveTB: 14, raid: "shr", alsoAs: ["raid1"], faultTolerance: 1 });
    expect(first?.label).toBe("2 × 14 TB SHR (= RAID 1) in a 2-bay unit: 10.97 TB available");
  });

  it("orders by drive count, then raw TB, then fault tolerance", () => {
    const recs = recommendNas({ requiredBytes: 10 * TB, limit: 50 });
    for (let i = 1; i < recs.length; i++) {
      const a = recs[i - 1]!;
      const b = recs[i]!;
      const key = (r: NasRecommendation) => [r.drives + r.hotSpares, r.rawBytes, -r.faultTolerance];
      const [ka, kb] = [key(a), key(b)];
      const order = ka[0]! - kb[0]! || ka[1]! - kb[1]! || ka[2]! - kb[2]!;
      expect(order, `${a.label} before ${b.label}`).toBeLessThanOrEqual(0);
    }
  });

  it("recommends only configurations that really hold the requirement with the reserve", () => {
    for (const requiredBytes of [0.5 * TB, 10 * TB, 40 * TB, 150 * TB]) {
      const recs = recommendNas({ requiredBytes, limit: 100 });
      expect(recs.length).toBeGreaterThan(0);
      for (const rec of recs) {
        const capacity = recompute(rec);
        expect(capacity.availableBytes, rec.label).toBeGreaterThanOrEqual(requiredBytes);
        expect(rec.availableBytes).toBe(capacity.availableBytes);
        expect(rec.headroomBytes).toBe(capacity.availableBytes - requiredBytes);
      }
    }
  });

  it("picks the smallest drive size that fits for each drive count and level", () => {
    for (const rec of recommendNas({ requiredBytes: 30 * TB, limit: 100 })) {
      const smaller = DRIVE_SIZES_TB.filter((size) => size < rec.driveTB).at(-1);
      if (smaller === undefined) continue;
      expect(recompute({ ...rec, driveTB: smaller }).availableBytes, rec.label).toBeLessThan(30 * TB);
    }
  });

  it("merges levels that are the same with identical drives, and keeps RAID 1 to two drives", () => {
    const recs = recommendNas({ requiredBytes: 5 * TB, limit: 100 });
    expect(recs.filter((rec) => rec.raid === "raid5" || rec.raid === "raid6")).toEqual([]);
    expect(recs.find((rec) => rec.drives === 4 && rec.raid === "shr2")?.alsoAs).toEqual(["raid6"]);
    expect(recs.find((rec) => rec.drives === 4 && rec.raid === "shr")?.alsoAs).toEqual(["raid5"]);
    expect(recs.some((rec) => rec.raid === "raid10")).toBe(true);
    expect(recs.every((rec) => rec.faultTolerance >= 1)).toBe(true);
    expect(recs.filter((rec) => rec.alsoAs.includes("raid1")).every((rec) => rec.drives === 2)).toBe(true);
  });

  it("puts each configuration in the smallest common unit, with hot spares", () => {
    const recs = recommendNas({ requiredBytes: 10 * TB, hotSpares: 1, limit: 100 });
    for (const rec of recs) {
      expect(rec.hotSpares).toBe(1);
      expect(NAS_BAY_COUNTS).toContain(rec.bays);
      expect(rec.bays).toBe(NAS_BAY_COUNTS.find((bays) => bays >= rec.drives + 1));
      expect(rec.freeBays).toBe(rec.bays - rec.drives - 1);
    }
    expect(recs[0]?.label).toMatch(/^2 × 14 TB SHR \(= RAID 1\) \+ 1 hot spare in a 4-bay unit/);
  });

  it("follows the scenario's filesystem and reserve", () => {
    const strict = recommendNas({ requiredBytes: 10 * TB, filesystem: "ext4", reservePercent: 30 });
    for (const rec of strict) expect(recompute(rec, { filesystem: "ext4", reservePercent: 30 }).availableBytes).toBeGreaterThanOrEqual(10 * TB);
    expect(strict[0]?.driveTB).toBeGreaterThan(14);
  });

  it("returns the top 10 by default, and nothing when even 12 × 24 TB is too small", () => {
    expect(recommendNas({ requiredBytes: 1 * TB })).toHaveLength(10);
    expect(recommendNas({ requiredBytes: 1000 * TB })).toEqual([]);
  });
});
