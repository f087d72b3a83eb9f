// One place that turns whatever a call to an Ollama host threw into an AppError
// a job can act on: connection failures, timeouts and 5xx answers are worth a
// retry; 4xx answers, digest mismatches, a full disk and answers that are not
// Ollama's are not (running the same request again gets the same answer).
import { AppError, errorMessage, isAppError } from "../../errors.ts";
import { cancelledError } from "../../hashing/cancelled-error.ts";

/** Error messages quote at most this much of what a host sent (an HTML error page can be megabytes). */
export const MAX_QUOTED_CHARS = 300;

/** Transport-level error codes (Node sockets, DNS, undici): the host or the path to it is down. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH",
]);

/** undici's own timers: the host is there (or was) but too slow. */
const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** Shortens host-sent text for a message. */
export function quote(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_QUOTED_CHARS ? `${flat.slice(0, MAX_QUOTED_CHARS)}…` : flat;
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

function networkCode(error: unknown): string | null {
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
  }
  return null;
}

function isTimeout(error: unknown): boolean {
  return causes(error).some((e) => (e as { name?: unknown }).name === "TimeoutError" || TIMEOUT_CODES.has(String((e as { code?: unknown }).code)));
}

/** A timeout of one call, as every driver function reports it. */
export function timeoutFailure(what: string, ms: number): AppError {
  return new AppError("timeout", `${what}: no answer within ${ms} ms`, { retryable: true, details: { timeoutMs: ms } });
}

/** An answer that is not what an Ollama host sends (wrong port, a proxy's page, a broken host). */
export function garbageFailure(what: string, detail: string): AppError {
  return new AppError("io", `${what}: the answer is not Ollama's (${detail}); check the host's base URL`, { retryable: false });
}

/**
 * A failure the host reported in words ({"error"} bodies and NDJSON lines).
 * `status` is the HTTP status, or null for an error line inside a 200 stream.
 */
export function reportedFailure(what: string, message: string, status: number | null, retryableWhenUnknown = true): AppError {
  const text = `${what}: ${quote(message)}`;
  const details = { hostMessage: quote(message), ...(status === null ? {} : { status }) };
  // ENOSPC: retrying re-sends gigabytes into the same full disk; someone has to free space first.
  if (/no space left on device/i.test(message)) return new AppError("io", `${text} (the host's disk is full)`, { retryable: false, details });
  if (/digest mismatch/i.test(message)) return new AppError("corrupt-file", text, { retryable: false, details });
  if (status === 404) return new AppError("not-found", text, { retryable: false, details });
  if (status !== null && status >= 400 && status < 500) return new AppError("invalid-input", text, { retryable: false, details });
  if (status !== null && status >= 500) return new AppError("unavailable", text, { retryable: true, details });
  return new AppError("io", text, { retryable: retryableWhenUnknown, details });
}

/**
 * Classifies anything a host call threw. `signal` is the caller's: when it aborted,
 * the error is a cancellation whatever the transport made of it. `timeoutMs` names
 * the limit in the message when the call timed out.
 */
export function ollamaFailure(error: unknown, what: string, signal?: AbortSignal, timeoutMs?: number): AppError {
  if (signal?.aborted) return cancelledError(`${what}: cancelled`, signal.reason);
  if (isAppError(error)) return error;
  const status = (error as { status_code?: unknown }).status_code;
  // ollama-js ResponseError: { error, status_code } from a non-2xx answer.
  if ((error as { name?: unknown }).name === "ResponseError" && typeof status === "number") {
    return reportedFailure(what, String((error as { error?: unknown }).error ?? errorMessage(error)), status);
  }
  if (error instanceof SyntaxError) return garbageFailure(what, `not JSON: ${quote(error.message)}`);
  if (isTimeout(error)) {
    if (timeoutMs !== undefined) return timeoutFailure(what, timeoutMs);
    return new AppError("timeout", `${what}: ${quote(errorMessage(error))}`, { retryable: true, cause: error });
  }
  const code = networkCode(error);
  if (code !== null) {
    const cause = causes(error).find((e) => (e as { code?: unknown }).code === code);
    return new AppError("unavailable", `${what}: ${quote(errorMessage(cause ?? error))}`, { retryable: true, cause: error, details: { code } });
  }
  // fetch() wraps transport failures in TypeError("fetch failed"); say what failed underneath.
  const deepest = causes(error).at(-1);
  return new AppError("unavailable", `${what}: ${quote(errorMessage(deepest ?? error))}`, { retryable: true, cause: error });
}
