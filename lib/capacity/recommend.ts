// What to buy: the smallest NAS configurations (drive count × drive size × RAID level, in a common
// enclosure) whose fillable space holds a requirement after DSM, filesystem and the keep-free reserve.
// Pure: it tries every combination through calculateNasCapacity, so a recommendation is exactly what
// the planner would compute for that configuration.
import { AppError } from "../errors.ts";
import { calculateNasCapacity, formatTB, RAID_LABELS, type FilesystemSetting, type RaidLevel } from "./raid.ts";

/** Bay counts of common desktop and rack NAS units (Synology, QNAP, Asustor, TrueNAS Mini lines). */
export const NAS_BAY_COUNTS: readonly number[] = [2, 4, 5, 6, 8, 12];
/** NAS drive sizes on sale, in decimal TB. */
export const DRIVE_SIZES_TB: readonly number[] = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24];
/**
 * Redundant levels only: a planner should not recommend a pool one failure away from loss. RAID 1 is
 * offered for two drives (a 2-bay unit); beyond that RAID 5/6/10 and SHR use the drives better.
 */
export const RECOMMENDED_LEVELS: readonly RaidLevel[] = ["shr", "shr2", "raid5", "raid6", "raid10", "raid1"];
/** Enough rows to show each drive count's options without burying the cheapest ones. */
export const DEFAULT_RECOMMENDATION_LIMIT = 10;

export interface RecommendRequest {
  /** Bytes the pool must be able to hold (after the reserve): today's need plus growth to the horizon. */
  requiredBytes: number;
  /** Hot spares the admin wants: added to each configuration, the same size as its drives. */
  hotSpares?: number;
  filesystem?: FilesystemSetting;
  systemGBPerDrive?: number;
  reservePercent?: number;
  limit?: number;
}

export interface NasRecommendation {
  /** The smallest common unit that takes the drives and spares. */
  bays: number;
  freeBays: number;
  /** Drives in the pool (spares not included). */
  drives: number;
  hotSpares: number;
  driveTB: number;
  raid: RaidLevel;
  /** Levels that give identical capacity and fault tolerance with identical drives (SHR = RAID 5 / RAID 1, SHR-2 = RAID 6). */
  alsoAs: RaidLevel[];
  label: string;
  rawBytes: number;
  usableBytes: number;
  volumeBytes: number;
  availableBytes: number;
  headroomBytes: number;
  faultTolerance: number;
}

function levelApplies(level: RaidLevel, drives: number): boolean {
  switch (level) {
    case "shr":
      return drives >= 2;
    case "raid1":
      return drives === 2;
    case "raid5":
      return drives >= 3;
    case "raid6":
    case "shr2":
      return drives >= 4;
    case "raid10":
      return drives >= 4 && drives % 2 === 0;
    default:
      return false;
  }
}

/**
 * Cheapest-first configurations that hold `requiredBytes`: for each drive count and RAID level, the
 * smallest drive size that fits; ordered by drive count, then total raw TB, then more fault tolerance,
 * then more available space. Empty when even 12 × 24 TB does not hold it.
 */
export function recommendNas(request: RecommendRequest): NasRecommendation[] {
  const spares = request.hotSpares ?? 0;
  const limit = request.limit ?? DEFAULT_RECOMMENDATION_LIMIT;
  if (!Number.isFinite(request.requiredBytes) || request.requiredBytes < 0) {
    throw new AppError("invalid-input", `requiredBytes must be 0 or more (got ${request.requiredBytes})`);
  }
  if (!Number.isInteger(limit) || limit < 1) throw new AppError("invalid-input", `limit must be a whole number, 1 or more (got ${limit})`);
  const maxBays = Math.max(...NAS_BAY_COUNTS);
  const found: NasRecommendation[] = [];
  for (let drives = 2; drives + spares <= maxBays; drives++) {
    const atThisCount: NasRecommendation[] = [];
    for (const level of RECOMMENDED_LEVELS) {
      if (!levelApplies(level, drives)) continue;
      for (const driveTB of DRIVE_SIZES_TB) {
        const capacity = calculateNasCapacity({
          level,
          drivesTB: Array.from({ length: drives + spares }, () => driveTB),
          hotSpares: spares,
          filesystem: request.filesystem,
          systemGBPerDrive: request.systemGBPerDrive,
          reservePercent: request.reservePercent,
        });
        if (capacity.availableBytes < request.requiredBytes) continue;
        const equivalent = atThisCount.find(
          (other) => other.driveTB === driveTB && other.usableBytes === capacity.usableBytes && other.faultTolerance === capacity.faultTolerance,
        );
        if (equivalent) {
          equivalent.alsoAs.push(level);
        } else {
          const bays = NAS_BAY_COUNTS.find((count) => count >= drives + spares) ?? maxBays;
          atThisCount.push({
            bays,
            freeBays: bays - drives - spares,
            drives,
            hotSpares: spares,
            driveTB,
            raid: level,
            alsoAs: [],
            label: "",
            rawBytes: capacity.rawBytes,
            usableBytes: capacity.usableBytes,
            volumeBytes: capacity.volumeBytes,
            availableBytes: capacity.availableBytes,
            headroomBytes: capacity.availableBytes - request.requiredBytes,
            faultTolerance: capacity.faultTolerance,
          });
        }
        break;
      }
    }
    found.push(...atThisCount);
  }
  const levelOrder = (level: RaidLevel) => RECOMMENDED_LEVELS.indexOf(level);
  found.sort(
    (a, b) =>
      a.drives + a.hotSpares - (b.drives + b.hotSpares) ||
      a.rawBytes - b.rawBytes ||
      b.faultTolerance - a.faultTolerance ||
      b.availableBytes - a.availableBytes ||
      levelOrder(a.raid) - levelOrder(b.raid),
  );
  return found.slice(0, limit).map((rec) => ({ ...rec, label: describe(rec) }));
}

function describe(rec: NasRecommendation): string {
  const also = rec.alsoAs.length > 0 ? ` (= ${rec.alsoAs.map((level) => RAID_LABELS[level]).join(" / ")})` : "";
  const spare = rec.hotSpares > 0 ? ` + ${rec.hotSpares} hot spare${rec.hotSpares === 1 ? "" : "s"}` : "";
  return `${rec.drives} × ${rec.driveTB} TB ${RAID_LABELS[rec.raid]}${also}${spare} in a ${rec.bays}-bay unit: ${formatTB(rec.availableBytes)} available`;
}
