// Every call into a library root goes through here: a hung NFS mount never
// answers, and a worker must notice that instead of waiting forever.
import { AppError, isAppError, type AppErrorCode } from "../errors.ts";
import { requireTimeoutMs } from "./require-option.ts";

/**
 * Default per-call budget. A healthy NAS answers in milliseconds; a spun-down disk
 * takes 10–15 s to wake. 30 s covers a wake-up with margin and still notices a
 * hung mount long before the kernel's own hard-mount retries would give up (never).
 * Workers normally pass the configured MODELSHELF_FS_TIMEOUT_MS instead.
 */
export const DEFAULT_FS_TIMEOUT_MS = 30_000;

/**
 * Runs `op` and rejects with AppError("timeout", retryable) when it has not settled
 * after `ms`. The underlying libuv thread may stay stuck in the kernel; we only stop
 * waiting for it. A late result or failure of `op` is dropped.
 */
export async function withFsTimeout<T>(op: () => Promise<T>, ms: number, what: string): Promise<T> {
  requireTimeoutMs(ms);
  const pending = op();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new AppError("timeout", `${what} did not answer within ${formatSeconds(ms)} (hung network mount?)`, {
          retryable: true,
          details: { timeoutMs: ms },
        }),
      );
    }, ms);
    // After a timeout these calls are no-ops: the promise has already rejected,
    // and handling the late rejection here keeps it from becoming "unhandled".
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** "15s", "0.05s": the unit an admin reads in a timeout message. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/** The errno code ("ENOENT", …) of a Node fs error, if it is one (an AppError's code is not). */
export function errnoCode(error: unknown): string | undefined {
  if (isAppError(error) || !(error instanceof Error) || !("code" in error)) return undefined;
  return typeof error.code === "string" && /^E[A-Z0-9]+$/.test(error.code) ? error.code : undefined;
}

interface ErrnoMeaning {
  code: AppErrorCode;
  retryable: boolean;
  message: (path: string) => string;
}

const unreachable: ErrnoMeaning = {
  code: "unavailable",
  retryable: true,
  message: (p) => `${p} is on a network share that cannot be reached right now`,
};

const meaningByErrno: Record<string, ErrnoMeaning> = {
  ENOENT: { code: "not-found", retryable: false, message: (p) => `${p} does not exist` },
  ENOTDIR: {
    code: "not-found",
    retryable: false,
    message: (p) => `${p} cannot be reached: part of the path is a file, not a folder`,
  },
  EACCES: {
    code: "forbidden",
    retryable: false,
    message: (p) => `Permission denied for ${p} (check the share's permissions and how the NAS maps the worker's user)`,
  },
  EPERM: {
    code: "forbidden",
    retryable: false,
    message: (p) => `Operation not permitted on ${p} (check the share's permissions and how the NAS maps the worker's user)`,
  },
  ELOOP: {
    code: "invalid-input",
    retryable: false,
    message: (p) => `${p} has too many levels of symbolic links (a symlink loop?)`,
  },
  EISDIR: { code: "invalid-input", retryable: false, message: (p) => `${p} is a folder, not a file` },
  ENAMETOOLONG: { code: "invalid-input", retryable: false, message: (p) => `${p} is too long a path name` },
  EIO: {
    code: "io",
    retryable: true,
    message: (p) => `I/O error on ${p} (a failing disk on the NAS, or a 'soft' network mount that gave up)`,
  },
  ESTALE: {
    code: "unavailable",
    retryable: true,
    message: (p) => `Stale file handle for ${p}: the NAS export changed or its server restarted; remount the share`,
  },
  // FUSE mounts (sshfs, rclone) whose daemon died answer "Transport endpoint is not connected".
  ENOTCONN: {
    code: "unavailable",
    retryable: true,
    message: (p) => `${p} is on a network mount whose connection is gone; remount the share`,
  },
  EHOSTDOWN: unreachable,
  EHOSTUNREACH: unreachable,
  ENETUNREACH: unreachable,
  ECONNREFUSED: unreachable,
  ECONNRESET: unreachable,
  ETIMEDOUT: unreachable,
  EMFILE: { code: "io", retryable: true, message: (p) => `Too many open files in the worker while opening ${p}` },
  ENFILE: { code: "io", retryable: true, message: (p) => `Too many open files on this machine while opening ${p}` },
};

/**
 * Translates a Node fs error into an AppError an admin can act on. AppErrors
 * (e.g. from withFsTimeout) pass through unchanged.
 */
export function fsError(error: unknown, path: string): AppError {
  if (isAppError(error)) return error;
  const errno = errnoCode(error);
  const syscall = error instanceof Error && "syscall" in error && typeof error.syscall === "string" ? error.syscall : undefined;
  const details = { path, ...(errno ? { errno } : {}), ...(syscall ? { syscall } : {}) };
  const meaning = errno === undefined ? undefined : meaningByErrno[errno];
  if (meaning) return new AppError(meaning.code, meaning.message(path), { cause: error, retryable: meaning.retryable, details });
  const reason = error instanceof Error ? error.message : String(error);
  // Unknown errno on a network share is more often transient than permanent.
  return new AppError("io", `${syscall ?? "file operation"} failed for ${path}: ${reason}`, {
    cause: error,
    retryable: errno !== undefined,
    details,
  });
}
