// A pure editor for llama-server's preset INI (--models-preset): add, replace or
// remove one [model-id] section and leave every other line — other sections,
// comments, blank lines, line endings — exactly as the admin wrote it.
// The line grammar is llama.cpp's own (common/preset.cpp parse_ini_from_file):
//   header  "[" ws name ws "]" ws comment?      (no leading whitespace)
//   kv      key ws "=" ws value ws comment?     (key [a-zA-Z_][a-zA-Z0-9_.-]*, no leading whitespace)
//   comment ws [;#] …
//   blank   ws
// A value has no quoting: it ends at the first ";" or "#", and surrounding
// whitespace is dropped. llama-server refuses the whole file (every model of the
// host) when one line does not parse, so the editor refuses such files too.
import { AppError } from "../../errors.ts";

/** Keys before the first header belong to this section (COMMON_PRESET_DEFAULT_NAME). */
export const DEFAULT_SECTION = "default";

export interface PresetEntry {
  key: string;
  value: string;
}

type Line =
  | { kind: "header"; name: string; text: string; eol: string }
  | { kind: "kv"; key: string; value: string; text: string; eol: string }
  | { kind: "comment" | "blank"; text: string; eol: string };

const HEADER = /^\[[ \t]*([^\]]+)\][ \t]*(?:[;#].*)?$/;
const KV = /^([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*([^;#]*?)[ \t]*(?:[;#].*)?$/;
const COMMENT = /^[ \t]*[;#].*$/;
const BLANK = /^[ \t]*$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Section names we write: no brackets, no ":" (llama.cpp rewrites what follows a colon), nothing a line or comment would cut. */
const SECTION_NAME = /^[^\s[\]:;#]+$/;

function parseLines(text: string): Line[] {
  const lines: Line[] = [];
  const pattern = /([^\r\n]*)(\r\n|\n|\r|$)/g;
  let number = 0;
  for (let match = pattern.exec(text); match !== null && match.index < text.length; match = pattern.exec(text)) {
    number++;
    const [, body = "", eol = ""] = match;
    let m: RegExpExecArray | null;
    if ((m = HEADER.exec(body))) lines.push({ kind: "header", name: m[1] as string, text: body, eol });
    else if ((m = KV.exec(body))) lines.push({ kind: "kv", key: m[1] as string, value: m[2] as string, text: body, eol });
    else if (COMMENT.test(body)) lines.push({ kind: "comment", text: body, eol });
    else if (BLANK.test(body)) lines.push({ kind: "blank", text: body, eol });
    else {
      throw new AppError("invalid-input", `Line ${number} of the preset INI is not valid for llama-server ("${body.slice(0, 80)}"): it would reject the whole file; fix it by hand first`, {
        details: { line: number },
      });
    }
  }
  return lines;
}

/** The sections as llama-server reads them: a repeated header starts its section afresh, a repeated key's last value wins. */
export function readPresetSections(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current = DEFAULT_SECTION;
  for (const line of parseLines(text)) {
    if (line.kind === "header") {
      current = line.name;
      sections.set(current, new Map());
    } else if (line.kind === "kv") {
      if (!sections.has(current)) sections.set(current, new Map());
      sections.get(current)?.set(line.key, line.value);
    }
  }
  return sections;
}

function requireSectionName(name: string): void {
  if (!SECTION_NAME.test(name) || name === DEFAULT_SECTION) {
    throw new AppError("invalid-input", `"${name}" cannot be a preset section name (no spaces, brackets, ":", ";" or "#")`, { details: { name } });
  }
}

function requireEntry({ key, value }: PresetEntry): void {
  if (!KEY.test(key)) throw new AppError("invalid-input", `"${key}" is not a preset key llama-server reads`, { details: { key } });
  if (/[\r\n;#]/.test(value) || value !== value.trim()) {
    throw new AppError(
      "invalid-input",
      `The preset value of ${key} ("${value}") cannot be written: llama-server's INI has no quoting, so ";" or "#" would start a comment and line breaks or surrounding spaces would be lost`,
      { details: { key, value } },
    );
  }
}

/** The line ending most of the file uses ("\n" for a new file). */
function lineEnding(lines: readonly Line[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) if (line.eol) counts.set(line.eol, (counts.get(line.eol) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "\n";
}

/**
 * Drops every [name] section's header, keys and blank lines; comments inside it
 * stay where they are (they may introduce the next section). Returns the kept
 * lines and where the first such section began (-1 when there was none).
 */
function withoutSection(lines: readonly Line[], name: string): { kept: Line[]; at: number } {
  const kept: Line[] = [];
  let at = -1;
  let inside = false;
  for (const line of lines) {
    if (line.kind === "header") inside = line.name === name;
    if (inside && line.kind === "header" && at < 0) at = kept.length;
    if (inside && line.kind !== "comment") continue;
    kept.push(line);
  }
  return { kept, at };
}

function render(lines: readonly Line[]): string {
  return lines.map((line) => line.text + line.eol).join("");
}

/**
 * Sets section [name] to exactly `entries`: in place of its first occurrence (later
 * duplicates are dropped, since llama-server would let the last one win), or at the
 * end of the file after a blank line.
 */
export function upsertPresetSection(text: string, name: string, entries: readonly PresetEntry[]): string {
  requireSectionName(name);
  entries.forEach(requireEntry);
  const lines = parseLines(text);
  const eol = lineEnding(lines);
  const { kept, at } = withoutSection(lines, name);
  const section: Line[] = [
    { kind: "header", name, text: `[${name}]`, eol },
    ...entries.map((entry): Line => ({ kind: "kv", key: entry.key, value: entry.value, text: `${entry.key} = ${entry.value}`, eol })),
  ];
  if (at >= 0) {
    const next = kept[at];
    // Keep a blank line between our section and what follows it.
    if (next !== undefined && next.kind !== "blank") section.push({ kind: "blank", text: "", eol });
    kept.splice(at, 0, ...section);
    return render(kept);
  }
  const last = kept[kept.length - 1];
  if (last !== undefined && last.eol === "") last.eol = eol;
  if (last !== undefined && last.kind !== "blank") kept.push({ kind: "blank", text: "", eol });
  return render([...kept, ...section]);
}

/** Removes section [name] (every occurrence). `removed` is false when there was none. */
export function removePresetSection(text: string, name: string): { text: string; removed: boolean } {
  requireSectionName(name);
  const { kept, at } = withoutSection(parseLines(text), name);
  if (at < 0) return { text, removed: false };
  // A blank line left before a removed section at the end of the file is just clutter.
  while (kept.length > 0 && kept[kept.length - 1]?.kind === "blank" && at >= kept.length) kept.pop();
  return { text: render(kept), removed: true };
}
