// Polling an Ollama host: what it stores and runs, merged per model, and every
// way a poll can go wrong reported (not thrown) within the timeout.
import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isCancelledError } from "../../lib/hashing/cancelled-error.ts";
import { pollOllamaHost } from "../../lib/hosts/ollama/index.ts";
import { hostTarget } from "../ollama/driver-kit.ts";
import { createFromFiles, postJson, tinyModel, useOllamaDouble } from "../ollama/ollama-test-kit.ts";

const double = useOllamaDouble();
const servers: (http.Server | net.Server)[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A port nothing listens on: bind, note the port, close. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("pollOllamaHost", () => {
  it("reports the version and every stored model, marking the loaded ones with their memory", async () => {
    await createFromFiles(double(), "nas/a:q8_0", { "a.gguf": tinyModel(1) });
    await createFromFiles(double(), "nas/b:q8_0", { "b.gguf": tinyModel(2) });
    await postJson(double(), "/api/generate", { model: "nas/b:q8_0" });
    const tags = (await (await fetch(`${double().url}/api/tags`)).json()) as { models: { name: string; digest: string; size: number }[] };

    const report = await pollOllamaHost(hostTarget(double().url), { timeoutMs: 2000 });
    expect(report).toMatchObject({ reachable: true, version: "0.33.0", error: null });
    const byName = Object.fromEntries(report.models.map((m) => [m.name, m]));
    const b = tags.models.find((m) => m.name === "nas/b:q8_0")!;
    expect(byName["nas/a:q8_0"]).toMatchObject({ loaded: false, loadedBytes: null, vramBytes: null, status: "present" });
    expect(byName["nas/b:q8_0"]).toMatchObject({
      digest: b.digest,
      sizeBytes: b.size,
      loaded: true,
      loadedBytes: b.size,
      vramBytes: b.size,
      status: "present",
      details: { family: "llama", format: "gguf", quantizationLevel: "Q8_0", contextLength: 4096 },
    });
    expect(report.models).toHaveLength(2);
  });

  it("reports an unreachable host without throwing, within moments", async () => {
    const started = Date.now();
    const report = await pollOllamaHost(hostTarget(`http://127.0.0.1:${await closedPort()}`, "gone"), { timeoutMs: 5000 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report).toMatchObject({ reachable: false, version: null, models: [] });
    expect(report.error).toMatch(/gone.*ECONNREFUSED/);
  });

  it("gives up on a host that accepts connections but never answers after the timeout", async () => {
    // Accepts and holds connections, never sends a byte: a hung host.
    const silent = net.createServer((socket) => sockets.push(socket));
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    const port = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    const report = await pollOllamaHost(hostTarget(`http://127.0.0.1:${port}`, "silent"), { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(report.reachable).toBe(false);
    expect(report.error).toBe("silent: GET /api/version: no answer within 300 ms");
  });

  it("reports a host answering garbage as reachable but broken", async () => {
    double().faults = { garbage: { "GET /api/version": "<html>nginx welcome page</html>" } };
    const report = await pollOllamaHost(hostTarget(double().url), { timeoutMs: 2000 });
    expect(report).toMatchObject({ reachable: true, version: null, models: [] });
    expect(report.error).toMatch(/GET \/api\/version: the answer is not Ollama's/);
  });

  it("keeps the stored models when only /api/ps answers garbage, and says so", async () => {
    await createFromFiles(double(), "nas/a:q8_0", { "a.gguf": tinyModel(1) });
    double().faults = { garbage: { "GET /api/ps": "not json" } };
    const report = await pollOllamaHost(hostTarget(double().url), { timeoutMs: 2000 });
    expect(report.reachable).toBe(true);
    expect(report.models.map((m) => [m.name, m.loaded])).toEqual([["nas/a:q8_0", false]]);
    expect(report.error).toMatch(/GET \/api\/ps/);
  });

  it("rejects a listing of the wrong shape", async () => {
    double().faults = { garbage: { "GET /api/tags": JSON.stringify({ models: [{ name: "x", size: "big", digest: "nope" }] }) } };
    const report = await pollOllamaHost(hostTarget(double().url), { timeoutMs: 2000 });
    expect(report.models).toEqual([]);
    expect(report.error).toMatch(/GET \/api\/tags: the answer is not Ollama's \(models\.0\./);
  });

  it("refuses an answer larger than the cap instead of buffering it", async () => {
    double().faults = { garbage: { "GET /api/tags": `{"models":[${" ".repeat(17 * 1024 * 1024)}]}` } };
    const report = await pollOllamaHost(hostTarget(double().url), { timeoutMs: 5000 });
    expect(report.error).toMatch(/larger than 16777216 bytes/);
  });

  it("throws a cancellation when its own signal aborts", async () => {
    double().faults = { delayMs: 2000 };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("shutdown")), 100);
    const error = await pollOllamaHost(hostTarget(double().url), { timeoutMs: 5000, signal: controller.signal }).catch((e: unknown) => e);
    expect(isCancelledError(error)).toBe(true);
  });
});
