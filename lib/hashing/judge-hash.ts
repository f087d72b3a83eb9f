// Pure: what a computed SHA-256 means against the hashes a file is expected
// to have. Claims from outside (the Ollama blob name, sidecars, SHA256SUMS)
// outrank our own first-seen hash, which only proves the bytes did not change.

export type ExpectedSource = "ollama-blob-name" | "sidecar" | "sha256sums" | "first-seen";

export interface Expected {
  sha256: string;
  source: string;
  sourcePath: string;
}

export type Verdict =
  | { status: "verified"; expected: Expected | null; recordFirstSeen: boolean }
  | { status: "mismatch"; expected: Expected; corruption: boolean };

/** Strongest first: the digest that *is* the blob's name, then files that ship with the model. */
const SOURCE_RANK: Record<string, number> = { "ollama-blob-name": 0, sidecar: 1, sha256sums: 2, "first-seen": 9 };

export function rankExpected(expected: readonly Expected[]): Expected[] {
  return [...expected].sort((a, b) => (SOURCE_RANK[a.source] ?? 5) - (SOURCE_RANK[b.source] ?? 5) || a.sourcePath.localeCompare(b.sourcePath));
}

export function judgeHash(actual: string, expected: readonly Expected[]): Verdict {
  const hash = actual.toLowerCase();
  const ranked = rankExpected(expected);
  const claims = ranked.filter((e) => e.source !== "first-seen");
  const disagreeing = claims.find((e) => e.sha256.toLowerCase() !== hash);
  if (disagreeing) return { status: "mismatch", expected: disagreeing, corruption: false };
  if (claims.length > 0) return { status: "verified", expected: claims[0]!, recordFirstSeen: !ranked.some((e) => e.source === "first-seen") };
  const firstSeen = ranked.find((e) => e.source === "first-seen");
  if (!firstSeen) return { status: "verified", expected: null, recordFirstSeen: true };
  if (firstSeen.sha256.toLowerCase() !== hash) {
    // Size, mtime and inode are unchanged (a changed file drops its first-seen
    // hash at the scan), yet the bytes differ: silent corruption.
    return { status: "mismatch", expected: firstSeen, corruption: true };
  }
  return { status: "verified", expected: firstSeen, recordFirstSeen: false };
}

export function describeSource(expected: Expected): string {
  return expected.sourcePath ? `${expected.source}:${expected.sourcePath}` : expected.source;
}

/** The admin-facing message for a verdict (null when all is well). */
export function verdictMessage(verdict: Verdict): string | null {
  if (verdict.status !== "mismatch") return null;
  if (verdict.corruption) return "CORRUPTION: the content changed although size and modification time did not";
  return `MISMATCH: expected ${verdict.expected.sha256} (${describeSource(verdict.expected)})`;
}
