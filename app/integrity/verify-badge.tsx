// Verification pills shared by the catalogue, the model page and the
// Integrity page. A mismatch is deliberately loud (solid red); our own
// first-seen hash is shown as weaker trust than a published checksum.
import { formatFraction, verifySourceLabel } from "../../lib/catalog/format.ts";

const base = "inline-flex items-center gap-1 rounded border px-1.5 py-px text-[11px] leading-4 font-medium whitespace-nowrap";

const styles: Record<string, string> = {
  mismatch: "border-red-700 bg-red-600 font-semibold text-white",
  unreadable: "border-red-300 bg-red-50 text-red-800",
  hashing: "border-sky-300 bg-sky-50 text-sky-800",
  queued: "border-sky-200 bg-white text-sky-700",
  unverified: "border-neutral-300 bg-neutral-50 text-neutral-600",
  verified: "border-emerald-300 bg-emerald-50 text-emerald-800",
  // First seen: our own hash only proves the bytes did not change since.
  "first-seen": "border-dashed border-emerald-300 bg-white text-emerald-700",
};

const titles: Record<string, string> = {
  mismatch: "The content does not match its expected SHA-256: the file is damaged or not the published one",
  unreadable: "The file could not be read to the end (I/O error, permissions)",
  hashing: "Being hashed now",
  queued: "Waiting for the hasher",
  unverified: "Never hashed",
  verified: "The SHA-256 matches a published checksum",
  "first-seen": "Matches our own first hash: the bytes have not changed since first seen, but no published checksum vouches for them",
};

export interface VerifyBadgeProps {
  state: string | null;
  /** Where the expected hash came from (for "verified"). */
  source?: string | null;
  /** 0..1 while hashing. */
  progress?: number | null;
  /** Show the source next to a strong "verified" (the model page has room; the catalogue shows it on hover). */
  showSource?: boolean;
}

export function VerifyBadge({ state, source = null, progress = null, showSource = false }: VerifyBadgeProps) {
  if (state === null) return <span className="text-neutral-400">–</span>;
  const firstSeen = state === "verified" && (source === null || source === "first-seen");
  const style = firstSeen ? "first-seen" : state;
  let text: string;
  switch (state) {
    case "verified":
      text = firstSeen ? "✓ first seen" : showSource ? `✓ ${verifySourceLabel(source)}` : "✓ verified";
      break;
    case "mismatch":
      text = "✗ mismatch";
      break;
    case "hashing":
      text = progress === null ? "hashing" : `hashing ${formatFraction(progress)}`;
      break;
    default:
      text = state;
  }
  const title = state === "verified" && !firstSeen ? `${titles.verified} (${verifySourceLabel(source)})` : titles[style];
  return (
    <span className={`${base} ${styles[style] ?? styles.unverified}`} title={title} data-testid="verify-badge" data-verify-state={state}>
      {text}
    </span>
  );
}
