// When the scheduled scrub may read, and which files it re-verifies next. Pure.
// Windows are wall-clock times in the machine's local time zone (the TZ of the
// worker process), because an admin says "at night" in their own time; a window
// may wrap midnight ("22:00-06:00"). Start is inclusive, end exclusive.
import { AppError } from "../errors.ts";

export interface ScrubWindow {
  /** Minutes after local midnight. */
  startMinute: number;
  endMinute: number;
}

const MS_PER_DAY = 86_400_000;
const WINDOW_FORM = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/;

function invalid(message: string, text: string): AppError {
  return new AppError("invalid-input", message, { details: { option: "scrubWindow", value: text } });
}

function minuteOf(hours: string, minutes: string, text: string): number {
  const h = Number(hours);
  const m = Number(minutes);
  if (h > 23 || m > 59) throw invalid(`Scrub window "${text}": ${hours}:${minutes} is not a time of day (00:00 to 23:59)`, text);
  return h * 60 + m;
}

/** "HH:MM-HH:MM" → window; "always" or empty → null (scrub at any time). */
export function parseScrubWindow(text: string | null | undefined): ScrubWindow | null {
  const trimmed = (text ?? "").trim();
  if (trimmed === "" || trimmed.toLowerCase() === "always") return null;
  const match = WINDOW_FORM.exec(trimmed);
  if (!match) {
    throw invalid(`Scrub window must be "HH:MM-HH:MM" (e.g. "22:00-06:00"), or "always" or empty for any time; got "${trimmed}"`, trimmed);
  }
  const [, sh = "", sm = "", eh = "", em = ""] = match;
  const startMinute = minuteOf(sh, sm, trimmed);
  const endMinute = minuteOf(eh, em, trimmed);
  if (startMinute === endMinute) {
    // Ambiguous (all day or never?): make the admin say which.
    throw invalid(`Scrub window "${trimmed}" starts and ends at the same time; use "always" (or leave it empty) to scrub at any time`, trimmed);
  }
  return { startMinute, endMinute };
}

function resolve(window: ScrubWindow | string | null): ScrubWindow | null {
  return typeof window === "string" ? parseScrubWindow(window) : window;
}

function minuteOfDay(date: Date): number {
  return date.getHours() * 60 + date.getMinutes();
}

function inside(minute: number, window: ScrubWindow): boolean {
  const { startMinute: start, endMinute: end } = window;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** Whether `date` (local time) lies inside the window; always true without a window. */
export function isWithinWindow(date: Date, window: ScrubWindow | string | null): boolean {
  const parsed = resolve(window);
  return parsed === null || inside(minuteOfDay(date), parsed);
}

/**
 * The earliest moment at or after `date` when scrubbing may run: `date` itself when
 * it is inside the window (or there is none), else the next local start time. On a
 * day whose start time falls into a DST gap, JavaScript moves it an hour later.
 */
export function nextWindowStart(date: Date, window: ScrubWindow | string | null): Date {
  const parsed = resolve(window);
  if (parsed === null || inside(minuteOfDay(date), parsed)) return new Date(date.getTime());
  const hours = Math.floor(parsed.startMinute / 60);
  const minutes = parsed.startMinute % 60;
  const today = new Date(date.getFullYear(), date.getMonth(), date.getDate(), hours, minutes, 0, 0);
  if (today.getTime() > date.getTime()) return today;
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1, hours, minutes, 0, 0);
}

export interface PickScrubBatchOptions {
  now: Date;
  /** A file is due once its last verification is at least this old. */
  intervalDays: number;
  limit: number;
}

/**
 * The next files to re-verify: never verified first (in input order), then the
 * oldest verification first. A verification dated in the future (clock skew) is not due.
 */
export function pickScrubBatch<T extends { verifiedAt: Date | null }>(files: readonly T[], options: PickScrubBatchOptions): T[] {
  const { now, intervalDays, limit } = options;
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new AppError("invalid-input", `now must be a valid Date, got ${String(now)}`);
  if (!Number.isFinite(intervalDays) || intervalDays <= 0) {
    throw new AppError("invalid-input", `intervalDays must be a positive number, got ${String(intervalDays)}`);
  }
  if (!Number.isInteger(limit) || limit < 0) throw new AppError("invalid-input", `limit must be a non-negative integer, got ${String(limit)}`);
  const cutoff = now.getTime() - intervalDays * MS_PER_DAY;
  const due = files
    .map((file, index) => ({ file, index, at: file.verifiedAt === null ? null : file.verifiedAt.getTime() }))
    .filter(({ at }) => at === null || at <= cutoff);
  due.sort((a, b) => {
    if (a.at === null || b.at === null) return a.at === b.at ? a.index - b.index : a.at === null ? -1 : 1;
    return a.at - b.at || a.index - b.index;
  });
  return due.slice(0, limit).map(({ file }) => file);
}
