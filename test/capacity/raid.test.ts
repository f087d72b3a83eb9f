// NAS pool capacity: RAID and SHR layouts, hot spares, validation, DSM partitions, filesystem and reserve.
import { describe, expect, it } from "vitest";
import {
  BYTES_PER_TB,
  DSM_RESERVED_BYTES_PER_DRIVE,
  bytesToTiB,
  calculateNasCapacity,
  calculateRaidCapacity,
  formatTB,
  formatTiB,
  parseRaidLevel,
  raidConfigIssues,
  raidConfigProblems,
  type RaidLevel,
} from "../../lib/capacity/raid.ts";
import { AppError } from "../../lib/errors.ts";

const TB = BYTES_PER_TB;

describe("RAID and SHR usable capacity (golden cases)", () => {
  // [level, drives in TB, hot spares, usable TB, lost to mixed sizes TB, drives that may fail]
  const golden: [RaidLevel, number[], number, number, number, number][] = [
    // Issue 5: the common Synology examples.
    ["raid5", [4, 4, 4, 4], 0, 12, 0, 1],
    ["shr", [4, 4, 8, 8], 0, 16, 0, 1],
    ["raid5", [4, 4, 8, 8], 0, 12, 8, 1],
    // Classic levels: (n−1)·min, (n−2)·min, n/2·min, min.
    ["raid6", [8, 8, 8, 8, 8, 8], 0, 32, 0, 2],
    ["raid10", [4, 4, 4, 4], 0, 8, 0, 1],
    ["raid1", [4, 4], 0, 4, 0, 1],
    ["raid1", [4, 4, 4], 0, 4, 0, 2],
    ["raid6", [4, 4, 4, 8], 0, 8, 4, 2],
    ["raid10", [4, 4, 8, 8], 0, 8, 8, 1],
    ["raid1", [4, 8], 0, 4, 4, 1],
    // No redundancy: md RAID 0 stripes mixed sizes zone by zone; JBOD concatenates.
    ["raid0", [4, 8], 0, 12, 0, 0],
    ["jbod", [2, 4, 8], 0, 14, 0, 0],
    // SHR layers: 0–4 TB RAID 5 over 4 drives (12); 4–8 TB on one drive only: unused.
    ["shr", [4, 4, 4, 8], 0, 12, 4, 1],
    // Synology's classic mixed example: 6 + 2 + 1 = 9 TB (8.18 TiB; RAID 5 would give 6 TB = 5.46 TiB).
    ["shr", [2, 3, 4, 4], 0, 9, 0, 1],
    ["shr", [4, 8], 0, 4, 4, 1],
    ["shr", [4], 0, 4, 0, 0],
    ["shr", [8, 8, 8, 8], 0, 24, 0, 1],
    // SHR-2: layers need 3 drives; 4+ are RAID 6.
    ["shr2", [8, 8, 8, 8, 8], 0, 24, 0, 2],
    ["shr2", [4, 4, 8, 8], 0, 8, 8, 2],
    ["shr2", [4, 4, 4, 8, 8, 8], 0, 20, 0, 2],
    ["shr2", [4, 4, 4, 4, 8, 8, 8], 0, 24, 0, 2],
    // Hot spares: the largest drives are kept out of the pool.
    ["raid5", [8, 8, 8, 8, 8], 1, 24, 0, 1],
    ["shr", [4, 4, 8, 8, 8], 1, 16, 0, 1],
    ["raid6", [8, 8, 8, 8, 8, 8], 2, 16, 0, 2],
    ["raid5", [4, 4, 4, 8], 1, 8, 0, 1],
  ];

  it.each(golden)("%s over %j with %i hot spare(s) → %d TB usable, %d TB unused", (level, drivesTB, hotSpares, usableTB, unusedTB, tolerance) => {
    const result = calculateRaidCapacity({ level, drivesTB, hotSpares });
    expect(result.usableBytes).toBe(usableTB * TB);
    expect(result.unusedBytes).toBe(unusedTB * TB);
    expect(result.faultTolerance).toBe(tolerance);
    expect(result.rawBytes).toBe(drivesTB.reduce((sum, tb) => sum + tb, 0) * TB);
  });

  it.each(golden)("%s over %j: usable + redundancy + unused + spares = raw", (level, drivesTB, hotSpares) => {
    const result = calculateRaidCapacity({ level, drivesTB, hotSpares });
    expect(result.usableBytes + result.redundancyBytes + result.unusedBytes + result.spareBytes).toBe(result.rawBytes);
    expect(result.redundancyBytes).toBeGreaterThanOrEqual(0);
  });

  it("shows 4 × 4 TB RAID 5 as 12 TB and 10.91 TiB", () => {
    const result = calculateRaidCapacity({ level: "raid5", drivesTB: [4, 4, 4, 4] });
    expect(bytesToTiB(result.usableBytes)).toBeCloseTo(10.9139, 4);
    expect(formatTB(result.usableBytes)).toBe("12 TB");
    expect(formatTiB(result.usableBytes)).toBe("10.91 TiB");
    expect(result.explanations[0]).toBe("RAID 5 over 4 × 4 TB: one drive's worth (4 TB) holds parity, 12 TB (10.91 TiB) usable; 1 drive may fail.");
  });

  it("says that mixed sizes in RAID 5 lose the difference, and what SHR would make of the same drives", () => {
    const result = calculateRaidCapacity({ level: "raid5", drivesTB: [4, 4, 8, 8] });
    expect(result.explanations).toContain(
      "Mixed drive sizes: RAID 5 uses only the smallest drive's 4 TB from every drive, so 8 TB is lost (4 TB on each 8 TB drive). SHR would make 16 TB usable from the same drives.",
    );
    expect(calculateRaidCapacity({ level: "raid6", drivesTB: [4, 4, 4, 8, 8, 8] }).explanations.at(-1)).toBe(
      "Mixed drive sizes: RAID 6 uses only the smallest drive's 4 TB from every drive, so 12 TB is lost (4 TB on each 8 TB drive). SHR-2 would make 20 TB usable from the same drives.",
    );
  });

  it("does not offer SHR where it would gain nothing", () => {
    expect(calculateRaidCapacity({ level: "raid1", drivesTB: [4, 8] }).explanations.at(-1)).toBe(
      "Mixed drive sizes: RAID 1 uses only the smallest drive's 4 TB from every drive, so 4 TB is lost (4 TB on each 8 TB drive).",
    );
  });

  it("says nothing about lost space when the drives are equal", () => {
    const result = calculateRaidCapacity({ level: "raid6", drivesTB: [8, 8, 8, 8] });
    expect(result.explanations.join(" ")).not.toMatch(/lost|unused/);
  });

  it("lays SHR out in layers: RAID 5 where 3+ drives reach, RAID 1 where 2 do", () => {
    const result = calculateRaidCapacity({ level: "shr", drivesTB: [2, 3, 4, 4] });
    expect(result.layers.map((layer) => [layer.fromBytes / TB, layer.toBytes / TB, layer.drives, layer.protection, layer.usableBytes / TB])).toEqual([
      [0, 2, 4, "RAID 5 over 4 drives", 6],
      [2, 3, 3, "RAID 5 over 3 drives", 2],
      [3, 4, 2, "RAID 1 over 2 drives", 1],
    ]);
    expect(formatTiB(result.usableBytes)).toBe("8.19 TiB");
  });

  it("explains the SHR layer only the largest drive reaches as unused until a second such drive is added", () => {
    const result = calculateRaidCapacity({ level: "shr", drivesTB: [4, 4, 4, 8] });
    expect(result.layers[1]).toMatchObject({ drives: 1, protection: "unused (only 1 drive reaches this far)", unusedBytes: 4 * TB });
    expect(result.explanations[1]).toBe(
      "4 TB on the largest drives is unused: SHR needs at least 2 drives reaching that far to protect it; it becomes usable when another drive at least that large is added.",
    );
  });

  it("keeps 3-drive SHR-2 layers as three copies and 2-drive layers unused", () => {
    expect(calculateRaidCapacity({ level: "shr2", drivesTB: [4, 4, 4, 8, 8, 8] }).layers.map((layer) => layer.protection)).toEqual([
      "RAID 6 over 6 drives",
      "3 copies over 3 drives",
    ]);
    expect(calculateRaidCapacity({ level: "shr2", drivesTB: [4, 4, 8, 8] }).layers[1]?.protection).toBe("unused (only 2 drives reach this far)");
  });

  it("takes the largest drives as hot spares and says why", () => {
    const result = calculateRaidCapacity({ level: "shr", drivesTB: [8, 4, 8, 4, 8], hotSpares: 1 });
    expect(result.spareDrivesTB).toEqual([8]);
    expect(result.memberDrivesTB).toEqual([8, 4, 8, 4]);
    expect(result.spareBytes).toBe(8 * TB);
    expect(result.explanations.at(-1)).toMatch(/^1 hot spare \(1 × 8 TB\) is kept out of the pool, the largest drives: Synology needs a spare at least as large as the largest SHR drive/);
  });

  it("warns that a single-drive SHR, RAID 0 and JBOD have no redundancy", () => {
    expect(calculateRaidCapacity({ level: "shr", drivesTB: [4] }).warnings).toEqual([
      "SHR with 1 drive has no redundancy: a failed drive loses the pool (add a second drive to protect it)",
    ]);
    expect(calculateRaidCapacity({ level: "raid0", drivesTB: [4, 4] }).warnings).toEqual(["RAID 0 has no redundancy: one failed drive loses the whole pool"]);
    expect(calculateRaidCapacity({ level: "jbod", drivesTB: [4] }).warnings).toEqual(["JBOD has no redundancy: one failed drive loses the whole volume"]);
    expect(calculateRaidCapacity({ level: "shr", drivesTB: [4, 4] }).warnings).toEqual([]);
  });

  it("accepts fractional drive sizes exactly in bytes", () => {
    expect(calculateRaidCapacity({ level: "raid1", drivesTB: [1.92, 1.92] }).usableBytes).toBe(1_920_000_000_000);
  });
});

describe("RAID configuration problems (exact messages)", () => {
  const cases: [RaidLevel, number[], number, string][] = [
    ["raid5", [4, 4], 0, "RAID 5 needs at least 3 drives (got 2)"],
    ["raid6", [4, 4, 4], 0, "RAID 6 needs at least 4 drives (got 3)"],
    ["raid10", [4, 4, 4, 4, 4], 0, "RAID 10 needs an even number of drives, at least 4 (got 5)"],
    ["raid10", [4, 4], 0, "RAID 10 needs an even number of drives, at least 4 (got 2)"],
    ["raid1", [4], 0, "RAID 1 needs at least 2 drives (got 1)"],
    ["raid0", [4], 0, "RAID 0 needs at least 2 drives (got 1)"],
    ["jbod", [], 0, "JBOD needs at least 1 drive (got 0)"],
    ["shr", [], 0, "SHR needs at least 1 drive (got 0)"],
    ["shr2", [4, 4, 4], 0, "SHR-2 needs at least 4 drives (got 3)"],
    ["raid5", [4, 4, 4], 1, "RAID 5 needs at least 3 drives (got 2 after 1 hot spare)"],
    ["raid6", [4, 4, 4, 4, 4], 2, "RAID 6 needs at least 4 drives (got 3 after 2 hot spares)"],
    ["shr", [4, 4], 1, "SHR with a hot spare needs at least 2 drives in the pool (got 1 after 1 hot spare)"],
    ["raid0", [4, 4, 4], 1, "RAID 0 cannot have hot spares: only RAID 1, 5, 6, 10, SHR (2 or more drives) and SHR-2 rebuild onto a spare"],
    ["jbod", [4, 4], 1, "JBOD cannot have hot spares: only RAID 1, 5, 6, 10, SHR (2 or more drives) and SHR-2 rebuild onto a spare"],
    ["raid5", [4, 4, 4], 1.5, "hot spares must be a whole number, 0 or more (got 1.5)"],
    ["shr", [4, 0, 4], 0, "drive 2: size must be a positive number of TB (got 0)"],
    ["shr", [4, 4000], 0, "drive 2: 4000 TB is larger than any drive sold (max 200 TB); sizes are in TB, not GB"],
  ];

  it.each(cases)("%s over %j with %s spare(s): %s", (level, drivesTB, hotSpares, message) => {
    expect(raidConfigProblems({ level, drivesTB, hotSpares })).toContain(message);
  });

  it("names the field each problem is about", () => {
    expect(raidConfigIssues({ level: "raid5", drivesTB: [4, -1] })).toEqual([
      { path: ["drivesTB", 1], message: "drive 2: size must be a positive number of TB (got -1)" },
      { path: ["drivesTB"], message: "RAID 5 needs at least 3 drives (got 2)" },
    ]);
  });

  it("throws every problem at once as an invalid-input AppError", () => {
    let thrown: unknown;
    try {
      calculateRaidCapacity({ level: "raid5", drivesTB: [4, 0] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({
      code: "invalid-input",
      message: "drive 2: size must be a positive number of TB (got 0); RAID 5 needs at least 3 drives (got 2)",
    });
  });

  it("has no problems for valid configurations", () => {
    expect(raidConfigProblems({ level: "shr", drivesTB: [4] })).toEqual([]);
    expect(raidConfigProblems({ level: "raid10", drivesTB: [4, 4, 4, 4, 4], hotSpares: 1 })).toEqual([]);
  });

  it("reads RAID level names as people write them", () => {
    expect(["RAID 5", "raid5", "Raid-5", "SHR", "SHR-1", "shr-2", "SHR2", "RAID 1+0", "JBOD"].map(parseRaidLevel)).toEqual([
      "raid5", "raid5", "raid5", "shr", "shr", "shr2", "shr2", "raid10", "jbod",
    ]);
    expect(parseRaidLevel("raid7")).toBeUndefined();
  });
});

describe("NAS capacity: DSM partitions, filesystem and reserve", () => {
  it("takes DSM's 4.84 GB per drive, 2 % for Btrfs and 20 % reserve by default", () => {
    const nas = calculateNasCapacity({ level: "raid5", drivesTB: [4, 4, 4, 4] });
    expect(nas.usableBytes).toBe(12 * TB);
    // RAID 5 over four drives each 4.84 GB smaller: three drives' worth of partitions leave the pool.
    expect(nas.systemBytesPerDrive).toBe(DSM_RESERVED_BYTES_PER_DRIVE);
    expect(nas.systemPartitionBytes).toBe(3 * 4_840_079_360);
    const device = 12 * TB - 3 * 4_840_079_360;
    expect(nas.filesystemOverheadBytes).toBe(Math.round(device * 0.02));
    expect(nas.volumeBytes).toBe(device - Math.round(device * 0.02));
    expect(nas.reserveBytes).toBe(Math.round(nas.volumeBytes * 0.2));
    expect(nas.availableBytes).toBe(9_396_616_133_346);
    expect(nas.filesystem).toMatchObject({ name: "btrfs", overheadPercent: 2 });
  });

  it("charges the DSM partitions to the SHR layer every drive shares", () => {
    const nas = calculateNasCapacity({ level: "shr", drivesTB: [4, 4, 8, 8] });
    expect(nas.systemPartitionBytes).toBe(3 * DSM_RESERVED_BYTES_PER_DRIVE);
  });

  it("sizes ext4 from mke2fs defaults: inode tables by volume size, 5 % reserved blocks, a 1 GiB journal", () => {
    const options = { systemGBPerDrive: 0, filesystem: "ext4" as const, reservePercent: 0 };
    // 2 TB volume (< 4 TiB): one 256-byte inode per 16 KiB.
    const small = calculateNasCapacity({ level: "raid1", drivesTB: [2, 2], ...options });
    expect(small.filesystemOverheadBytes).toBe(31_250_000_000 + 100_000_000_000 + 2 ** 30);
    // 12 TB volume (4–16 TiB): one per 32 KiB.
    const big = calculateNasCapacity({ level: "raid5", drivesTB: [4, 4, 4, 4], ...options });
    expect(big.filesystemOverheadBytes).toBe(93_750_000_000 + 600_000_000_000 + 2 ** 30);
    expect(big.filesystem.reason).toMatch(/one per 32 KiB/);
    // 24 TB volume (≥ 16 TiB): one per 64 KiB.
    const huge = calculateNasCapacity({ level: "raid5", drivesTB: [8, 8, 8, 8], ...options });
    expect(huge.filesystemOverheadBytes).toBe(93_750_000_000 + 1_200_000_000_000 + 2 ** 30);
  });

  it("leaves the whole RAID capacity available with no DSM partitions, no filesystem overhead and no reserve", () => {
    const nas = calculateNasCapacity({ level: "raid6", drivesTB: [8, 8, 8, 8, 8, 8], systemGBPerDrive: 0, filesystem: "none", reservePercent: 0 });
    expect(nas.availableBytes).toBe(32 * TB);
  });

  it("takes a custom filesystem overhead and reserve", () => {
    const nas = calculateNasCapacity({ level: "raid1", drivesTB: [10, 10], systemGBPerDrive: 0, filesystem: { overheadPercent: 10 }, reservePercent: 50 });
    expect(nas.volumeBytes).toBe(9 * TB);
    expect(nas.availableBytes).toBe(4.5 * TB);
  });

  it("explains every step from usable to available", () => {
    const nas = calculateNasCapacity({ level: "raid5", drivesTB: [4, 4, 4, 4] });
    expect(nas.explanations.slice(1)).toEqual([
      "The NAS system takes 4.84 GB of every drive (DSM system and swap partitions): 14.5 GB of the pool.",
      "Filesystem: Btrfs metadata allowance of 2 %: checksums (0.1 % of the data, stored twice), extent trees, the global reserve and chunk slack; snapshots not included — 239.7 GB, leaving a 11.75 TB (10.68 TiB) volume.",
      "20 % of the volume (2.35 TB) is kept free, so 9.4 TB (8.55 TiB) may be filled.",
    ]);
  });

  it("rejects reserve, overhead and system settings out of range with exact messages", () => {
    expect(() => calculateNasCapacity({ level: "shr", drivesTB: [4, 4], reservePercent: 95 })).toThrow("reservePercent must be between 0 and 90 (got 95)");
    expect(() => calculateNasCapacity({ level: "shr", drivesTB: [4, 4], filesystem: { overheadPercent: -1 } })).toThrow(
      "filesystem.overheadPercent must be between 0 and 50 (got -1)",
    );
    expect(() => calculateNasCapacity({ level: "shr", drivesTB: [4, 4], systemGBPerDrive: 500 })).toThrow("systemGBPerDrive must be between 0 and 100 (got 500)");
    expect(() => calculateNasCapacity({ level: "shr", drivesTB: [0.004, 4] })).toThrow(
      "drive 1: 0.004 TB is smaller than the 4.84 GB reserved on every drive for the NAS system",
    );
  });
});
