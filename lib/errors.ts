// One error class for library code, and one translator to HTTP for route
// handlers and server actions (validation → 422, not found → 404, …).

export type AppErrorCode =
  | "invalid-input"
  | "not-found"
  | "conflict"
  | "forbidden"
  | "corrupt-file"
  | "unsupported"
  | "io"
  | "timeout"
  | "unavailable"
  | "internal";

export interface AppErrorOptions {
  cause?: unknown;
  /** Whether running the same work again may succeed (a job retries it). */
  retryable?: boolean;
  /** Extra machine-readable facts (file path, byte offset, …). */
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: AppErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

const httpStatusByCode: Record<AppErrorCode, number> = {
  "invalid-input": 422,
  "not-found": 404,
  conflict: 409,
  forbidden: 403,
  "corrupt-file": 422,
  unsupported: 422,
  io: 502,
  timeout: 504,
  unavailable: 503,
  internal: 500,
};

export interface HttpError {
  status: number;
  body: { error: { code: string; message: string; details?: Record<string, unknown> } };
}

/** Translates any thrown value into an HTTP answer that leaks no internals. */
export function toHttp(error: unknown, log: (message: string, error: unknown) => void = console.error): HttpError {
  if (isAppError(error) && error.code !== "internal") {
    const details = Object.keys(error.details).length > 0 ? error.details : undefined;
    return {
      status: httpStatusByCode[error.code],
      body: { error: { code: error.code, message: error.message, ...(details ? { details } : {}) } },
    };
  }
  log("unhandled error", error);
  return { status: 500, body: { error: { code: "internal", message: "Internal error; see the server log." } } };
}

/** Message of any thrown value, for logs and stored job errors. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
