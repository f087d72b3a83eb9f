// The first call of every operation on a library root: is it there, is it a
// folder, and does it answer? Failures become AppError("unavailable") so a scan
// never mistakes a vanished share for an empty library.
import { promises as fsp, type BigIntStats } from "node:fs";
import { AppError } from "../errors.ts";
import { rootFailureOf, rootProblem, type RootFailure } from "./root-problem.ts";
import { withFsTimeout } from "./with-fs-timeout.ts";

export type StatBigInt = (path: string) => Promise<BigIntStats>;

const statFollowingLinks: StatBigInt = (p) => fsp.stat(p, { bigint: true });

function unavailable(root: string, failure: RootFailure, timeoutMs: number, cause?: unknown, label?: string): AppError {
  const problem = rootProblem(root, failure, timeoutMs, label);
  return new AppError("unavailable", problem.message, {
    cause,
    retryable: problem.retryable,
    details: { path: root, reason: problem.reason, failure },
  });
}

/** Stats `root` (following symlinks) and throws AppError("unavailable") unless it is a directory. */
export async function statRootDir(root: string, timeoutMs: number, stat: StatBigInt = statFollowingLinks): Promise<BigIntStats> {
  let stats: BigIntStats;
  try {
    stats = await withFsTimeout(() => stat(root), timeoutMs, `Library root ${root}`);
  } catch (error) {
    throw unavailable(root, rootFailureOf(error), timeoutMs, error);
  }
  if (!stats.isDirectory()) throw unavailable(root, "not-a-directory", timeoutMs);
  return stats;
}

/** The same AppError for a failure found after the root's stat (e.g. opendir of the root). */
export function rootUnavailableError(root: string, error: unknown, timeoutMs: number, label?: string): AppError {
  return unavailable(root, rootFailureOf(error), timeoutMs, error, label);
}
