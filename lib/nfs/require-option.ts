// Up-front validation of numeric options, so a bad call fails with an exact
// message instead of a confusing fs error (or a timer that fires at once).
import { AppError } from "../errors.ts";

/** setTimeout() treats anything above 2^31-1 ms as 1 ms, so a huge timeout would fire immediately. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Throws AppError("invalid-input") unless `value` is an integer within [min, max]. */
export function requireIntegerOption(name: string, value: number, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AppError("invalid-input", `${name} must be an integer between ${min} and ${max}, got ${String(value)}`, {
      details: { option: name, value },
    });
  }
  return value;
}

/** A per-call filesystem timeout: at least 1 ms, at most what setTimeout can represent. */
export function requireTimeoutMs(value: number, name = "timeoutMs"): number {
  return requireIntegerOption(name, value, 1, MAX_TIMER_MS);
}
