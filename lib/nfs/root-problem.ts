// Pure wording of "why can't we use this library root", shared by the walker
// (which throws it) and checkLibraryRoot (which reports it).
import { isAppError } from "../errors.ts";
import { errnoCode, formatSeconds } from "./with-fs-timeout.ts";

export type LibraryRootProblem =
  | "missing"
  | "not-a-directory"
  | "permission-denied"
  | "hung"
  | "stale"
  | "unmounted"
  | "io";

export interface RootProblem {
  reason: LibraryRootProblem;
  message: string;
  /** Whether waiting and trying again may help without an admin changing anything. */
  retryable: boolean;
}

/**
 * What went wrong with a probe of the root: an errno code ("ENOENT"), "timeout"
 * when the call did not answer, or "not-a-directory" when it answered with a file.
 */
export type RootFailure = string;

/** Reduces a thrown error to a RootFailure. */
export function rootFailureOf(error: unknown): RootFailure {
  if (isAppError(error) && error.code === "timeout") return "timeout";
  const errno = errnoCode(error) ?? (isAppError(error) ? errnoCode(error.cause) : undefined);
  return errno ?? "unknown";
}

/** Pure: the reason and admin-facing message for a failed probe of a root folder. */
export function rootProblem(root: string, failure: RootFailure, timeoutMs?: number, label = "Library root"): RootProblem {
  const subject = `${label} ${root}`;
  switch (failure) {
    case "ENOENT":
      return {
        reason: "missing",
        message: `${subject} does not exist (is the share mounted, and is the path right?)`,
        retryable: true,
      };
    case "ENOTDIR":
      return {
        reason: "missing",
        message: `${subject} cannot be reached: part of its path is a file, not a folder`,
        retryable: false,
      };
    case "not-a-directory":
      return { reason: "not-a-directory", message: `${subject} is a file, not a folder`, retryable: false };
    case "EACCES":
    case "EPERM":
      return {
        reason: "permission-denied",
        message: `${subject} cannot be read: permission denied (check the share's permissions for the worker's user)`,
        retryable: false,
      };
    case "timeout":
      return {
        reason: "hung",
        message: `${subject} did not answer${timeoutMs === undefined ? "" : ` within ${formatSeconds(timeoutMs)}`} (hung network mount?)`,
        retryable: true,
      };
    case "ESTALE":
    case "ENOTCONN":
      return {
        reason: "stale",
        message: `${subject} is on a network mount that went stale (${failure}); remount the share`,
        retryable: true,
      };
    default:
      return { reason: "io", message: `${subject} could not be read (${failure})`, retryable: true };
  }
}
