// Hosts end to end, as `npm start` runs it: web server, indexer, hasher, pusher
// and registry processes on one fresh data directory. In the browser the admin
// adds an Ollama host (the strict test double), the pusher polls it, a push by
// pull makes the host download the model from ModelShelf's registry, and the
// inventory turns "present" — no step talks to the host from a web request.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelRefs } from "../../lib/registry/model-refs.ts";
import { freePort } from "../helpers/app-server.ts";
import { useBrowserApp } from "../helpers/browser-app.ts";
import { skipBrowserTests } from "../helpers/browser.ts";
import { startFullApp } from "../helpers/full-app.ts";
import { startOllamaDouble, type OllamaDouble } from "../helpers/ollama-double.ts";
import { tinyLlama } from "../helpers/pushable-library.ts";

describe.skipIf(skipBrowserTests)("end to end: add a host, push by pull, see it in the inventory", () => {
  let library: string;
  let ollama: OllamaDouble;
  let registryPort: number;

  beforeAll(async () => {
    library = await mkdtemp(path.join(os.tmpdir(), "modelshelf-hosts-e2e-"));
    await writeFile(path.join(library, "Hosted-F16.gguf"), tinyLlama(1, "Hosted"));
    ollama = await startOllamaDouble();
    registryPort = await freePort();
  });
  afterAll(async () => {
    await ollama?.close();
    if (library) await rm(library, { recursive: true, force: true });
  });

  const { app, browser, open } = useBrowserApp(() =>
    startFullApp({
      workers: ["indexer", "hasher", "pusher", "registry"],
      env: {
        MODELSHELF_LIBRARIES: library,
        MODELSHELF_DEMO: "off",
        MODELSHELF_STABLE_MS: "200",
        MODELSHELF_WATCH: "off",
        MODELSHELF_REGISTRY_HOST: "127.0.0.1",
        MODELSHELF_REGISTRY_PORT: String(registryPort),
        MODELSHELF_REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
      },
    }),
  );

  it("the pusher polls a new host and a push by pull lands the model on it", async () => {
    // The indexer catalogues the file and the hasher verifies it (pushes need verified files).
    await expect
      .poll(async () => (await app().db.libraryFile.findMany({ where: { verifyState: "verified" } })).length, { timeout: 60_000, interval: 500 })
      .toBe(1);
    const [ref] = await loadModelRefs(app().db);
    expect(ref).toBeDefined();

    const page = await open("/hosts");
    const form = page.getByTestId("host-form");
    await form.getByLabel("Name", { exact: true }).fill("ollama-double");
    await form.getByLabel("Base URL").fill(ollama.url);
    await form.getByRole("button", { name: "Add host" }).click();
    await expect.poll(() => page.getByTestId("host-form-message").textContent()).toBe("Added ollama-double; polling it now.");
    const host = await app().db.inferenceHost.findUniqueOrThrow({ where: { name: "ollama-double" } });
    // The pusher worker, not the web request, talks to the host.
    await expect.poll(async () => (await app().db.inferenceHost.findUniqueOrThrow({ where: { id: host.id } })).status, { timeout: 30_000 }).toBe("ok");

    const hostPage = await open(`/hosts/${host.id}`);
    const push = hostPage.getByTestId("push-form");
    await push.getByLabel("Model").selectOption(ref!.ref);
    await push.getByLabel("Method").selectOption("pull");
    await push.getByRole("button", { name: "Push" }).click();
    await expect.poll(() => hostPage.getByTestId("push-form-message").textContent()).toMatch(/queued \(job #\d+\)$/);

    await app().reloadUntil(
      hostPage,
      `${app().baseUrl}/hosts`,
      async () => (await hostPage.locator(`[data-testid=inventory-cell][data-host="ollama-double"][data-ref="${ref!.ref}"]`).getAttribute("data-state")) === "present",
      60_000,
    );
    expect(await ollama.readManifest(`127.0.0.1:${registryPort}/${ref!.ref}`)).not.toBeNull();
    // The host really downloaded from the registry: its pull fetched the manifest there.
    const pull = ollama.requests.find((r) => r.route === "POST /api/pull");
    expect(pull?.status).toBe(200);
    await browser().screenshot(hostPage, "hosts-e2e-present");
    // The Jobs page names the push's model and host, linking to the host.
    const jobs = await open("/jobs");
    const target = jobs.getByTestId("jobs-succeeded").getByTestId("job-row").filter({ hasText: "Push model" }).getByTestId("job-target-host");
    expect(await target.textContent()).toBe(`${ref!.ref} → host ollama-double`);
    expect(await target.getAttribute("href")).toBe(`/hosts/${host.id}`);
    await jobs.close();
    await hostPage.close();
    await page.close();
  }, 180_000);
});
