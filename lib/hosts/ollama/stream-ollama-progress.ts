// POSTs a streaming request (/api/create, /api/pull) and follows its NDJSON
// progress to the end. Ollama answers an error found before streaming as a
// JSON body with a 4xx/5xx status, and one found later as a final {"error"}
// line (routes.go streamResponse); the call succeeds only on a "success" line.
import { request } from "undici";
import { AppError } from "../../errors.ts";
import type { HostTarget, PushContext } from "../types.ts";
import { garbageFailure, ollamaFailure, reportedFailure } from "./ollama-failure.ts";
import { ollamaProgressSchema } from "./ollama-schemas.ts";
import { readErrorText } from "./read-capped.ts";
import { readNdjson } from "./read-ndjson.ts";

export interface ProgressLine {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

export interface StreamProgressOptions {
  path: "/api/create" | "/api/pull";
  body: Record<string, unknown>;
  /** Longest silence between lines before the call fails. */
  idleTimeoutMs: number;
  /** Turns the text of an {"error"} line into the error to throw. */
  classifyErrorLine(what: string, message: string): AppError;
  onLine(line: ProgressLine): void;
}

export async function streamOllamaProgress(host: HostTarget, ctx: PushContext, options: StreamProgressOptions): Promise<void> {
  const what = `${host.name}: POST ${options.path}`;
  let res;
  try {
    res = await request(`${host.baseUrl}${options.path}`, {
      method: "POST",
      body: JSON.stringify({ ...options.body, stream: true }),
      headers: { "content-type": "application/json", accept: "application/x-ndjson" },
      signal: ctx.signal,
      // The request is small: its answer (or first line) must come within the control timeout.
      headersTimeout: ctx.timeoutMs,
      // Silence while streaming is judged by readNdjson's idle timeout instead.
      bodyTimeout: 0,
    });
  } catch (error) {
    throw ollamaFailure(error, what, ctx.signal, ctx.timeoutMs);
  }
  try {
    if (res.statusCode !== 200) throw reportedFailure(what, await readErrorText(res.body, what), res.statusCode);
    for await (const raw of readNdjson(res.body, { what, idleTimeoutMs: options.idleTimeoutMs })) {
      const parsed = ollamaProgressSchema.safeParse(raw);
      if (!parsed.success) throw garbageFailure(what, `a line is not a progress object: ${JSON.stringify(raw).slice(0, 200)}`);
      const line = parsed.data;
      if ("error" in line) throw options.classifyErrorLine(what, line.error);
      options.onLine(line);
      if (line.status === "success") return;
    }
    throw new AppError("io", `${what}: the progress stream ended without "success"; the host may have restarted`, { retryable: true });
  } catch (error) {
    throw ollamaFailure(error, what, ctx.signal);
  } finally {
    res.body.on("error", () => undefined);
    res.body.destroy();
  }
}
