// One HTTP byte range (RFC 9110 §14) against a blob of known size. Ollama
// downloads big blobs as up to 16 parallel `Range: bytes=a-b` parts; registries
// serve single ranges. Pure.

export type RangeDecision =
  /** Send the whole blob (no Range, another unit, several ranges, or If-Range did not match). */
  | { kind: "full" }
  /** Send bytes start..end (inclusive) with 206. */
  | { kind: "partial"; start: number; end: number }
  /** 416, with a Content-Range that gives only the blob's size. */
  | { kind: "unsatisfiable" };

const BYTE_RANGE = /^\s*(\d*)\s*-\s*(\d*)\s*$/;
/** Longer digit strings cannot be byte offsets of any file (2^53 has 16 digits). */
const MAX_OFFSET_DIGITS = 16;

/**
 * `header` is the Range header, `ifRange` the If-Range header and `etag` the
 * blob's strong ETag. Multiple ranges are answered with the whole blob (RFC 9110
 * allows ignoring Range; no registry client asks for several); a malformed
 * bytes range is rejected (416) rather than answered with a possibly huge body.
 */
export function parseRange(header: string | undefined, size: number, ifRange?: string, etag?: string): RangeDecision {
  if (header === undefined) return { kind: "full" };
  // If-Range with anything but our (strong, immutable) ETag: the client's copy is stale, send it all.
  if (ifRange !== undefined && ifRange.trim() !== etag) return { kind: "full" };
  const eq = header.indexOf("=");
  if (eq < 0) return { kind: "unsatisfiable" };
  // RFC 9110 §14.2: a unit the server does not understand is ignored.
  if (header.slice(0, eq).trim().toLowerCase() !== "bytes") return { kind: "full" };
  const specs = header.slice(eq + 1).split(",");
  if (specs.length > 1) return { kind: "full" };
  const match = BYTE_RANGE.exec(specs[0]!);
  if (!match) return { kind: "unsatisfiable" };
  const [, first = "", last = ""] = match;
  if (first.length > MAX_OFFSET_DIGITS || last.length > MAX_OFFSET_DIGITS) return { kind: "unsatisfiable" };
  if (first === "" && last === "") return { kind: "unsatisfiable" };
  if (first === "") {
    // Suffix range: the last N bytes.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Number(last);
  if (end < start) return { kind: "unsatisfiable" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", start, end: Math.min(end, size - 1) };
}
