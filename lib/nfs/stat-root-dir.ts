// The first call of every operation on a library root: is it there, is it a
// folder, and does it answer? Failures become AppError("unavailable") so a scan
// never mistakes a vanished share for an empty library.
import { AppError } from "../errors.ts";
import { rootFailureOf, rootProblem, type RootFailure } from "./root-problem.ts";
import { labelledPath, localShareFs, type ShareFs, type ShareStats } from "./share-fs.ts";
import { withFsTimeout } from "./with-fs-timeout.ts";

/** The older form of the third argument: a bare stat() following symlinks. */
export type StatBigInt = (path: string) => Promise<ShareStats>;

/** What statRootDir needs of a filesystem; the label is optional so a WalkFs fits. */
export type RootStatFs = Pick<ShareFs, "stat"> & { readonly label?: string };

function unavailable(root: string, failure: RootFailure, timeoutMs: number, cause?: unknown, label?: string): AppError {
  const problem = rootProblem(root, failure, timeoutMs, label);
  return new AppError("unavailable", problem.message, {
    cause,
    retryable: problem.retryable,
    details: { path: root, reason: problem.reason, failure },
  });
}

/**
 * Stats `root` (following symlinks) on `fs` and throws AppError("unavailable") unless
 * it is a directory. Messages and details name the root as `fs.label + root`.
 */
export async function statRootDir(root: string, timeoutMs: number, fs: RootStatFs | StatBigInt = localShareFs): Promise<ShareStats> {
  const share: RootStatFs = typeof fs === "function" ? { stat: fs } : fs;
  const shown = labelledPath(share, root);
  let stats: ShareStats;
  try {
    stats = await withFsTimeout(() => share.stat(root), timeoutMs, `Library root ${shown}`);
  } catch (error) {
    throw unavailable(shown, rootFailureOf(error), timeoutMs, error);
  }
  if (!stats.isDirectory()) throw unavailable(shown, "not-a-directory", timeoutMs);
  return stats;
}

/**
 * The same AppError for a failure found after the root's stat (e.g. opendir of the root).
 * `root` is named as given: pass the labelled path (see labelledPath).
 */
export function rootUnavailableError(root: string, error: unknown, timeoutMs: number, label?: string): AppError {
  return unavailable(root, rootFailureOf(error), timeoutMs, error, label);
}
