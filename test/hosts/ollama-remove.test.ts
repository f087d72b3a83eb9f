// Removing a model from an Ollama host, and the driver adapter the hosts jobs use.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isAppError } from "../../lib/errors.ts";
import { ollamaDriver, removeOllamaModel } from "../../lib/hosts/ollama/index.ts";
import { hostTarget, pushContext, pushSource } from "../ollama/driver-kit.ts";
import { createFromFiles, tinyModel, useOllamaDouble } from "../ollama/ollama-test-kit.ts";

const double = useOllamaDouble();
const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function names(): Promise<string[]> {
  return ((await (await fetch(`${double().url}/api/tags`)).json()) as { models: { name: string }[] }).models.map((m) => m.name);
}

describe("removeOllamaModel", () => {
  it("deletes the model from the host", async () => {
    await createFromFiles(double(), "nas/tiny:q8_0", { "tiny.gguf": tinyModel() });
    await removeOllamaModel(hostTarget(double().url), "nas/tiny:q8_0", { timeoutMs: 2000 });
    expect(await names()).toEqual([]);
  });

  it("treats a model the host no longer has as removed", async () => {
    await expect(removeOllamaModel(hostTarget(double().url), "nas/gone:x", { timeoutMs: 2000 })).resolves.toBeUndefined();
    expect(double().requests.find((r) => r.route === "DELETE /api/delete")?.status).toBe(404);
  });

  it("does not take a 404 from something that is not Ollama for a removal", async () => {
    const impostor = http.createServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("404 page not found");
    });
    servers.push(impostor);
    await new Promise<void>((resolve) => impostor.listen(0, "127.0.0.1", () => resolve()));
    const url = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
    const error = await removeOllamaModel(hostTarget(url), "nas/tiny:x", { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code === "not-found" && !error.retryable).toBe(true);
  });

  it("is retryable when the host fails with a 5xx", async () => {
    const broken = http.createServer((_req, res) => {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "server busy" }));
    });
    servers.push(broken);
    await new Promise<void>((resolve) => broken.listen(0, "127.0.0.1", () => resolve()));
    const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    const error = await removeOllamaModel(hostTarget(url), "nas/tiny:x", { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "unavailable", retryable: true });
    expect((error as Error).message).toMatch(/server busy/);
  });
});

describe("ollamaDriver", () => {
  it("routes upload pushes, pull pushes and removals to the Ollama functions", async () => {
    await createFromFiles(double(), "nas/tiny:q8_0", { "tiny.gguf": tinyModel() });
    await ollamaDriver.remove(hostTarget(double().url), { hostName: "nas/tiny:q8_0", method: "upload", paths: [] }, pushContext());
    expect(await names()).toEqual([]);
    const report = await ollamaDriver.poll(hostTarget(double().url), { timeoutMs: 2000 });
    expect(report.reachable).toBe(true);
  });

  it("refuses methods Ollama hosts do not take, and pull without a registry", async () => {
    const host = hostTarget(double().url);
    await expect(ollamaDriver.push(host, pushSource("nas/tiny:x", []), "copy", pushContext(), { registryUrl: null, load: false })).rejects.toMatchObject({ code: "unsupported" });
    await expect(ollamaDriver.push(host, pushSource("nas/tiny:x", []), "pull", pushContext(), { registryUrl: null, load: false })).rejects.toMatchObject({ code: "invalid-input" });
  });
});
