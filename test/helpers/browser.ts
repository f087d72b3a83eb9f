// Debian's chromium driven by playwright-core, with the flags that keep it
// from calling home (stack.md), a fresh profile, and a recorder for any
// request that tries to leave the loopback interface.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";
const projectRoot = path.resolve(import.meta.dirname, "..", "..");
export const SCREENSHOT_DIR = path.join(projectRoot, "test-results", "screenshots");

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Stops chromium's own lookups of Google hosts; only loopback resolves.
  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
];

/** Skip only on a developer machine without chromium; in CI a missing browser is a failure. */
export const skipBrowserTests = !existsSync(CHROMIUM_PATH) && !process.env.CI;
if (skipBrowserTests) {
  console.warn(`Skipping browser tests: ${CHROMIUM_PATH} not found. Install it with: apt-get install -y chromium`);
}

export interface TestBrowser {
  context: BrowserContext;
  /** Every request whose URL is not on 127.0.0.1 (or data:/blob:), across all pages. */
  outboundRequests: string[];
  newPage(): Promise<Page>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profileDir = await mkdtemp(path.join(os.tmpdir(), "modelshelf-chromium-"));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
    locale: "en-US",
  });
  const outboundRequests: string[] = [];
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol === "data:" || url.protocol === "blob:") return;
    if (url.hostname !== "127.0.0.1") outboundRequests.push(request.url());
  });
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    outboundRequests,
    async newPage() {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      return page;
    },
    async screenshot(page, name) {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}
