// NAS pool capacity: how much of the drives a RAID level or Synology Hybrid RAID
// (SHR) leaves usable, what the filesystem and DSM take, and what may be filled
// once a keep-free reserve is set aside. Drives come in decimal TB, as they are
// sold; every result is in bytes, with TB and TiB helpers for display.
// Pure: numbers in, numbers and explanation strings out.
import { AppError } from "../errors.ts";

export const BYTES_PER_TB = 1e12;
export const BYTES_PER_TIB = 2 ** 40;
export const BYTES_PER_GB = 1e9;

export const RAID_LEVELS = ["raid0", "raid1", "raid5", "raid6", "raid10", "jbod", "shr", "shr2"] as const;
export type RaidLevel = (typeof RAID_LEVELS)[number];

export const RAID_LABELS: Readonly<Record<RaidLevel, string>> = {
  raid0: "RAID 0",
  raid1: "RAID 1",
  raid5: "RAID 5",
  raid6: "RAID 6",
  raid10: "RAID 10",
  jbod: "JBOD",
  shr: "SHR",
  shr2: "SHR-2",
};

/** Largest single drive accepted. The biggest drives sold are ~123 TB SSDs; a larger number is almost always GB typed as TB. */
export const MAX_DRIVE_TB = 200;
/** Drives in one pool: far above any enclosure plus expansion units a planner is asked about; stops a runaway generated list. */
export const MAX_DRIVES = 100;
/** Byte counts are JavaScript numbers, exact up to 2^53 bytes (≈ 9,007 TB); a pool beyond that would round silently. */
export const MAX_RAW_BYTES = Number.MAX_SAFE_INTEGER;

/**
 * What DSM takes from every drive before the storage pool: a 2.4 GB system partition (RAID 1 over all
 * drives), a 2 GiB swap partition and alignment, so the data partition starts at sector 9,453,280
 * (sfdisk listing of a DSM drive: sdX1 4,980,480 sectors, sdX2 4,194,304 sectors, sdX5 from 9,453,280).
 * Some DSM releases make the system partition larger; set `systemGBPerDrive` to match, or 0 off Synology.
 */
export const DSM_RESERVED_BYTES_PER_DRIVE = 9_453_280 * 512;

/**
 * Btrfs planning allowance. For a library of multi-GB files the metadata is small: data checksums are
 * 4 bytes per 4 KiB block (0.1 %, stored twice in DUP metadata), plus extent and chunk trees, the global
 * reserve (up to 512 MiB) and chunk-allocation slack. 2 % covers that with room to spare; snapshots of
 * deleted models are extra and not counted.
 */
export const BTRFS_OVERHEAD_PERCENT = 2;
/** ext4 root-reserved blocks: mke2fs's default `-m 5`; ordinary users cannot write them (tune2fs -m 0 returns them). */
export const EXT4_RESERVED_PERCENT = 5;
/** ext4 inode size: mke2fs.conf default `inode_size = 256`. */
export const EXT4_INODE_BYTES = 256;
/** ext4 journal: e2fsprogs' default journal size for filesystems above 128 GiB. */
export const EXT4_JOURNAL_BYTES = 2 ** 30;
/** Default keep-free share: a copy-on-write pool slows and fragments when nearly full, and a multi-GB copy must not fail half-way. */
export const DEFAULT_RESERVE_PERCENT = 20;
/** Above this the "reserve" is no longer a reserve but a different pool size; catches a fraction typed as a percent. */
export const MAX_RESERVE_PERCENT = 90;
/** A filesystem that takes more than half of the pool is a typo, not a filesystem. */
export const MAX_OVERHEAD_PERCENT = 50;
/** Per-drive system reservation above this is not DSM (its partitions total a few GB). */
export const MAX_SYSTEM_GB_PER_DRIVE = 100;

// ---------------------------------------------------------------------------
// Units

export function tbToBytes(tb: number): number {
  return Math.round(tb * BYTES_PER_TB);
}

export function bytesToTB(bytes: number): number {
  return bytes / BYTES_PER_TB;
}

export function bytesToTiB(bytes: number): number {
  return bytes / BYTES_PER_TIB;
}

function trimNumber(value: number, decimals: number): string {
  return Number(value.toFixed(decimals)).toString();
}

/** "12 TB", "10.91 TB": decimal terabytes, as drives are sold. */
export function formatTB(bytes: number): string {
  return `${trimNumber(bytesToTB(bytes), 2)} TB`;
}

/** "10.91 TiB": binary terabytes, as operating systems report. */
export function formatTiB(bytes: number): string {
  return `${trimNumber(bytesToTiB(bytes), 2)} TiB`;
}

/** Decimal bytes at a readable scale: "4.68 GB", "1.2 TB", "350 MB". */
export function formatDecimalBytes(bytes: number): string {
  const sign = bytes < 0 ? "-" : "";
  const value = Math.abs(bytes);
  const units: [number, string][] = [
    [1e15, "PB"],
    [1e12, "TB"],
    [1e9, "GB"],
    [1e6, "MB"],
    [1e3, "kB"],
  ];
  for (const [size, unit] of units) {
    if (value >= size) return `${sign}${trimNumber(value / size, value / size < 10 ? 2 : 1)} ${unit}`;
  }
  return `${sign}${value} B`;
}

/** "raid5", "RAID 5", "raid-5", "SHR-2", "shr2", "SHR-1", "RAID 1+0" → the level; undefined otherwise. */
export function parseRaidLevel(text: string): RaidLevel | undefined {
  const key = text.trim().toLowerCase().replace(/[\s_-]/g, "");
  const aliases: Record<string, RaidLevel> = { shr1: "shr", "raid1+0": "raid10", basic: "jbod" };
  const level = aliases[key] ?? key;
  return (RAID_LEVELS as readonly string[]).includes(level) ? (level as RaidLevel) : undefined;
}

// ---------------------------------------------------------------------------
// RAID layout

export interface RaidConfig {
  level: RaidLevel;
  /** Every drive in the unit, hot spares included, in decimal TB. */
  drivesTB: readonly number[];
  /** Drives kept out of the pool as hot spares: the largest ones (see `calculateRaidCapacity`). */
  hotSpares?: number;
}

/** One SHR layer: the same slice of every drive that reaches that far, protected as one md array. */
export interface RaidLayer {
  /** Offset on the drives where the layer starts and ends, in bytes. */
  fromBytes: number;
  toBytes: number;
  drives: number;
  protection: string;
  usableBytes: number;
  redundancyBytes: number;
  unusedBytes: number;
}

export interface RaidCapacity {
  level: RaidLevel;
  label: string;
  /** Drives in the pool (input order, spares removed). */
  memberDrivesTB: number[];
  spareDrivesTB: number[];
  /** Every drive, spares included: what was bought. */
  rawBytes: number;
  /** After RAID: what the pool offers before any filesystem. */
  usableBytes: number;
  /** Parity and mirror copies. */
  redundancyBytes: number;
  /** Lost to mixed drive sizes. */
  unusedBytes: number;
  spareBytes: number;
  /** Drives that may fail at once without data loss (the guaranteed number). */
  faultTolerance: number;
  /** SHR and SHR-2 only. */
  layers: RaidLayer[];
  warnings: string[];
  explanations: string[];
}

interface LevelRule {
  minDrives: number;
  evenOnly: boolean;
  /** Synology: a hot spare protects RAID 1/5/6/10 and SHR of at least two drives; never RAID 0, JBOD or Basic. */
  sparesAllowed: boolean;
}

const LEVEL_RULES: Readonly<Record<RaidLevel, LevelRule>> = {
  raid0: { minDrives: 2, evenOnly: false, sparesAllowed: false },
  raid1: { minDrives: 2, evenOnly: false, sparesAllowed: true },
  raid5: { minDrives: 3, evenOnly: false, sparesAllowed: true },
  raid6: { minDrives: 4, evenOnly: false, sparesAllowed: true },
  raid10: { minDrives: 4, evenOnly: true, sparesAllowed: true },
  jbod: { minDrives: 1, evenOnly: false, sparesAllowed: false },
  shr: { minDrives: 1, evenOnly: false, sparesAllowed: true },
  shr2: { minDrives: 4, evenOnly: false, sparesAllowed: true },
};

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** One problem with a NAS configuration: the field it is about (for a form or a schema path) and an exact sentence. */
export interface ConfigIssue {
  path: (string | number)[];
  message: string;
}

/** Every problem with a RAID configuration, with the field it concerns; empty when it is valid. */
export function raidConfigIssues(config: RaidConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const label = RAID_LABELS[config.level];
  const rule = LEVEL_RULES[config.level];
  const spares = config.hotSpares ?? 0;
  if (config.drivesTB.length > MAX_DRIVES) add(["drivesTB"], `at most ${MAX_DRIVES} drives are supported (got ${config.drivesTB.length})`);
  config.drivesTB.forEach((tb, index) => {
    if (!Number.isFinite(tb) || tb <= 0) add(["drivesTB", index], `drive ${index + 1}: size must be a positive number of TB (got ${tb})`);
    else if (tb > MAX_DRIVE_TB) add(["drivesTB", index], `drive ${index + 1}: ${tb} TB is larger than any drive sold (max ${MAX_DRIVE_TB} TB); sizes are in TB, not GB`);
  });
  const rawBytes = config.drivesTB.reduce((sum, tb) => sum + (Number.isFinite(tb) && tb > 0 ? tbToBytes(tb) : 0), 0);
  if (rawBytes > MAX_RAW_BYTES) add(["drivesTB"], `total raw capacity ${formatTB(rawBytes)} is above the ${formatTB(MAX_RAW_BYTES)} this planner computes exactly`);
  if (!Number.isInteger(spares) || spares < 0) {
    add(["hotSpares"], `hot spares must be a whole number, 0 or more (got ${spares})`);
    return issues;
  }
  if (spares > 0 && !rule.sparesAllowed) {
    add(["hotSpares"], `${label} cannot have hot spares: only RAID 1, 5, 6, 10, SHR (2 or more drives) and SHR-2 rebuild onto a spare`);
  }
  const members = config.drivesTB.length - spares;
  const after = spares > 0 ? ` after ${plural(spares, "hot spare")}` : "";
  if (rule.evenOnly && (members < rule.minDrives || members % 2 !== 0)) {
    add(["drivesTB"], `${label} needs an even number of drives, at least ${rule.minDrives} (got ${members}${after})`);
  } else if (members < rule.minDrives) {
    add(["drivesTB"], `${label} needs at least ${plural(rule.minDrives, "drive")} (got ${members}${after})`);
  } else if (config.level === "shr" && spares > 0 && members < 2) {
    add(["hotSpares"], `SHR with a hot spare needs at least 2 drives in the pool (got ${members}${after})`);
  }
  return issues;
}

/** Every problem with a RAID configuration, as exact sentences; empty when it is valid. */
export function raidConfigProblems(config: RaidConfig): string[] {
  return raidConfigIssues(config).map((issue) => issue.message);
}

function throwIfInvalid(problems: string[]): void {
  if (problems.length > 0) throw new AppError("invalid-input", problems.join("; "), { details: { problems } });
}

/**
 * Hot spares are taken from the largest drives. Synology requires a spare at least as large as the
 * largest drive of an SHR pool, and at least as large as the smallest member of RAID 1/5/6/10
 * (kb.synology.com, Storage Manager › Hot Spare); the largest drives satisfy both rules, and for
 * RAID 1/5/6/10 (which use only the smallest drive's size from every member) taking them never
 * lowers the usable space below what a spare of any other size would leave.
 */
function splitSpares(drivesTB: readonly number[], spares: number): { members: number[]; spareDrives: number[] } {
  const order = drivesTB.map((tb, index) => ({ tb, index })).sort((a, b) => b.tb - a.tb || b.index - a.index);
  const spareIndexes = new Set(order.slice(0, spares).map((entry) => entry.index));
  return {
    members: drivesTB.filter((_, index) => !spareIndexes.has(index)),
    spareDrives: order.slice(0, spares).map((entry) => entry.tb),
  };
}

interface PoolLayout {
  usableBytes: number;
  unusedBytes: number;
  layers: RaidLayer[];
}

/** Usable and unused bytes for member drive sizes in bytes (also used with DSM's partitions taken off). */
function layoutPool(level: RaidLevel, members: readonly number[]): PoolLayout {
  const count = members.length;
  const smallest = Math.min(...members);
  const total = members.reduce((sum, size) => sum + size, 0);
  const excess = total - smallest * count;
  switch (level) {
    case "raid0":
    case "jbod":
      // Linux md (which DSM uses) stripes RAID 0 zone by zone, so mixed sizes are used in full.
      return { usableBytes: total, unusedBytes: 0, layers: [] };
    case "raid1":
      return { usableBytes: smallest, unusedBytes: excess, layers: [] };
    case "raid5":
      return { usableBytes: (count - 1) * smallest, unusedBytes: excess, layers: [] };
    case "raid6":
      return { usableBytes: (count - 2) * smallest, unusedBytes: excess, layers: [] };
    case "raid10":
      return { usableBytes: (count / 2) * smallest, unusedBytes: excess, layers: [] };
    case "shr":
    case "shr2":
      return layoutShr(level === "shr2" ? 2 : 1, members);
  }
}

/**
 * Synology Hybrid RAID: sort the drives, cut them into layers at every distinct size, and protect each
 * layer across the drives that reach it — with 1-drive redundancy RAID 5 (3+ drives) or RAID 1 (2),
 * with 2-drive redundancy RAID 6 (4+) or three copies (3). A layer reached by too few drives stays
 * unused until a drive at least that large is added. A single-drive SHR is a plain volume.
 */
function layoutShr(redundancy: 1 | 2, members: readonly number[]): PoolLayout {
  const sorted = [...members].sort((a, b) => a - b);
  const layers: RaidLayer[] = [];
  let previous = 0;
  sorted.forEach((size, index) => {
    if (size === previous) return;
    const drives = sorted.length - index;
    const thickness = size - previous;
    const layer = { fromBytes: previous, toBytes: size, drives };
    previous = size;
    if (sorted.length === 1) {
      layers.push({ ...layer, protection: "none (single drive)", usableBytes: thickness, redundancyBytes: 0, unusedBytes: 0 });
    } else if (drives > redundancy) {
      const usable = (drives - redundancy) * thickness;
      const protection =
        redundancy === 1
          ? drives >= 3 ? `RAID 5 over ${drives} drives` : "RAID 1 over 2 drives"
          : drives >= 4 ? `RAID 6 over ${drives} drives` : "3 copies over 3 drives";
      layers.push({ ...layer, protection, usableBytes: usable, redundancyBytes: drives * thickness - usable, unusedBytes: 0 });
    } else {
      const reach = `only ${plural(drives, "drive")} ${drives === 1 ? "reaches" : "reach"} this far`;
      layers.push({ ...layer, protection: `unused (${reach})`, usableBytes: 0, redundancyBytes: 0, unusedBytes: drives * thickness });
    }
  });
  return {
    usableBytes: layers.reduce((sum, layer) => sum + layer.usableBytes, 0),
    unusedBytes: layers.reduce((sum, layer) => sum + layer.unusedBytes, 0),
    layers,
  };
}

function faultToleranceOf(level: RaidLevel, members: number): number {
  switch (level) {
    case "raid0":
    case "jbod":
      return 0;
    case "raid1":
      return members - 1;
    case "raid5":
    case "raid10":
      return 1;
    case "raid6":
    case "shr2":
      return 2;
    case "shr":
      return members === 1 ? 0 : 1;
  }
}

function tbList(drivesTB: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const tb of [...drivesTB].sort((a, b) => b - a)) counts.set(tb, (counts.get(tb) ?? 0) + 1);
  return [...counts].map(([tb, count]) => `${count} × ${tb} TB`).join(" + ");
}

/**
 * Raw, usable, redundancy and unused bytes of a RAID or SHR pool, with the SHR layers, warnings and
 * plain-language explanations. Throws AppError("invalid-input") listing every problem
 * (see `raidConfigProblems`).
 */
export function calculateRaidCapacity(config: RaidConfig): RaidCapacity {
  throwIfInvalid(raidConfigProblems(config));
  const spares = config.hotSpares ?? 0;
  const label = RAID_LABELS[config.level];
  const { members, spareDrives } = splitSpares(config.drivesTB, spares);
  const memberBytes = members.map(tbToBytes);
  const rawBytes = config.drivesTB.reduce((sum, tb) => sum + tbToBytes(tb), 0);
  const spareBytes = spareDrives.reduce((sum, tb) => sum + tbToBytes(tb), 0);
  const layout = layoutPool(config.level, memberBytes);
  const memberTotal = memberBytes.reduce((sum, size) => sum + size, 0);
  const redundancyBytes = memberTotal - layout.usableBytes - layout.unusedBytes;
  const faultTolerance = faultToleranceOf(config.level, members.length);
  const smallest = Math.min(...memberBytes);

  const warnings: string[] = [];
  const explanations: string[] = [];
  const usable = `${formatTB(layout.usableBytes)} (${formatTiB(layout.usableBytes)}) usable`;
  const pool = tbList(members);
  switch (config.level) {
    case "raid0":
      warnings.push("RAID 0 has no redundancy: one failed drive loses the whole pool");
      explanations.push(
        `RAID 0 over ${pool} stripes without redundancy: ${usable}. Linux md (which DSM uses) stripes mixed sizes zone by zone, so no space is lost to them.`,
      );
      break;
    case "jbod":
      warnings.push("JBOD has no redundancy: one failed drive loses the whole volume");
      explanations.push(`JBOD joins ${pool} end to end without redundancy: ${usable}.`);
      break;
    case "raid1":
      explanations.push(
        `RAID 1 mirrors ${pool}: every drive holds the same data, ${usable}; ${plural(faultTolerance, "drive")} may fail.`,
      );
      break;
    case "raid5":
    case "raid6": {
      const share = config.level === "raid5" ? "one drive's worth" : "two drives' worth";
      explanations.push(`${label} over ${pool}: ${share} (${formatTB(redundancyBytes)}) holds parity, ${usable}; ${plural(faultTolerance, "drive")} may fail.`);
      break;
    }
    case "raid10":
      explanations.push(
        `RAID 10 over ${pool} mirrors the drives in pairs and stripes across the pairs: ${formatTB(redundancyBytes)} holds mirror copies, ${usable}; 1 drive may fail (more only if each failure hits a different pair).`,
      );
      break;
    case "shr":
    case "shr2":
      if (members.length === 1) {
        warnings.push("SHR with 1 drive has no redundancy: a failed drive loses the pool (add a second drive to protect it)");
      }
      explanations.push(
        `${label} over ${pool} splits the drives into layers by size: ` +
          layout.layers
            .map((layer) => `${formatTB(layer.fromBytes)}–${formatTB(layer.toBytes)} ${layer.protection}${layer.usableBytes > 0 ? ` (${formatTB(layer.usableBytes)})` : ""}`)
            .join("; ") +
          `. ${usable}.`,
      );
      break;
  }

  if (layout.unusedBytes > 0) {
    if (config.level === "shr" || config.level === "shr2") {
      const needed = config.level === "shr" ? 2 : 3;
      explanations.push(
        `${formatTB(layout.unusedBytes)} on the largest drives is unused: ${label} needs at least ${needed} drives reaching that far to protect it; it becomes usable when another drive at least that large is added.`,
      );
    } else {
      const larger = [...new Set(members.filter((tb) => tbToBytes(tb) > smallest))].sort((a, b) => b - a);
      const perDrive = larger.map((tb) => `${formatTB(tbToBytes(tb) - smallest)} on each ${tb} TB drive`).join(", ");
      // The hybrid level with the same redundancy, for comparison: SHR-2 for RAID 6, SHR otherwise.
      const hybrid = config.level === "raid6" ? "shr2" : "shr";
      const hybridUsable = layoutPool(hybrid, memberBytes).usableBytes;
      const alternative = hybridUsable > layout.usableBytes ? ` ${RAID_LABELS[hybrid]} would make ${formatTB(hybridUsable)} usable from the same drives.` : "";
      explanations.push(
        `Mixed drive sizes: ${label} uses only the smallest drive's ${formatTB(smallest)} from every drive, so ${formatTB(layout.unusedBytes)} is lost (${perDrive}).${alternative}`,
      );
    }
  }
  if (spares > 0) {
    explanations.push(
      `${plural(spares, "hot spare")} (${tbList(spareDrives)}) ${spares === 1 ? "is" : "are"} kept out of the pool, the largest drives: Synology needs a spare at least as large as the largest SHR drive (and as the smallest RAID 1/5/6/10 member).`,
    );
  }

  return {
    level: config.level,
    label,
    memberDrivesTB: members,
    spareDrivesTB: spareDrives,
    rawBytes,
    usableBytes: layout.usableBytes,
    redundancyBytes,
    unusedBytes: layout.unusedBytes,
    spareBytes,
    faultTolerance,
    layers: layout.layers,
    warnings,
    explanations,
  };
}

// ---------------------------------------------------------------------------
// Filesystem, DSM partitions and reserve

export const FILESYSTEM_NAMES = ["btrfs", "ext4", "none"] as const;
export type FilesystemName = (typeof FILESYSTEM_NAMES)[number];
export type FilesystemSetting = FilesystemName | { overheadPercent: number };

export interface NasConfig extends RaidConfig {
  /** Default "btrfs" (DSM's default). */
  filesystem?: FilesystemSetting;
  /** Decimal GB DSM reserves on every drive; default DSM_RESERVED_BYTES_PER_DRIVE (4.84 GB); 0 off Synology. */
  systemGBPerDrive?: number;
  /** Share of the volume kept free; default 20. */
  reservePercent?: number;
}

export interface NasCapacity extends RaidCapacity {
  systemBytesPerDrive: number;
  /** What DSM's system and swap partitions cost the pool (usable before minus usable after taking them off every drive). */
  systemPartitionBytes: number;
  filesystem: { name: string; overheadPercent: number; reason: string };
  filesystemOverheadBytes: number;
  /** The volume as the NAS reports it: after RAID, DSM partitions and filesystem metadata, before the reserve. */
  volumeBytes: number;
  reservePercent: number;
  reserveBytes: number;
  /** What may be filled: the volume minus the keep-free reserve. */
  availableBytes: number;
}

/** ext4 bytes per inode by filesystem size: mke2fs picks usage type "default" below 4 TiB, "big" below 16 TiB, else "huge" (mke2fs.conf). */
function ext4InodeRatio(deviceBytes: number): number {
  if (deviceBytes < 4 * BYTES_PER_TIB) return 16_384;
  if (deviceBytes < 16 * BYTES_PER_TIB) return 32_768;
  return 65_536;
}

function filesystemOverhead(setting: FilesystemSetting, deviceBytes: number): { bytes: number; name: string; reason: string } {
  if (typeof setting === "object") {
    return {
      bytes: Math.round((deviceBytes * setting.overheadPercent) / 100),
      name: "custom",
      reason: `custom filesystem overhead of ${setting.overheadPercent} %`,
    };
  }
  switch (setting) {
    case "btrfs":
      return {
        bytes: Math.round((deviceBytes * BTRFS_OVERHEAD_PERCENT) / 100),
        name: "btrfs",
        reason: `Btrfs metadata allowance of ${BTRFS_OVERHEAD_PERCENT} %: checksums (0.1 % of the data, stored twice), extent trees, the global reserve and chunk slack; snapshots not included`,
      };
    case "ext4": {
      const ratio = ext4InodeRatio(deviceBytes);
      const inodeTables = Math.round((deviceBytes * EXT4_INODE_BYTES) / ratio);
      const reserved = Math.round((deviceBytes * EXT4_RESERVED_PERCENT) / 100);
      return {
        bytes: inodeTables + reserved + EXT4_JOURNAL_BYTES,
        name: "ext4",
        reason: `ext4: inode tables ${formatDecimalBytes(inodeTables)} (${EXT4_INODE_BYTES}-byte inodes, one per ${ratio / 1024} KiB, mke2fs defaults for this size), ${EXT4_RESERVED_PERCENT} % root-reserved blocks ${formatDecimalBytes(reserved)} (tune2fs -m 0 returns them) and a 1 GiB journal`,
      };
    }
    case "none":
      return { bytes: 0, name: "none", reason: "no filesystem overhead counted" };
  }
}

/** Every problem with the filesystem, DSM and reserve settings, with the field it concerns. */
export function nasSettingsIssues(config: NasConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const reserve = config.reservePercent ?? DEFAULT_RESERVE_PERCENT;
  if (!Number.isFinite(reserve) || reserve < 0 || reserve > MAX_RESERVE_PERCENT) {
    add(["reservePercent"], `reservePercent must be between 0 and ${MAX_RESERVE_PERCENT} (got ${reserve})`);
  }
  const filesystem = config.filesystem ?? "btrfs";
  if (typeof filesystem === "object") {
    const percent = filesystem.overheadPercent;
    if (!Number.isFinite(percent) || percent < 0 || percent > MAX_OVERHEAD_PERCENT) {
      add(["filesystem", "overheadPercent"], `filesystem.overheadPercent must be between 0 and ${MAX_OVERHEAD_PERCENT} (got ${percent})`);
    }
  } else if (!(FILESYSTEM_NAMES as readonly string[]).includes(filesystem)) {
    add(["filesystem"], `filesystem must be one of ${FILESYSTEM_NAMES.join(", ")} or { "overheadPercent": n } (got ${String(filesystem)})`);
  }
  const systemGB = config.systemGBPerDrive;
  if (systemGB !== undefined && (!Number.isFinite(systemGB) || systemGB < 0 || systemGB > MAX_SYSTEM_GB_PER_DRIVE)) {
    add(["systemGBPerDrive"], `systemGBPerDrive must be between 0 and ${MAX_SYSTEM_GB_PER_DRIVE} (got ${systemGB})`);
    return issues;
  }
  const systemBytes = systemBytesPerDrive(config);
  config.drivesTB.forEach((tb, index) => {
    if (Number.isFinite(tb) && tb > 0 && tbToBytes(tb) <= systemBytes) {
      add(["drivesTB", index], `drive ${index + 1}: ${tb} TB is smaller than the ${formatDecimalBytes(systemBytes)} reserved on every drive for the NAS system`);
    }
  });
  return issues;
}

/** Every problem with the filesystem, DSM and reserve settings, as exact sentences. */
export function nasSettingsProblems(config: NasConfig): string[] {
  return nasSettingsIssues(config).map((issue) => issue.message);
}

function systemBytesPerDrive(config: NasConfig): number {
  return config.systemGBPerDrive === undefined ? DSM_RESERVED_BYTES_PER_DRIVE : Math.round(config.systemGBPerDrive * BYTES_PER_GB);
}

/**
 * The whole chain for one NAS: raw → usable (RAID) → volume (DSM partitions, filesystem) → available
 * (keep-free reserve). Throws AppError("invalid-input") listing every problem.
 */
export function calculateNasCapacity(config: NasConfig): NasCapacity {
  throwIfInvalid([...raidConfigProblems(config), ...nasSettingsProblems(config)]);
  const raid = calculateRaidCapacity(config);
  const perDrive = systemBytesPerDrive(config);
  const reduced = layoutPool(
    config.level,
    raid.memberDrivesTB.map((tb) => tbToBytes(tb) - perDrive),
  );
  const systemPartitionBytes = raid.usableBytes - reduced.usableBytes;
  const deviceBytes = reduced.usableBytes;
  const filesystem = filesystemOverhead(config.filesystem ?? "btrfs", deviceBytes);
  const volumeBytes = deviceBytes - filesystem.bytes;
  const reservePercent = config.reservePercent ?? DEFAULT_RESERVE_PERCENT;
  const reserveBytes = Math.round((volumeBytes * reservePercent) / 100);
  const availableBytes = volumeBytes - reserveBytes;
  const overheadPercent = deviceBytes > 0 ? Number(((filesystem.bytes / deviceBytes) * 100).toFixed(4)) : 0;

  const explanations = [...raid.explanations];
  if (systemPartitionBytes > 0) {
    explanations.push(
      `The NAS system takes ${formatDecimalBytes(perDrive)} of every drive (DSM system and swap partitions): ${formatDecimalBytes(systemPartitionBytes)} of the pool.`,
    );
  }
  explanations.push(`Filesystem: ${filesystem.reason} — ${formatDecimalBytes(filesystem.bytes)}, leaving a ${formatTB(volumeBytes)} (${formatTiB(volumeBytes)}) volume.`);
  explanations.push(
    `${reservePercent} % of the volume (${formatTB(reserveBytes)}) is kept free, so ${formatTB(availableBytes)} (${formatTiB(availableBytes)}) may be filled.`,
  );
  return {
    ...raid,
    systemBytesPerDrive: perDrive,
    systemPartitionBytes,
    filesystem: { name: filesystem.name, overheadPercent, reason: filesystem.reason },
    filesystemOverheadBytes: filesystem.bytes,
    volumeBytes,
    reservePercent,
    reserveBytes,
    availableBytes,
    explanations,
  };
}
