import { describe, expect, it } from "vitest";
import { isWithinWindow, nextWindowStart, parseScrubWindow, pickScrubBatch } from "../../lib/hashing/scrub-window.ts";

/** Local wall-clock time on a day without a DST change. */
const at = (hh: number, mm: number, ss = 0, day = 15): Date => new Date(2026, 0, day, hh, mm, ss);

describe("parseScrubWindow", () => {
  it("reads HH:MM-HH:MM into minutes after midnight", () => {
    expect(parseScrubWindow("01:00-06:30")).toEqual({ startMinute: 60, endMinute: 390 });
    expect(parseScrubWindow(" 22:00 - 06:00 ")).toEqual({ startMinute: 1320, endMinute: 360 });
  });

  it.each(["", "   ", "always", "ALWAYS", null, undefined])("treats %j as no window", (text) => {
    expect(parseScrubWindow(text)).toBeNull();
  });

  it.each([
    ["nightly", 'Scrub window must be "HH:MM-HH:MM" (e.g. "22:00-06:00"), or "always" or empty for any time; got "nightly"'],
    ["22:00", 'Scrub window must be "HH:MM-HH:MM" (e.g. "22:00-06:00"), or "always" or empty for any time; got "22:00"'],
    ["22-06", 'Scrub window must be "HH:MM-HH:MM" (e.g. "22:00-06:00"), or "always" or empty for any time; got "22-06"'],
    ["24:00-06:00", 'Scrub window "24:00-06:00": 24:00 is not a time of day (00:00 to 23:59)'],
    ["01:00-06:60", 'Scrub window "01:00-06:60": 06:60 is not a time of day (00:00 to 23:59)'],
    ["05:00-05:00", 'Scrub window "05:00-05:00" starts and ends at the same time; use "always" (or leave it empty) to scrub at any time'],
  ])("refuses %s with an exact message", (text, message) => {
    expect(() => parseScrubWindow(text)).toThrow(message);
    try {
      parseScrubWindow(text);
    } catch (error) {
      expect(error).toMatchObject({ code: "invalid-input" });
    }
  });
});

describe("isWithinWindow", () => {
  it.each([
    [at(0, 59, 59), false],
    [at(1, 0), true],
    [at(3, 30), true],
    [at(5, 59, 59), true],
    [at(6, 0), false],
    [at(12, 0), false],
  ])("01:00-06:00 at %s → %s (start inclusive, end exclusive)", (date, inside) => {
    expect(isWithinWindow(date, "01:00-06:00")).toBe(inside);
  });

  it.each([
    [at(21, 59, 59), false],
    [at(22, 0), true],
    [at(23, 59, 59), true],
    [at(0, 0), true],
    [at(5, 59), true],
    [at(6, 0), false],
    [at(14, 0), false],
  ])("22:00-06:00 (wraps midnight) at %s → %s", (date, inside) => {
    expect(isWithinWindow(date, "22:00-06:00")).toBe(inside);
  });

  it("is always inside without a window", () => {
    expect(isWithinWindow(at(13, 37), "")).toBe(true);
    expect(isWithinWindow(at(13, 37), "always")).toBe(true);
    expect(isWithinWindow(at(13, 37), null)).toBe(true);
  });

  it("accepts a parsed window", () => {
    expect(isWithinWindow(at(2, 0), parseScrubWindow("01:00-03:00"))).toBe(true);
  });

  it("throws invalid-input for an invalid window string", () => {
    expect(() => isWithinWindow(at(2, 0), "soon")).toThrow(/Scrub window must be/);
  });
});

describe("nextWindowStart", () => {
  it("is later the same day before the window opens", () => {
    expect(nextWindowStart(at(12, 0), "22:00-06:00")).toEqual(at(22, 0));
    expect(nextWindowStart(at(0, 30), "01:00-06:00")).toEqual(at(1, 0));
  });

  it("is the next day once today's window has closed", () => {
    expect(nextWindowStart(at(6, 0), "01:00-06:00")).toEqual(at(1, 0, 0, 16));
    expect(nextWindowStart(at(23, 0), "01:00-06:00")).toEqual(at(1, 0, 0, 16));
  });

  it("is the moment itself while inside the window (also after midnight in a wrapping one)", () => {
    expect(nextWindowStart(at(23, 15, 10), "22:00-06:00")).toEqual(at(23, 15, 10));
    expect(nextWindowStart(at(3, 0), "22:00-06:00")).toEqual(at(3, 0));
  });

  it("is the moment itself without a window", () => {
    expect(nextWindowStart(at(9, 41), "always")).toEqual(at(9, 41));
  });

  it("crosses a month end", () => {
    expect(nextWindowStart(new Date(2026, 0, 31, 7, 0), "01:00-06:00")).toEqual(new Date(2026, 1, 1, 1, 0));
  });
});

describe("pickScrubBatch", () => {
  const now = new Date("2026-03-01T12:00:00Z");
  const daysAgo = (days: number): Date => new Date(now.getTime() - days * 86_400_000);
  const files = [
    { id: 1, verifiedAt: daysAgo(10) },
    { id: 2, verifiedAt: null },
    { id: 3, verifiedAt: daysAgo(45) },
    { id: 4, verifiedAt: daysAgo(31) },
    { id: 5, verifiedAt: null },
    { id: 6, verifiedAt: daysAgo(30) },
    { id: 7, verifiedAt: daysAgo(-1) },
  ];

  it("picks never-verified files first, then the oldest verification, skipping recent ones", () => {
    expect(pickScrubBatch(files, { now, intervalDays: 30, limit: 10 }).map((f) => f.id)).toEqual([2, 5, 3, 4, 6]);
  });

  it("takes at most `limit` files", () => {
    expect(pickScrubBatch(files, { now, intervalDays: 30, limit: 3 }).map((f) => f.id)).toEqual([2, 5, 3]);
    expect(pickScrubBatch(files, { now, intervalDays: 30, limit: 0 })).toEqual([]);
  });

  it("counts a file due exactly at the interval, and not one verified in the future", () => {
    const picked = pickScrubBatch(files, { now, intervalDays: 30, limit: 10 }).map((f) => f.id);
    expect(picked).toContain(6);
    expect(picked).not.toContain(7);
  });

  it("leaves the input untouched", () => {
    const copy = files.map((f) => ({ ...f }));
    pickScrubBatch(files, { now, intervalDays: 1, limit: 10 });
    expect(files).toEqual(copy);
  });

  it.each([
    [{ now, intervalDays: 0, limit: 1 }, "intervalDays must be a positive number, got 0"],
    [{ now, intervalDays: 30, limit: 1.5 }, "limit must be a non-negative integer, got 1.5"],
    [{ now: new Date("nope"), intervalDays: 30, limit: 1 }, "now must be a valid Date, got Invalid Date"],
  ])("refuses bad options with an exact message (%#)", (options, message) => {
    expect(() => pickScrubBatch(files, options)).toThrow(message);
  });
});
