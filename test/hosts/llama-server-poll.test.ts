// Hosts that are down or are not llama-servers: a poll says so quickly and never
// throws; a push fails with an error an admin can read, before writing anything.
import { promises as fsp } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../lib/errors.ts";
import { MAX_RESPONSE_BYTES } from "../../lib/hosts/llama-server/llama-http.ts";
import { pollLlamaServer } from "../../lib/hosts/llama-server/poll-llama-server.ts";
import { pushLlamaModel } from "../../lib/hosts/llama-server/push-llama-model.ts";
import type { HostTarget, PushContext } from "../../lib/hosts/types.ts";

/** A poll of a dead host must not hold up the poll job: well under the per-request timeout here. */
const QUICK_MS = 1_000;

function hostAt(baseUrl: string, extra: Partial<HostTarget> = {}): HostTarget {
  return { id: 1, name: "box", kind: "llama-server", baseUrl, delivery: "models-dir", modelsDir: null, presetPath: null, pathMap: [], ...extra };
}

/** An HTTP server answering each path with the given status and body ("*": every other path). */
async function fakeHost(routes: Record<string, { status: number; body: string | Buffer }>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const route = routes[(req.url ?? "").split("?")[0] ?? ""] ?? routes["*"];
    res.writeHead(route?.status ?? 404, { "content-type": "application/json" });
    res.end(route?.body ?? '{"error":{"code":404,"message":"File Not Found","type":"not_found_error"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("polling a host that is not there", () => {
  it("reports a refused connection as unreachable at once", async () => {
    const started = performance.now();
    const report = await pollLlamaServer(hostAt(`http://127.0.0.1:${await closedPort()}`), { timeoutMs: 10_000 });
    expect(performance.now() - started).toBeLessThan(QUICK_MS);
    expect(report).toMatchObject({ reachable: false, version: null, models: [] });
    expect(report.error).toMatch(/ECONNREFUSED/);
  });

  it("reports a host that accepts but never answers as unreachable after the timeout", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const started = performance.now();
      const report = await pollLlamaServer(hostAt(`http://127.0.0.1:${port}`), { timeoutMs: 300 });
      expect(performance.now() - started).toBeLessThan(QUICK_MS);
      expect(report.reachable).toBe(false);
      expect(report.error).toMatch(/did not answer within 300 ms/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe("polling a host that answers nonsense", () => {
  const hosts: { url: string; close(): Promise<void> }[] = [];
  let html: string;
  let wrongShape: string;
  let huge: string;
  beforeAll(async () => {
    hosts.push(await fakeHost({ "*": { status: 200, body: "<html><body>Welcome to nginx!</body></html>" } }));
    hosts.push(
      await fakeHost({
        "/health": { status: 200, body: '{"status":"ok"}' },
        "/models": { status: 200, body: '{"data":[{"id":"x","status":"loaded"}]}' },
      }),
    );
    hosts.push(
      await fakeHost({
        "/health": { status: 200, body: '{"status":"ok"}' },
        "/models": { status: 200, body: Buffer.alloc(MAX_RESPONSE_BYTES + 1, 0x20) },
      }),
    );
    [html, wrongShape, huge] = hosts.map((h) => h.url) as [string, string, string];
  });
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.close()));
  });

  it("says an HTML page is not a llama-server", async () => {
    const report = await pollLlamaServer(hostAt(html), { timeoutMs: 5_000 });
    expect(report).toMatchObject({ reachable: true, models: [] });
    expect(report.error).toMatch(/not JSON .*Welcome to nginx.*is this a llama-server/);
  });

  it("names the field of a model list that has the wrong shape", async () => {
    const report = await pollLlamaServer(hostAt(wrongShape), { timeoutMs: 5_000 });
    expect(report.reachable).toBe(true);
    expect(report.error).toMatch(/not what a llama-server in router mode sends \(data\.0\.status/);
  });

  it("stops reading an answer larger than the limit", async () => {
    const report = await pollLlamaServer(hostAt(huge), { timeoutMs: 5_000 });
    expect(report.error).toMatch(new RegExp(`larger than ${MAX_RESPONSE_BYTES} bytes`));
  });

  it("refuses to push to it before writing anything", async () => {
    const modelsDir = await fsp.mkdtemp(path.join(os.tmpdir(), "modelshelf-llama-garbage-"));
    try {
      const ctx: PushContext = {
        signal: new AbortController().signal,
        progress: () => undefined,
        note: () => undefined,
        throttle: null,
        timeoutMs: 5_000,
        fsTimeoutMs: 5_000,
      };
      const source = {
        modelId: 1,
        ref: "library/tiny:q8_0",
        files: [{ libraryPath: modelsDir, relPath: "x.gguf", sizeBytes: 1, sha256: "0".repeat(64), shardIndex: 0, fileName: "x.gguf" }],
        template: null,
        system: null,
        parameters: null,
        license: null,
        contextSize: null,
      };
      const error = await pushLlamaModel(hostAt(html, { modelsDir }), source, ctx).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(isAppError(error) && error.code === "io").toBe(true);
      expect(await fsp.readdir(modelsDir)).toEqual([]);
    } finally {
      await fsp.rm(modelsDir, { recursive: true, force: true });
    }
  });
});
