// One running app and one browser for the tests of a describe block: started
// before its first test, stopped after its last. Call inside the describe, so a
// skipped block (no chromium) starts nothing.
import type { Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { startAppServer, type AppServer } from "./app-server.ts";
import { launchBrowser, type TestBrowser } from "./browser.ts";

export interface BrowserApp<App> {
  /** The started app; throws outside a test or a later hook. */
  app(): App;
  browser(): TestBrowser;
  /** A new page at `path`, once React has hydrated it (so its forms and buttons work). */
  open(path: string): Promise<Page>;
}

export function useBrowserApp<App extends { baseUrl: string; stop(): Promise<void> }>(start: () => Promise<App>): BrowserApp<App> {
  let app: App | undefined;
  let browser: TestBrowser | undefined;

  beforeAll(async () => {
    app = await start();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useBrowserApp: the ${what} is not started yet; use it inside a test or a later hook`);
    return value;
  };
  const handle: BrowserApp<App> = {
    app: () => started(app, "app"),
    browser: () => started(browser, "browser"),
    async open(path) {
      const page = await handle.browser().newPage();
      await page.goto(`${handle.app().baseUrl}${path}`);
      await page.waitForSelector("html[data-hydrated]");
      return page;
    },
  };
  return handle;
}

/** The app on the seeded catalogue (no workers), with a browser. */
export function useSeededApp(): BrowserApp<AppServer> {
  return useBrowserApp(startAppServer);
}
