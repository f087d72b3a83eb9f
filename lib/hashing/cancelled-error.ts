// Cancellation of a hash or a throttle wait. lib/errors.ts has no "cancelled"
// code, so a cancellation is AppError("unavailable") marked in its details:
// callers tell it apart from a real outage with isCancelledError().
import { AppError, isAppError } from "../errors.ts";

/** details.reason of every cancellation error. */
export const CANCELLED_REASON = "cancelled";

/**
 * The work was stopped by its caller (an AbortSignal), not by a fault. Retryable:
 * the file itself is fine, so a job stopped by a shutdown or a lost lease can
 * run again; a job the user cancelled knows that it aborted and does not retry.
 */
export function cancelledError(message: string, reason?: unknown, details: Record<string, unknown> = {}): AppError {
  return new AppError("unavailable", message, {
    retryable: true,
    ...(reason === undefined ? {} : { cause: reason }),
    details: { ...details, reason: CANCELLED_REASON },
  });
}

/** True for errors made by cancelledError(), whatever wrapped them. */
export function isCancelledError(error: unknown): boolean {
  return isAppError(error) && error.code === "unavailable" && error.details.reason === CANCELLED_REASON;
}
