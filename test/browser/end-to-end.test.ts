// The whole product as `npm start` runs it — web server and indexer worker on
// one fresh data directory, no library configured — driven through the browser.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../lib/db/client.ts";
import { migrateDatabase } from "../../lib/db/migrate.ts";
import { buildTinyModel } from "../../lib/gguf/index.ts";
import { ensureAppBuilt } from "../helpers/app-server.ts";
import { launchBrowser, skipBrowserTests, type TestBrowser } from "../helpers/browser.ts";

const projectRoot = path.resolve(import.meta.dirname, "..", "..");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

describe.skipIf(skipBrowserTests)("end to end: web app + indexer worker", () => {
  let dir: string;
  let db: Db;
  let baseUrl: string;
  let browser: TestBrowser;
  const children: ChildProcess[] = [];
  let output = "";

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = await mkdtemp(path.join(os.tmpdir(), "modelshelf-e2e-"));
    const env = {
      ...process.env,
      NODE_ENV: "production" as const,
      NEXT_TELEMETRY_DISABLED: "1",
      MODELSHELF_DATA_DIR: dir,
      MODELSHELF_DB: path.join(dir, "modelshelf.db"),
      MODELSHELF_LIBRARIES: "",
      MODELSHELF_DEMO: "auto",
      MODELSHELF_STABLE_MS: "200",
      MODELSHELF_WATCH: "on",
    };
    await migrateDatabase(env.MODELSHELF_DB);
    db = createDb(env.MODELSHELF_DB);
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const start = (args: string[]) => {
      const child: ChildProcess = spawn(process.execPath, args, { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      children.push(child);
    };
    start([path.join(projectRoot, "node_modules/next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", String(port)]);
    start(["--import", "tsx", path.join(projectRoot, "workers/indexer.ts")]);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((r) => child.once("exit", r)) : null)));
    await db?.$disconnect();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Reloads `url` until `probe` holds (the worker fills the catalogue in the background). */
  async function reloadUntil(page: import("playwright-core").Page, url: string, probe: () => Promise<boolean>, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await page.goto(url).catch(() => undefined);
      if (await probe().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms; app output:\n${output.slice(-4000)}`);
      await sleep(500);
    }
  }

  it("shows the generated demo library as a populated catalogue on first start", async () => {
    const page = await browser.newPage();
    await reloadUntil(page, `${baseUrl}/`, async () => (await page.getByTestId("model-name").count()) === 5);
    const names = await page.getByTestId("model-name").allTextContents();
    expect(names).toEqual(["TinyGemma 2", "TinyLlama Base", "TinyLlama Chat", "TinyLlama Chat", "TinyQwen Instruct"]);
    expect(await page.getByTestId("model-table").textContent()).toContain("library/tinyqwen:latest");
    await browser.screenshot(page, "e2e-catalogue");
    await page.getByRole("link", { name: "TinyQwen Instruct" }).click();
    await page.waitForURL(/\/models\/\d+$/);
    const body = (await page.textContent("body")) ?? "";
    expect(body).toContain("qwen2");
    expect(body).toContain("<|im_start|>");
    expect(body).toContain("Ollama blob");
    await page.close();
  });

  it("adds a library in the UI; the worker scans it and its model appears in the catalogue", async () => {
    const root = path.join(dir, "nas");
    await mkdir(root);
    await writeFile(path.join(root, "E2E-Qwen-Q8_0.gguf"), buildTinyModel({ architecture: "qwen2", fileType: "Q8_0", name: "E2E Qwen", seed: 42, tokenizer: "gpt2" }));
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/libraries`);
    await page.waitForSelector("html[data-hydrated]");
    await page.getByLabel("Library path").fill(root);
    await page.getByLabel("Library label").fill("e2e shelf");
    await page.getByRole("button", { name: "Add library" }).click();
    await expect.poll(() => db.library.findUnique({ where: { path: root } }), { timeout: 10_000 }).toBeTruthy();
    await reloadUntil(page, `${baseUrl}/?q=E2E`, async () => (await page.getByTestId("model-name").allTextContents()).includes("E2E Qwen"));
    await page.goto(`${baseUrl}/libraries`);
    const row = await db.library.findUniqueOrThrow({ where: { path: root } });
    const card = page.locator(`[data-testid=library-card][data-library-id="${row.id}"]`);
    expect(await card.getByTestId("last-scan").textContent()).toContain("ok");
    await browser.screenshot(page, "e2e-libraries");
    await page.close();
  });

  it('"Scan now" runs a scan in the worker and the page shows its result without a reload', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/libraries`);
    await page.waitForSelector("html[data-hydrated]");
    const before = await db.scanRun.count({ where: { trigger: "manual" } });
    const demo = await db.library.findFirstOrThrow({ where: { source: "demo", kind: "gguf-dir" } });
    const card = page.locator(`[data-testid=library-card][data-library-id="${demo.id}"]`);
    await card.getByTestId("scan-now").click();
    await expect.poll(() => db.scanRun.count({ where: { trigger: "manual", status: "ok" } }), { timeout: 20_000 }).toBeGreaterThan(before);
    await expect.poll(() => card.getByTestId("last-scan").textContent(), { timeout: 10_000 }).toContain("manual");
    expect(browser.outboundRequests).toEqual([]);
    await page.close();
  });
});
