// Expected hashes published next to models: SHA256SUMS-style lists (GNU
// sha256sum, BSD/openssl tags) and <file>.sha256 sidecars. Pure: text in,
// entries and problems out. Nothing is silently dropped: every line that does
// not become an entry (except blanks and comments) is a problem with its line number.
import path from "node:path";

/** SHA256SUMS for a whole model collection is a few KiB; megabytes means something else. */
export const MAX_CHECKSUM_FILE_BYTES = 4 * 1024 * 1024;
/** A sidecar holds one line: a path (≤ 4096) and a hash. */
export const MAX_SIDECAR_BYTES = 64 * 1024;
/** PATH_MAX (4096) escaped at worst twice over, plus the hash and a BSD tag. */
export const MAX_CHECKSUM_LINE_CHARS = 16 * 1024;

export interface ChecksumEntry {
  /** As listed (unescaped, "./" and "//" normalised), relative to the checksum file's folder. */
  name: string;
  /** Lower-case hex. */
  sha256: string;
  /** sha256sum's "*" (binary mode) marker; the same bytes are hashed either way on Linux. */
  binary: boolean;
  line: number;
}

export interface ChecksumProblem {
  /** 1-based; 0 for the file as a whole. */
  line: number;
  message: string;
}

export interface ParsedChecksumFile {
  entries: ChecksumEntry[];
  problems: ChecksumProblem[];
}

export interface ParsedSidecar {
  sha256: string | null;
  problems: ChecksumProblem[];
}

const HEX_DIGITS_OF: Record<number, string> = { 32: "MD5", 40: "SHA-1", 56: "SHA-224", 96: "SHA-384", 128: "SHA-512" };
const SHA256_TAGS = new Set(["SHA256", "SHA2-256", "SHA-256"]);
// GNU --tag: "SHA256 (name) = hex"; openssl: "SHA2-256(name)= hex". The name is greedy: it may contain ") = ".
const TAG_LINE = /^([A-Za-z0-9-]+) ?\((.*)\) ?= ?([0-9A-Fa-f]*)$/;
const SIGNATURE_SUFFIX = /\.(sig|asc|gpg|sign|minisig)$/i;
const EXPECTED_FORMS = 'expected "<64 hex digits>  <name>" or "SHA256 (<name>) = <64 hex digits>"';

type LineOutcome = { entry: Omit<ChecksumEntry, "line"> } | { problem: string } | null;

function wrongLength(hex: string): string {
  const other = HEX_DIGITS_OF[hex.length];
  return other
    ? `has a ${other} checksum (${hex.length} hex digits), not SHA-256`
    : `has a checksum of ${hex.length} hex digits; SHA-256 has 64`;
}

/** sha256sum escapes names holding "\" or a newline (and CR since coreutils 9) and marks the line with a leading "\". */
function unescapeName(raw: string): string | { problem: string } {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = raw[++i];
    if (next === "\\") out += "\\";
    else if (next === "n") out += "\n";
    else if (next === "r") out += "\r";
    else return { problem: `has an invalid escape "\\${next ?? ""}" in its file name` };
  }
  return out;
}

/** Normalised name, or why it cannot be used. Names are never resolved outside the list's folder. */
function checkName(name: string): { name: string } | { problem: string } {
  if (name.length === 0) return { problem: "has no file name" };
  if (name.includes("\0")) return { problem: "has a NUL character in its file name" };
  const shown = JSON.stringify(name);
  if (name.startsWith("/") || /^[A-Za-z]:[\\/]/.test(name) || name.startsWith("\\\\")) {
    return { problem: `names ${shown}, an absolute path; ignored as unsafe` };
  }
  if (name.split("/").includes("..")) return { problem: `names ${shown}, which climbs out of the folder with ".."; ignored as unsafe` };
  const normalized = path.posix.normalize(name);
  if (normalized === "." || normalized.endsWith("/")) return { problem: `names ${shown}, a folder, not a file` };
  return { name: normalized };
}

function parseLine(raw: string): LineOutcome {
  if (raw.length > MAX_CHECKSUM_LINE_CHARS) return { problem: `is longer than ${MAX_CHECKSUM_LINE_CHARS} characters` };
  const line = raw.replace(/^[ \t]+/, "");
  if (line.length === 0 || line.startsWith("#")) return null;
  const escaped = line.startsWith("\\");
  const body = escaped ? line.slice(1) : line;

  let hex: string;
  let rawName: string;
  let binary = false;
  const tag = TAG_LINE.exec(body);
  // "<hex> (name) = x" is a reversed-BSD line whose name starts with "(", not a tag.
  if (tag && !/^[0-9A-Fa-f]{32,}$/.test(tag[1] ?? "")) {
    const [, algorithm = "", name = "", digits = ""] = tag;
    if (!SHA256_TAGS.has(algorithm.toUpperCase())) return { problem: `is a ${algorithm} checksum; only SHA-256 is checked` };
    hex = digits;
    rawName = name;
    binary = true;
  } else {
    const match = /^([0-9A-Fa-f]+)[ \t]/.exec(body);
    if (!match) return { problem: `does not look like a checksum line (${EXPECTED_FORMS})` };
    hex = match[1] ?? "";
    const rest = body.slice(hex.length + 1);
    // "hash  name" text mode, "hash *name" binary mode; "hash name" is the reversed-BSD form (md5 -r).
    if (rest.startsWith("*")) {
      binary = true;
      rawName = rest.slice(1);
    } else {
      rawName = rest.startsWith(" ") ? rest.slice(1) : rest;
    }
  }
  if (hex.length !== 64) return { problem: hex.length === 0 ? `has no checksum (${EXPECTED_FORMS})` : wrongLength(hex) };

  const unescaped = escaped ? unescapeName(rawName) : rawName;
  if (typeof unescaped !== "string") return unescaped;
  const checked = checkName(unescaped);
  if ("problem" in checked) return checked;
  return { entry: { name: checked.name, sha256: hex.toLowerCase(), binary } };
}

function splitLines(text: string): string[] {
  // A UTF-8 BOM (Windows editors) and CRLF line ends are not part of any name.
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const lines = body.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function short(hex: string): string {
  return `${hex.slice(0, 12)}…`;
}

/** Parses a SHA256SUMS-style list (GNU text/binary/escaped lines, BSD and openssl tags, comments). */
export function parseChecksumFile(text: string): ParsedChecksumFile {
  if (text.length > MAX_CHECKSUM_FILE_BYTES) {
    return { entries: [], problems: [{ line: 0, message: `is ${text.length} characters, more than the ${MAX_CHECKSUM_FILE_BYTES} a checksum list may have; not read` }] };
  }
  const problems: ChecksumProblem[] = [];
  const byName = new Map<string, ChecksumEntry>();
  const conflicted = new Set<string>();
  splitLines(text).forEach((raw, index) => {
    const line = index + 1;
    const outcome = parseLine(raw);
    if (outcome === null) return;
    if ("problem" in outcome) {
      problems.push({ line, message: outcome.problem });
      return;
    }
    const entry = { ...outcome.entry, line };
    const earlier = byName.get(entry.name);
    if (earlier === undefined) {
      byName.set(entry.name, entry);
      return;
    }
    // The same name twice with the same hash is harmless (lists get concatenated).
    if (earlier.sha256 === entry.sha256) return;
    conflicted.add(entry.name);
    problems.push({
      line,
      message: `lists ${JSON.stringify(entry.name)} again with a different checksum (${short(entry.sha256)}; line ${earlier.line} says ${short(earlier.sha256)}); neither is used`,
    });
  });
  const entries = [...byName.values()].filter((e) => !conflicted.has(e.name)).sort((a, b) => a.line - b.line);
  return { entries, problems };
}

/**
 * Parses `<file>.sha256`: the bare hex, or one sha256sum/BSD line whose name should
 * be `expectedName` (a different name is a problem, but its hash is still returned:
 * if the content matches, the name does not matter; if not, the problem explains why).
 */
export function parseSidecar(text: string, expectedName: string): ParsedSidecar {
  if (text.length > MAX_SIDECAR_BYTES) {
    return { sha256: null, problems: [{ line: 0, message: `is ${text.length} characters, more than the ${MAX_SIDECAR_BYTES} a .sha256 file may have; not read` }] };
  }
  const content = splitLines(text)
    .map((raw, index) => ({ raw, line: index + 1 }))
    .filter(({ raw }) => raw.trim().length > 0 && !raw.trim().startsWith("#"));
  const first = content[0];
  if (first === undefined) return { sha256: null, problems: [{ line: 0, message: "is empty: no checksum found" }] };
  const bare = first.raw.trim();
  if (content.length === 1 && /^[0-9A-Fa-f]+$/.test(bare)) {
    if (bare.length !== 64) return { sha256: null, problems: [{ line: first.line, message: wrongLength(bare) }] };
    return { sha256: bare.toLowerCase(), problems: [] };
  }
  const parsed = parseChecksumFile(text);
  const problems = [...parsed.problems];
  const matching = parsed.entries.filter((e) => path.posix.basename(e.name) === expectedName);
  const only = parsed.entries.length === 1 ? parsed.entries[0] : undefined;
  if (matching.length === 1 && matching[0]) {
    if (parsed.entries.length > 1) problems.push({ line: 0, message: `has ${parsed.entries.length} checksum lines; used the one for ${expectedName}` });
    return { sha256: matching[0].sha256, problems };
  }
  if (only) {
    problems.push({ line: only.line, message: `names ${JSON.stringify(only.name)}, not ${JSON.stringify(expectedName)} (renamed file, or a sidecar of another file?)` });
    return { sha256: only.sha256, problems };
  }
  if (parsed.entries.length > 1) problems.push({ line: 0, message: `has ${parsed.entries.length} checksum lines and none for ${expectedName}` });
  else if (problems.length === 0) problems.push({ line: 0, message: "no checksum found" });
  return { sha256: null, problems };
}

/**
 * `*SHA256SUMS*` (any case: SHA256SUMS, sha256sums.txt, model.SHA256SUMS) and
 * `*.sha256sum`. Detached signatures (SHA256SUMS.sig/.asc/.gpg…) are not lists.
 */
export function isChecksumFileName(name: string): boolean {
  if (SIGNATURE_SUFFIX.test(name)) return false;
  return /sha256sums/i.test(name) || /\.sha256sum$/i.test(name);
}

/** `x.gguf.sha256` → `x.gguf` (any case of the suffix); anything else → null. */
export function sidecarTarget(name: string): string | null {
  const match = /^(.+)\.sha256$/i.exec(name);
  return match?.[1] ?? null;
}
