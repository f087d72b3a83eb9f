// The whole product as `npm start` runs it — web server and indexer worker on
// one fresh data directory, no library configured — driven through the browser.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildTinyModel } from "../../lib/gguf/index.ts";
import { useBrowserApp } from "../helpers/browser-app.ts";
import { skipBrowserTests } from "../helpers/browser.ts";
import { startFullApp } from "../helpers/full-app.ts";

describe.skipIf(skipBrowserTests)("end to end: web app + indexer worker", () => {
  const { app, browser, open } = useBrowserApp(() =>
    startFullApp({
      workers: ["indexer"],
      env: { MODELSHELF_DEMO: "auto", MODELSHELF_STABLE_MS: "200", MODELSHELF_WATCH: "on" },
    }),
  );

  it("shows the generated demo library as a populated catalogue on first start", async () => {
    const page = await browser().newPage();
    await app().reloadUntil(page, `${app().baseUrl}/`, async () => (await page.getByTestId("model-name").count()) === 5);
    const names = await page.getByTestId("model-name").allTextContents();
    expect(names).toEqual(["TinyGemma 2", "TinyLlama Base", "TinyLlama Chat", "TinyLlama Chat", "TinyQwen Instruct"]);
    expect(await page.getByTestId("model-table").textContent()).toContain("library/tinyqwen:latest");
    await browser().screenshot(page, "e2e-catalogue");
    await page.getByRole("link", { name: "TinyQwen Instruct" }).click();
    await page.waitForURL(/\/models\/\d+$/);
    const body = (await page.textContent("body")) ?? "";
    expect(body).toContain("qwen2");
    expect(body).toContain("<|im_start|>");
    expect(body).toContain("Ollama blob");
    await page.close();
  });

  it("adds a library in the UI; the worker scans it and its model appears in the catalogue", async () => {
    const root = path.join(app().dir, "nas");
    await mkdir(root);
    await writeFile(path.join(root, "E2E-Qwen-Q8_0.gguf"), buildTinyModel({ architecture: "qwen2", fileType: "Q8_0", name: "E2E Qwen", seed: 42, tokenizer: "gpt2" }));
    const page = await open("/libraries");
    await page.getByLabel("Library path").fill(root);
    await page.getByLabel("Library label").fill("e2e shelf");
    await page.getByRole("button", { name: "Add library" }).click();
    await expect.poll(() => app().db.library.findUnique({ where: { path: root } }), { timeout: 10_000 }).toBeTruthy();
    await app().reloadUntil(page, `${app().baseUrl}/?q=E2E`, async () => (await page.getByTestId("model-name").allTextContents()).includes("E2E Qwen"));
    await page.goto(`${app().baseUrl}/libraries`);
    const row = await app().db.library.findUniqueOrThrow({ where: { path: root } });
    const card = page.locator(`[data-testid=library-card][data-library-id="${row.id}"]`);
    expect(await card.getByTestId("last-scan").textContent()).toContain("ok");
    await browser().screenshot(page, "e2e-libraries");
    await page.close();
  });

  it('"Scan now" runs a scan in the worker and the page shows its result without a reload', async () => {
    const page = await open("/libraries");
    const before = await app().db.scanRun.count({ where: { trigger: "manual" } });
    const demo = await app().db.library.findFirstOrThrow({ where: { source: "demo", kind: "gguf-dir" } });
    const card = page.locator(`[data-testid=library-card][data-library-id="${demo.id}"]`);
    await card.getByTestId("scan-now").click();
    await expect.poll(() => app().db.scanRun.count({ where: { trigger: "manual", status: "ok" } }), { timeout: 20_000 }).toBeGreaterThan(before);
    await expect.poll(() => card.getByTestId("last-scan").textContent(), { timeout: 10_000 }).toContain("manual");
    expect(browser().outboundRequests).toEqual([]);
    await page.close();
  });
});
