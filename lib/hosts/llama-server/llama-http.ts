// One JSON call to a llama-server, bounded every way a host can misbehave: a
// timeout on the whole call, a cap on the answer's size, and zod on its shape.
// Network failures become retryable AppErrors ("unavailable", "timeout"); an
// answer that is not llama-server's becomes AppError("io").
import { readCapped } from "../../read-capped.ts";
import { request } from "undici";
import type { z } from "zod";
import { AppError, errorMessage, isAppError } from "../../errors.ts";
import { cancelledError } from "../../hashing/cancelled-error.ts";

/**
 * Largest answer read. GET /models is the largest we ask for: ~1.5 KiB per model
 * (args and preset text included), so 8 MiB holds thousands of models; anything
 * bigger is not a llama-server answering us.
 */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** Characters of a non-JSON answer quoted in an error: enough to recognise an HTML error page. */
const SNIPPET_CHARS = 200;

export interface LlamaCallOptions {
  /** The whole call: connect, headers and body. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface LlamaResponse {
  status: number;
  /** Parsed JSON body (null for an empty body). */
  json: unknown;
}

/** Sends one request and reads its JSON answer, whatever the status. */
export async function callLlamaServer(
  baseUrl: string,
  method: "GET" | "POST",
  pathAndQuery: string,
  body: unknown,
  options: LlamaCallOptions,
): Promise<LlamaResponse> {
  const url = `${baseUrl.replace(/\/+$/, "")}${pathAndQuery}`;
  const what = `${method} ${url}`;
  options.signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    // The signal alone bounds the call (undici's own header/body timeouts are left at
    // their defaults, above ours), so every slow answer fails the same way.
    const response = await request(url, {
      method,
      signal,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    const text = (await readCapped(response.body, MAX_RESPONSE_BYTES, what)).toString("utf8");
    return { status: response.statusCode, json: parseJson(text, response.statusCode, what) };
  } catch (error) {
    if (isAppError(error)) throw error;
    if (options.signal?.aborted) throw cancelledError(`${what} was cancelled`, options.signal.reason);
    if (timeout.aborted) {
      throw new AppError("timeout", `${what} did not answer within ${options.timeoutMs} ms`, { retryable: true, cause: error, details: { url } });
    }
    throw new AppError("unavailable", `${what} failed: ${describeNetworkError(error)}`, { retryable: true, cause: error, details: { url } });
  }
}

function parseJson(text: string, status: number, what: string): unknown {
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new AppError("io", `${what} answered ${status} with something that is not JSON ("${text.slice(0, SNIPPET_CHARS)}"): is this a llama-server?`, {
      // A proxy's 502/503 page is an outage, not a wrong host.
      retryable: status >= 500,
      cause: error,
      details: { status },
    });
  }
}

/** "connect ECONNREFUSED 127.0.0.1:9" rather than undici's generic "fetch failed"/"other side closed". */
function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current instanceof Error && parts.length < 3; current = current.cause) {
    const code = (current as NodeJS.ErrnoException).code;
    parts.push(code && !current.message.includes(code) ? `${current.message} (${code})` : current.message);
  }
  return parts.length > 0 ? [...new Set(parts)].join(": ") : errorMessage(error);
}

/** llama-server's error body: {"error":{"code","message","type"}}. */
function serverMessage(json: unknown): string | null {
  if (typeof json !== "object" || json === null || !("error" in json)) return null;
  const inner = (json as { error: unknown }).error;
  if (typeof inner === "object" && inner !== null && "message" in inner && typeof inner.message === "string") return inner.message.slice(0, 500);
  return null;
}

/** The error for a non-2xx answer, keeping the server's own message. */
export function llamaStatusError(response: LlamaResponse, what: string): AppError {
  const message = serverMessage(response.json) ?? "no error message";
  const details = { status: response.status, serverMessage: message };
  if (response.status === 404) return new AppError("not-found", `${what}: ${message}`, { details });
  if (response.status === 400) return new AppError("invalid-input", `${what}: ${message}`, { details });
  if (response.status === 401 || response.status === 403) {
    return new AppError("forbidden", `${what}: ${message} (does the host need an API key?)`, { details });
  }
  if (response.status === 503) return new AppError("unavailable", `${what}: ${message}`, { retryable: true, details });
  return new AppError("io", `${what}: the host answered ${response.status}: ${message}`, { retryable: response.status >= 500, details });
}

/** The body of a 2xx answer as `schema` describes it, else an AppError naming what was wrong. */
export function expectLlamaOk<T>(response: LlamaResponse, schema: z.ZodType<T>, what: string): T {
  if (response.status < 200 || response.status > 299) throw llamaStatusError(response, what);
  const parsed = schema.safeParse(response.json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join(".") || "(top level)"}: ${issue.message}` : "unexpected shape";
    throw new AppError("io", `${what}: the answer is not what a llama-server in router mode sends (${where})`, {
      details: { status: response.status },
    });
  }
  return parsed.data;
}
