// The NDJSON progress plumbing under create and pull: bounded line reading, idle
// timeouts, and how a stream's answer maps to success or an error with the
// right retry decision. Servers here misbehave on purpose, in ways the double
// does not (stalling mid-stream, ending without "success").
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { isAppError, type AppError } from "../../lib/errors.ts";
import { ollamaShortName, sameOllamaName } from "../../lib/hosts/ollama/index.ts";
import { reportedFailure } from "../../lib/hosts/ollama/ollama-failure.ts";
import { MAX_NDJSON_LINE_BYTES, readNdjson } from "../../lib/hosts/ollama/read-ndjson.ts";
import { streamOllamaProgress, type ProgressLine } from "../../lib/hosts/ollama/stream-ollama-progress.ts";
import { hostTarget, pushContext } from "../ollama/driver-kit.ts";

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function collect(chunks: (string | Buffer)[], idleTimeoutMs = 1000): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of readNdjson(Readable.from(chunks.map((c) => Buffer.from(c))), { what: "test stream", idleTimeoutMs })) out.push(item);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

function stream(baseUrl: string, idleTimeoutMs = 1000, lines: ProgressLine[] = []) {
  return streamOllamaProgress(hostTarget(baseUrl), pushContext({ timeoutMs: 1000 }), {
    path: "/api/create",
    body: { model: "nas/x:y" },
    idleTimeoutMs,
    classifyErrorLine: (what, message) => reportedFailure(what, message, null),
    onLine: (line) => lines.push(line),
  });
}

describe("readNdjson", () => {
  it("joins lines split across chunks, multi-byte characters included, and reads a last line without newline", async () => {
    const euro = Buffer.from('{"status":"€"}\n');
    expect(await collect(['{"status":"a"}\n{"sta', 'tus":"b"}\n', euro.subarray(0, 12), euro.subarray(12), '{"status":"c"}'])).toEqual([
      { status: "a" },
      { status: "b" },
      { status: "€" },
      { status: "c" },
    ]);
  });

  it("fails on a line that is not JSON instead of skipping it", async () => {
    const error = await failure(collect(['{"status":"a"}\n', "<html>oops</html>\n"]));
    expect(error).toMatchObject({ code: "io", retryable: false });
    expect(error.message).toBe('test stream: the answer is not Ollama\'s (line 2 is not JSON: "<html>oops</html>"); check the host\'s base URL');
  });

  it("refuses a line longer than the cap without buffering the rest", async () => {
    const error = await failure(collect(["x".repeat(MAX_NDJSON_LINE_BYTES), "xx\n"]));
    expect(error.message).toMatch(/exceeds 1048576 bytes/);
  });

  it("fails with a retryable timeout when the stream goes quiet", async () => {
    const quiet = new Readable({ read() {} });
    quiet.push('{"status":"a"}\n');
    const seen: unknown[] = [];
    const error = await failure(
      (async () => {
        for await (const item of readNdjson(quiet, { what: "quiet stream", idleTimeoutMs: 150 })) seen.push(item);
      })(),
    );
    expect(seen).toEqual([{ status: "a" }]);
    expect(error).toMatchObject({ code: "timeout", retryable: true, message: "quiet stream: no answer within 150 ms" });
  });
});

describe("streamOllamaProgress", () => {
  it("passes every line on and stops at success", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end('{"status":"parsing GGUF"}\n{"status":"writing manifest"}\n{"status":"success"}\n');
    });
    const lines: ProgressLine[] = [];
    await stream(url, 1000, lines);
    expect(lines.map((l) => l.status)).toEqual(["parsing GGUF", "writing manifest", "success"]);
  });

  it("is a permanent error for a 4xx answer and a retryable one for a 5xx", async () => {
    let status = 400;
    const url = await serve((_req, res) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: status === 400 ? "invalid model name" : "something broke" }));
    });
    expect(await failure(stream(url))).toMatchObject({ code: "invalid-input", retryable: false, message: "test-ollama: POST /api/create: invalid model name" });
    status = 500;
    expect(await failure(stream(url))).toMatchObject({ code: "unavailable", retryable: true });
  });

  it("never reports success for a stream that ends without it", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end('{"status":"parsing GGUF"}\n');
    });
    const error = await failure(stream(url));
    expect(error).toMatchObject({ code: "io", retryable: true });
    expect(error.message).toMatch(/ended without "success"/);
  });

  it("times out a stream that stalls after its first line", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write('{"status":"parsing GGUF"}\n');
    });
    const error = await failure(stream(url, 200));
    expect(error).toMatchObject({ code: "timeout", retryable: true, message: "test-ollama: POST /api/create: no answer within 200 ms" });
  });

  it("rejects lines that are JSON but not progress", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end('{"model":"x","done":true}\n');
    });
    expect(await failure(stream(url))).toMatchObject({ code: "io", retryable: false });
  });
});

describe("ollamaShortName", () => {
  it("spells names the way /api/tags does", () => {
    // types/model/name.go DisplayShortest.
    expect(ollamaShortName("qwen")).toBe("qwen:latest");
    expect(ollamaShortName("library/qwen:7b")).toBe("qwen:7b");
    expect(ollamaShortName("nas/qwen:7b")).toBe("nas/qwen:7b");
    expect(ollamaShortName("registry.ollama.ai/nas/qwen:7b")).toBe("nas/qwen:7b");
    expect(ollamaShortName("10.0.0.2:8080/nas/qwen:q4_k_m")).toBe("10.0.0.2:8080/nas/qwen:q4_k_m");
    expect(ollamaShortName("http://10.0.0.2:8080/nas/qwen")).toBe("10.0.0.2:8080/nas/qwen:latest");
    expect(sameOllamaName("NAS/Qwen:7B", "nas/qwen:7b")).toBe(true);
    expect(sameOllamaName("nas/qwen:7b", "nas/qwen:8b")).toBe(false);
  });
});
