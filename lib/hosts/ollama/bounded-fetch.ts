// The fetch given to the official `ollama` client: every control call gets the
// caller's signal plus a timeout covering connect, headers and body, and the
// body is read up to a cap before the client sees it. ollama-js itself has no
// timeouts and no abort for its non-streaming calls (version, list, show, ps,
// delete), so both come from here.
import { readCapped } from "../../read-capped.ts";

/**
 * /api/show of a large mixture-of-experts model lists every tensor (thousands of
 * ~100-byte entries) plus license text; /api/tags of hundreds of models is far
 * smaller. 16 MiB is generous for both and still a bounded amount of memory.
 */
export const MAX_CONTROL_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Statuses whose Response must have a null body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export interface ControlCallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export function boundedFetch(options: ControlCallOptions): typeof fetch {
  return async (input, init) => {
    const signals = [AbortSignal.timeout(options.timeoutMs)];
    if (options.signal) signals.push(options.signal);
    if (init?.signal) signals.push(init.signal);
    const signal = AbortSignal.any(signals);
    const response = await fetch(input, { ...init, signal });
    const method = (init?.method ?? "GET").toUpperCase();
    const what = `${method} ${typeof input === "string" ? input : input instanceof URL ? input.href : input.url}`;
    const body =
      response.body === null || method === "HEAD" || NULL_BODY_STATUSES.has(response.status)
        ? null
        : new Uint8Array(await readCapped(response.body, MAX_CONTROL_RESPONSE_BYTES, what));
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
