// Display formatting for the catalogue UI. Pure functions with a fixed locale,
// so server-rendered and client-rendered text never disagree (hydration).

const LOCALE = "en-US";
const integerFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });

/** 151936 → "151,936". */
export function formatCount(value: number): string {
  return integerFormat.format(value);
}

function trimFixed(value: number, digits: number): string {
  return value.toFixed(digits).replace(/\.0+$/, "").replace(/(\.\d*?)0+$/, "$1");
}

const parameterUnits: ReadonlyArray<[number, string]> = [
  [1e12, "T"],
  [1e9, "B"],
  [1e6, "M"],
  [1e3, "K"],
];

/** Parameter counts the way model names write them (gguf-py size_label): 7.6B, 13B, 115K. */
export function formatParameterCount(value: number): string {
  if (!Number.isFinite(value) || value <= 0) return "–";
  for (const [unit, suffix] of parameterUnits) {
    if (value >= unit) {
      const scaled = value / unit;
      return `${scaled < 10 ? trimFixed(scaled, 1) : Math.round(scaled).toString()}${suffix}`;
    }
  }
  return formatCount(value);
}

const byteUnits: ReadonlyArray<[number, string]> = [
  [2 ** 40, "TiB"],
  [2 ** 30, "GiB"],
  [2 ** 20, "MiB"],
  [2 ** 10, "KiB"],
];

/** Binary units, three significant digits: 4.36 GiB, 230 MiB, 512 B. */
export function formatBytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  for (const [unit, suffix] of byteUnits) {
    if (Math.abs(value) >= unit) {
      const scaled = value / unit;
      const digits = scaled < 10 ? 2 : scaled < 100 ? 1 : 0;
      return `${scaled.toFixed(digits)} ${suffix}`;
    }
  }
  return `${formatCount(value)} B`;
}

/** Context lengths are powers of two in practice: 131072 → "128K", 40960 → "40K". */
export function formatContextLength(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  if (value < 1024) return formatCount(value);
  return `${trimFixed(value / 1024, 1)}K`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${trimFixed(seconds, 1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes - hours * 60} min`;
}

function pad2(value: number): string {
  return value.toString().padStart(2, "0");
}

/** "2026-11-26 21:47" in the server's local time (an admin console, not a calendar). */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "–";
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
}

/** "3 min ago" relative to `now` (passed in so tests and renders are deterministic). */
export function formatAge(iso: string | null | undefined, now: number): string {
  if (!iso) return "never";
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "–";
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** First 12 hex digits of a sha256 digest, with or without its "sha256:" prefix. */
export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return "–";
  return digest.replace(/^sha256[:-]/, "").slice(0, 12);
}

export function percent(part: number, whole: number): number {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return 0;
  return Math.min(100, Math.max(0, (part / whole) * 100));
}

/** How a metadata value is shown in the key table. */
export interface MetadataDisplay {
  type: string;
  text: string;
  /** Full text when `text` was shortened (long strings). */
  full?: string;
}

/** Strings longer than this are cut in the table (chat templates have their own section). */
const METADATA_TEXT_LIMIT = 160;
/** Arrays with more elements than this are summarised, never printed whole (vocabularies have 150k). */
const METADATA_ARRAY_PREVIEW = 6;

function previewItems(items: readonly unknown[]): string {
  return items
    .slice(0, METADATA_ARRAY_PREVIEW)
    .map((item) => (typeof item === "string" ? JSON.stringify(item) : String(item)))
    .join(", ");
}

function scalarType(value: unknown): string {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return typeof value;
}

function pickNumber(record: Record<string, unknown>, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === "number") return value;
    if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  }
  return undefined;
}

function pickArray(record: Record<string, unknown>, keys: readonly string[]): unknown[] | undefined {
  for (const key of keys) {
    const value = record[key];
    if (Array.isArray(value)) return value;
  }
  return undefined;
}

function pickString(record: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === "string") return value;
  }
  return undefined;
}

/** GGUF value type ids (gguf.h `enum gguf_type`), for array summaries that store the element type as a number. */
const GGUF_TYPE_NAMES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"];

function pickElementType(record: Record<string, unknown>): string | undefined {
  for (const key of ["elementType", "itemType", "subType", "arrayType", "of"]) {
    const value = record[key];
    if (typeof value === "string") return value.toLowerCase();
    if (typeof value === "number") return GGUF_TYPE_NAMES[value] ?? `type ${value}`;
  }
  return undefined;
}

/**
 * Describes one metadata value. The scanner stores long arrays already
 * summarised (an object with an element type, a length and the first items);
 * the exact field names are tolerated loosely so the page survives format tweaks.
 */
export function describeMetadataValue(value: unknown): MetadataDisplay {
  if (value === null || value === undefined) return { type: "null", text: "null" };
  if (Array.isArray(value)) {
    const elementType = value.length > 0 ? scalarType(value[0]) : "?";
    if (value.length > METADATA_ARRAY_PREVIEW) {
      return {
        type: `array<${elementType}>`,
        text: `array<${elementType}> × ${formatCount(value.length)}: ${previewItems(value)}, …`,
      };
    }
    return { type: `array<${elementType}>`, text: JSON.stringify(value) };
  }
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const length = pickNumber(record, ["length", "count", "n", "size", "len"]);
    const items = pickArray(record, ["first", "head", "items", "sample", "preview", "values"]);
    const kind = pickString(record, ["type", "kind"]);
    if (length !== undefined && (items !== undefined || kind === "array")) {
      const elementType = pickElementType(record) ?? (items && items.length > 0 ? scalarType(items[0]) : "?");
      const preview = items && items.length > 0 ? `: ${previewItems(items)}${length > items.length ? ", …" : ""}` : "";
      return { type: `array<${elementType}>`, text: `array<${elementType}> × ${formatCount(length)}${preview}` };
    }
    const inner = record.value;
    if (kind !== undefined && inner !== undefined) {
      const described = describeMetadataValue(inner);
      return { ...described, type: kind };
    }
    return { type: "object", text: JSON.stringify(value) };
  }
  if (typeof value === "string") {
    if (value.length > METADATA_TEXT_LIMIT) {
      return {
        type: "string",
        text: `${value.slice(0, METADATA_TEXT_LIMIT)}… (${formatCount(value.length)} chars)`,
        full: value,
      };
    }
    return { type: "string", text: value };
  }
  if (typeof value === "number") return { type: scalarType(value), text: Number.isInteger(value) ? formatCount(value) : String(value) };
  return { type: scalarType(value), text: String(value) };
}

/** Hashing speeds in decimal MB/s, the unit of the bandwidth cap setting: 85000000 → "85.0 MB/s". */
export function formatRate(bytesPerSecond: number | null | undefined): string {
  if (bytesPerSecond === null || bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) return "–";
  const mbps = bytesPerSecond / 1e6;
  return `${mbps < 10 ? mbps.toFixed(1) : formatCount(Math.round(mbps))} MB/s`;
}

/**
 * A fraction 0..1 as a whole percentage, rounded down so 99.6 % never reads as
 * done; the epsilon keeps 0.42 (stored as 0.41999…) at 42.
 */
export function wholePercent(fraction: number): number {
  if (!Number.isFinite(fraction)) return 0;
  return Math.floor(Math.min(1, Math.max(0, fraction)) * 100 + 1e-6);
}

/** 0.426 → "42 %". */
export function formatFraction(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return "–";
  return `${wholePercent(fraction)} %`;
}

const verifySourceLabels: Record<string, string> = {
  "ollama-blob-name": "Ollama blob name",
  sidecar: ".sha256 sidecar",
  sha256sums: "SHA256SUMS",
  "first-seen": "first seen",
};

/** Where an expected hash came from, in admin terms ("first seen" = our own first hash). */
export function verifySourceLabel(source: string | null | undefined): string {
  if (!source) return "–";
  return verifySourceLabels[source] ?? source;
}

/** "in 3 h" / "5 min ago": the distance of a time from `now`, either way. */
export function formatRelative(iso: string | null | undefined, now: number): string {
  if (!iso) return "–";
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "–";
  if (then <= now) return formatAge(iso, now);
  const minutes = Math.round((then - now) / 60_000);
  if (minutes < 1) return "in under a minute";
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `in ${hours} h`;
  return `in ${Math.round(hours / 24)} days`;
}
