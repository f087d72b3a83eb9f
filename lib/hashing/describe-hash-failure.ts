// Turns what went wrong while hashing (reported by the worker thread, or thrown
// by a reader in this thread) into an AppError an admin can act on.
import { AppError, isAppError } from "../errors.ts";
import { formatSeconds, fsError } from "../nfs/with-fs-timeout.ts";

/** Where in a hash an operation failed. */
export type HashOp = "open" | "stat" | "read" | "stat-after" | "throttle" | "close";

/** A failure as the worker thread reports it (structured-clone safe). */
export type HashFailure =
  | { kind: "timeout"; op: HashOp; position?: number; timeoutMs: number }
  | { kind: "fs"; op: HashOp; position?: number; errno?: string; syscall?: string; message: string }
  | { kind: "not-regular"; what: "directory" | "other" }
  | { kind: "internal"; message: string };

function timeoutWhat(op: HashOp, name: string, position: number | undefined): string {
  if (op === "open") return `Opening ${name}`;
  if (op === "read") return `Reading ${name} at byte ${position ?? 0}`;
  if (op === "stat-after") return `stat of ${name} after hashing`;
  if (op === "close") return `Closing ${name}`;
  return `stat of ${name}`;
}

export function describeHashFailure(failure: HashFailure, name: string): AppError {
  switch (failure.kind) {
    case "timeout":
      // The kernel call may never return; the job stops waiting and can retry later.
      return new AppError("timeout", `${timeoutWhat(failure.op, name, failure.position)} did not answer within ${formatSeconds(failure.timeoutMs)} (hung network mount?)`, {
        retryable: true,
        details: { path: name, op: failure.op, timeoutMs: failure.timeoutMs, ...(failure.position === undefined ? {} : { position: failure.position }) },
      });
    case "not-regular":
      return new AppError(
        "invalid-input",
        failure.what === "directory" ? `${name} is a folder, not a file` : `${name} is not a regular file (a device, pipe or socket)`,
        { details: { path: name } },
      );
    case "internal":
      return new AppError("internal", `Hashing ${name} failed inside the hash worker: ${failure.message}`, { details: { path: name } });
    case "fs":
      return describeFsFailure(failure, name);
  }
}

function describeFsFailure(failure: Extract<HashFailure, { kind: "fs" }>, name: string): AppError {
  const errnoError = Object.assign(new Error(failure.message), { code: failure.errno, syscall: failure.syscall });
  const position = failure.position ?? 0;
  if (failure.op === "read" && failure.errno === "EIO") {
    return new AppError("io", `${name} is unreadable: I/O error at byte ${position}`, {
      cause: errnoError,
      retryable: true,
      details: { path: name, errno: "EIO", position },
    });
  }
  if (failure.op === "stat-after" && (failure.errno === "ENOENT" || failure.errno === "ENOTDIR")) {
    return new AppError("not-found", `${name} disappeared while it was being hashed`, {
      cause: errnoError,
      retryable: true,
      details: { path: name, errno: failure.errno },
    });
  }
  const base = fsError(errnoError, name);
  if (failure.op !== "read") return base;
  return new AppError(base.code, `${base.message} (while reading at byte ${position})`, {
    cause: errnoError,
    retryable: base.retryable,
    details: { ...base.details, position },
  });
}

/** An error thrown by a ChunkReader: AppErrors pass through, errno errors are described like the worker's. */
export function describeReaderError(error: unknown, name: string, op: HashOp, position?: number): AppError {
  if (isAppError(error)) return error;
  const code = error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined;
  const syscall = error instanceof Error && "syscall" in error && typeof error.syscall === "string" ? error.syscall : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return describeHashFailure({ kind: "fs", op, message, ...(position === undefined ? {} : { position }), ...(code ? { errno: code } : {}), ...(syscall ? { syscall } : {}) }, name);
}
