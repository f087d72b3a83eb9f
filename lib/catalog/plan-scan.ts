// Pure decisions of a scan: what a stat() result means for each path
// (new / changed / unchanged / settled / vanished / returned), and whether
// the scan may mark files missing at all (mount-loss guard).

export interface KnownFile {
  id: number;
  relPath: string;
  sizeBytes: bigint;
  mtimeMs: number;
  inode: string;
  state: string;
  missingSince: Date | null;
}

export interface SeenFile {
  relPath: string;
  sizeBytes: number;
  mtimeMs: number;
  ino: string;
  kind: "gguf" | "temp" | "ollama-blob";
}

export type FileDecision =
  /** Not in the catalogue yet: read once it is stable. */
  | { action: "new"; seen: SeenFile }
  /** Size, mtime or inode differ from the catalogue: read again once stable. */
  | { action: "changed"; seen: SeenFile; known: KnownFile }
  /** Same stat as a previous scan saw while it was settling: stable, read now. */
  | { action: "settled"; seen: SeenFile; known: KnownFile }
  /** Same stat as when it was indexed: only lastSeenAt moves. */
  | { action: "unchanged"; seen: SeenFile; known: KnownFile }
  /** A temporary or partial name (rsync, downloads): listed, never read. */
  | { action: "ignored"; seen: SeenFile; known?: KnownFile };

export interface ScanPlan {
  decisions: FileDecision[];
  /** Known present files the walk no longer found. */
  vanished: KnownFile[];
  /** Known missing files that are back (whatever their decision). */
  returned: KnownFile[];
}

export function sameStat(known: KnownFile, seen: SeenFile): boolean {
  return known.sizeBytes === BigInt(seen.sizeBytes) && known.mtimeMs === seen.mtimeMs && known.inode === seen.ino;
}

/**
 * @param unseenPrefixes paths (dirs or files) the walk could not read: known
 *   files under them are neither seen nor vanished.
 */
export function planScan(known: readonly KnownFile[], seen: readonly SeenFile[], unseenPrefixes: readonly string[] = []): ScanPlan {
  const knownByPath = new Map(known.map((file) => [file.relPath, file]));
  const seenPaths = new Set<string>();
  const decisions: FileDecision[] = [];
  const returned: KnownFile[] = [];
  for (const file of seen) {
    seenPaths.add(file.relPath);
    const previous = knownByPath.get(file.relPath);
    if (previous?.missingSince) returned.push(previous);
    if (file.kind === "temp") {
      decisions.push(previous ? { action: "ignored", seen: file, known: previous } : { action: "ignored", seen: file });
    } else if (!previous) {
      decisions.push({ action: "new", seen: file });
    } else if (!sameStat(previous, file) || previous.state === "ignored") {
      decisions.push({ action: "changed", seen: file, known: previous });
    } else if (previous.state === "settling") {
      decisions.push({ action: "settled", seen: file, known: previous });
    } else {
      decisions.push({ action: "unchanged", seen: file, known: previous });
    }
  }
  const unseen = (relPath: string) => unseenPrefixes.some((prefix) => relPath === prefix || relPath.startsWith(`${prefix}/`));
  const vanished = known.filter((file) => !file.missingSince && !seenPaths.has(file.relPath) && !unseen(file.relPath));
  return { decisions, vanished, returned };
}

export interface MissingGuardInput {
  /** Known files that were present before this scan. */
  knownPresent: number;
  vanished: number;
  /** Files (of any kind) the walk found. */
  seen: number;
  percent: number;
  minFiles: number;
  acceptMissing: boolean;
}

export type MissingGuardResult = { ok: true } | { ok: false; reason: string };

/** Never let an empty or half-visible mount mark the library missing
 * (immich marked 68,811 assets offline from one scan of an empty mount). */
export function evaluateMissingGuard(input: MissingGuardInput): MissingGuardResult {
  if (input.vanished === 0 || input.acceptMissing) return { ok: true };
  if (input.seen === 0) {
    return {
      ok: false,
      reason: `the root is empty but the catalogue knows ${input.knownPresent} file(s) there: treating it as an unmounted or unreachable share, nothing marked missing`,
    };
  }
  const share = (input.vanished / Math.max(1, input.knownPresent)) * 100;
  if (share > input.percent && input.vanished >= input.minFiles) {
    return {
      ok: false,
      reason: `${input.vanished} of ${input.knownPresent} known files (${share.toFixed(0)} %) vanished at once, more than the ${input.percent} % guard: nothing marked missing. If they were really removed, use "Accept missing files".`,
    };
  }
  return { ok: true };
}
