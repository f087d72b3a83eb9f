// Errors of the /v2/ API in the distribution-spec form
// {"errors":[{"code","message","detail"}]}. Registry code throws AppErrors that
// carry the distribution code; toRegistryError turns any thrown value into a
// status and body without leaking internals.
import { AppError, isAppError, type AppErrorCode } from "../errors.ts";

/** Distribution error codes used here, with their HTTP status (distribution spec, Docker Distribution's errcode table). */
export const REGISTRY_ERROR_STATUS = {
  NAME_INVALID: 400,
  TAG_INVALID: 400,
  DIGEST_INVALID: 400,
  PAGINATION_NUMBER_INVALID: 400,
  NAME_UNKNOWN: 404,
  MANIFEST_UNKNOWN: 404,
  BLOB_UNKNOWN: 404,
  /** Any write (this registry is read-only), or an endpoint that does not exist (404). */
  UNSUPPORTED: 405,
  RANGE_INVALID: 416,
  UNKNOWN: 500,
  UNAVAILABLE: 503,
} as const;

export type RegistryErrorCode = keyof typeof REGISTRY_ERROR_STATUS;

const APP_CODE_BY_STATUS: Record<number, AppErrorCode> = {
  400: "invalid-input",
  404: "not-found",
  405: "unsupported",
  416: "invalid-input",
  500: "internal",
  503: "unavailable",
};

export interface RegistryErrorOptions {
  detail?: Record<string, unknown>;
  /** Overrides the code's usual status (e.g. 404 for an unknown endpoint). */
  status?: number;
  cause?: unknown;
}

export function registryError(code: RegistryErrorCode, message: string, options: RegistryErrorOptions = {}): AppError {
  const status = options.status ?? REGISTRY_ERROR_STATUS[code];
  return new AppError(APP_CODE_BY_STATUS[status] ?? "internal", message, {
    cause: options.cause,
    retryable: status === 503,
    details: { registryCode: code, registryStatus: status, ...(options.detail ? { detail: options.detail } : {}) },
  });
}

export interface RegistryErrorResponse {
  status: number;
  body: { errors: { code: string; message: string; detail?: unknown }[] };
  /** Unexpected: the caller logs it (the body says only "internal error"). */
  unexpected: boolean;
}

/** AppErrors from the catalogue and the share map onto distribution codes; anything else is a 500. */
export function toRegistryError(error: unknown): RegistryErrorResponse {
  if (isAppError(error)) {
    const registryCode = error.details.registryCode as RegistryErrorCode | undefined;
    if (registryCode !== undefined) {
      const status = (error.details.registryStatus as number | undefined) ?? REGISTRY_ERROR_STATUS[registryCode];
      const detail = error.details.detail;
      return { status, body: { errors: [{ code: registryCode, message: error.message, ...(detail ? { detail } : {}) }] }, unexpected: false };
    }
    // A hung or unreachable share: the client may retry (Ollama does, per part).
    if (error.code === "unavailable" || error.code === "timeout" || error.code === "io") {
      return { status: 503, body: { errors: [{ code: "UNAVAILABLE", message: error.message }] }, unexpected: false };
    }
    // A file that changed or vanished since it was indexed: the admin's problem, named in the message.
    if (error.code === "conflict" || error.code === "corrupt-file" || error.code === "not-found") {
      return { status: 500, body: { errors: [{ code: "UNKNOWN", message: error.message }] }, unexpected: false };
    }
  }
  return { status: 500, body: { errors: [{ code: "UNKNOWN", message: "internal error; see the registry log" }] }, unexpected: true };
}
