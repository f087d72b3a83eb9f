// Health check of a library root before a scan trusts what it sees. The key
// case: an NFS share that went away leaves an empty mount-point folder, which
// must read as "unmounted", never as "all models deleted".
import { promises as fsp } from "node:fs";
import { errorMessage } from "../errors.ts";
import { isNetworkFsType, readMountSummary, type MountReport, type MountSummary } from "./mount-info.ts";
import { requireTimeoutMs } from "./require-option.ts";
import { rootFailureOf, rootProblem, type LibraryRootProblem, type RootFailure } from "./root-problem.ts";
import { withFsTimeout } from "./with-fs-timeout.ts";

/** What the I/O half found out; the input of the pure decision. */
export type RootProbe =
  | { found: false; failure: RootFailure }
  | { found: true; isDirectory: false }
  | { found: true; isDirectory: true; mount: MountReport };

export type LibraryRootStatus =
  | { ok: true; mount: MountReport }
  | { ok: false; reason: LibraryRootProblem; message: string; retryable: boolean; mount?: MountSummary };

export interface CheckLibraryRootOptions {
  timeoutMs: number;
  /** Filesystem type recorded at the last good check ("nfs4"); enables the "unmounted" verdict. */
  previousFsType?: string;
  /** Injectable for tests; defaults to /proc/self/mountinfo. */
  mountInfoPath?: string;
}

/** Pure: turns a probe into a verdict. */
export function decideRootStatus(root: string, probe: RootProbe, previousFsType?: string, timeoutMs?: number): LibraryRootStatus {
  if (!probe.found) return { ok: false, ...rootProblem(root, probe.failure, timeoutMs) };
  if (!probe.isDirectory) return { ok: false, ...rootProblem(root, "not-a-directory", timeoutMs) };
  const mount = probe.mount;
  if (previousFsType !== undefined && isNetworkFsType(previousFsType) && !isNetworkFsType(mount.fsType)) {
    return {
      ok: false,
      reason: "unmounted",
      message:
        `Library root ${root} was on a ${previousFsType} network share but is now on ${mount.fsType} ` +
        `(mounted at ${mount.mountPoint}): the share is not mounted and what remains is the empty mount-point ` +
        "folder. Remount the share; no model is marked missing meanwhile.",
      retryable: true,
      mount,
    };
  }
  return { ok: true, mount };
}

/** Probes `root` (stat, mount table, free space), each call timed, and decides. */
export async function checkLibraryRoot(root: string, options: CheckLibraryRootOptions): Promise<LibraryRootStatus> {
  const timeoutMs = requireTimeoutMs(options.timeoutMs);
  let probe: RootProbe;
  try {
    const stats = await withFsTimeout(() => fsp.stat(root), timeoutMs, `Library root ${root}`);
    if (!stats.isDirectory()) probe = { found: true, isDirectory: false };
    else {
      const mountOptions = options.mountInfoPath === undefined ? { timeoutMs } : { timeoutMs, mountInfoPath: options.mountInfoPath };
      probe = { found: true, isDirectory: true, mount: await readMountSummary(root, mountOptions) };
    }
  } catch (error) {
    // Errors without an errno (e.g. an unreadable mount table) keep their message for the admin.
    const failure = rootFailureOf(error);
    probe = { found: false, failure: failure === "unknown" ? errorMessage(error) : failure };
  }
  return decideRootStatus(root, probe, options.previousFsType, timeoutMs);
}
