// Shared helpers for the JSON route handlers: ids from the path, bodies,
// and errors translated through toHttp (4xx with a message, 500 without internals).
import { AppError, toHttp } from "../../lib/errors.ts";

/** Request bodies here are tiny option objects; anything larger is a mistake or an attack. */
const MAX_JSON_BODY_BYTES = 16 * 1024;
/** SQLite INTEGER ids used by Prisma are 32-bit in practice; larger numbers cannot exist. */
const MAX_ID = 2 ** 31 - 1;

/** JSON answers are live catalogue state: never cached by a proxy or the browser. */
export function jsonResponse(data: unknown, status = 200): Response {
  return Response.json(data, { status, headers: { "cache-control": "no-store" } });
}

export function errorResponse(error: unknown): Response {
  const { status, body } = toHttp(error);
  return jsonResponse(body, status);
}

export function parseIdParam(raw: string, what: string): number {
  const id = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1 || id > MAX_ID) {
    throw new AppError("invalid-input", `${what} id must be a positive integer, got "${raw.slice(0, 40)}"`);
  }
  return id;
}

/** Reads an optional JSON object body: empty → {}, anything but an object → 422, oversized → 413-like 422. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_JSON_BODY_BYTES) {
    throw new AppError("invalid-input", `request body too large (${declared} bytes; at most ${MAX_JSON_BODY_BYTES})`);
  }
  const text = await request.text();
  if (text.length > MAX_JSON_BODY_BYTES) {
    throw new AppError("invalid-input", `request body too large (at most ${MAX_JSON_BODY_BYTES} bytes)`);
  }
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AppError("invalid-input", `request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new AppError("invalid-input", "request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}
