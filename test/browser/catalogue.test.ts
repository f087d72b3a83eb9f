import { describe, expect, it } from "vitest";
import { useSeededApp } from "../helpers/browser-app.ts";
import { skipBrowserTests } from "../helpers/browser.ts";

describe.skipIf(skipBrowserTests)("catalogue page", () => {
  const { app, browser, open } = useSeededApp();

  const modelNames = async (page: import("playwright-core").Page) => page.getByTestId("model-name").allTextContents();

  it("lists every seeded model with its facts", async () => {
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/`);
    expect(await modelNames(page)).toEqual([
      "Gemma 2 2B It",
      "Llama 3.2 1B Instruct",
      "Mistral 7B Instruct v0.3",
      "Phi 3 Mini 4k Instruct",
      "Qwen2.5 72B Instruct",
      "Qwen2.5 7B Instruct",
    ]);
    const qwen = page.locator(`tr[data-model-id="${app().seeded.models.qwen7}"]`);
    await expect.poll(() => qwen.textContent()).toContain("7.6B");
    const text = (await qwen.textContent()) ?? "";
    expect(text).toContain("4.36 GiB");
    expect(text).toContain("32K");
    expect(text).toContain("library/qwen2.5:7b-instruct");
    expect(await qwen.getByText("Ollama", { exact: true }).count()).toBe(1);
    expect(await page.locator(`tr[data-model-id="${app().seeded.models.qwen72Split}"]`).textContent()).toContain("2/3 shards");
    await browser().screenshot(page, "catalogue");
    // A laptop-sized window: the table scrolls sideways instead of squeezing the columns.
    await page.setViewportSize({ width: 1024, height: 700 });
    await browser().screenshot(page, "catalogue-narrow");
    await page.close();
  });

  it("shows the unavailable-library banner", async () => {
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/`);
    const banner = page.getByTestId("unavailable-banner");
    expect(await banner.textContent()).toContain("/mnt/archive/gguf");
    expect(await banner.textContent()).toContain("nothing marked missing");
    await page.close();
  });

  it("narrows the list with the search box", async () => {
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/`);
    await page.getByLabel("Search models").fill("qwen");
    await page.getByLabel("Search models").press("Enter");
    await page.waitForURL(/q=qwen/);
    await expect.poll(() => modelNames(page)).toEqual(["Qwen2.5 72B Instruct", "Qwen2.5 7B Instruct"]);
    await page.close();
  });

  it("filters by quantisation as soon as the select changes", async () => {
    const page = await open("/");
    await page.getByLabel("Quantisation").selectOption("Q8_0");
    await page.waitForURL(/fileType=Q8_0/);
    await expect.poll(() => modelNames(page)).toEqual(["Mistral 7B Instruct v0.3"]);
    await page.close();
  });

  it("sorts by size when the column header is clicked, then reverses", async () => {
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/`);
    const sizes = () => page.locator("td[data-bytes]").evaluateAll((cells) => cells.map((c) => Number(c.getAttribute("data-bytes"))));
    await page.locator('a[data-sort="totalBytes"]').click();
    await page.waitForURL(/sort=totalBytes/);
    await expect.poll(async () => (await modelNames(page))[0]).toBe("Qwen2.5 72B Instruct");
    const descending = await sizes();
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
    await page.locator('a[data-sort="totalBytes"]').click();
    await page.waitForURL(/sort=totalBytes(?!.*dir=desc)/);
    await expect.poll(async () => (await modelNames(page))[0]).toBe("Gemma 2 2B It");
    await page.close();
  });

  it("pages through the results", async () => {
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/?pageSize=4`);
    expect(await modelNames(page)).toHaveLength(4);
    await page.getByRole("link", { name: "Next ›" }).click();
    await page.waitForURL(/page=2/);
    await expect.poll(() => modelNames(page)).toEqual(["Qwen2.5 72B Instruct", "Qwen2.5 7B Instruct"]);
    await page.close();
  });

  it("focuses the search with /, moves with j/k and opens a model with Enter", async () => {
    const page = await open("/");
    await page.keyboard.press("/");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("catalogue-search");
    await page.keyboard.press("Escape");
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    await page.keyboard.press("k");
    await page.keyboard.press("ArrowDown");
    const active = page.locator('tr[data-active="true"]');
    expect(await active.getAttribute("data-model-id")).toBe(String(app().seeded.models.mistralQ8));
    await browser().screenshot(page, "catalogue-keyboard");
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/models/${app().seeded.models.mistralQ8}$`));
    await page.close();
  });

  it("clears the search with Escape", async () => {
    const page = await open("/?q=mistral");
    expect(await modelNames(page)).toHaveLength(1);
    await page.getByLabel("Search models").focus();
    await page.keyboard.press("Escape");
    await page.waitForURL((url) => !url.search.includes("q=mistral"));
    await expect.poll(() => modelNames(page).then((n) => n.length)).toBe(6);
    await page.close();
  });

  it("explains an empty result and offers to clear the filters", async () => {
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/?q=no-such-model-anywhere`);
    expect(await page.getByTestId("empty-state").textContent()).toContain("No models match");
    await page.close();
  });

  it("ignores invalid parameters instead of failing the page", async () => {
    const page = await browser().newPage();
    const response = await page.goto(`${app().baseUrl}/?page=abc&pageSize=99999&sort=evil`);
    expect(response?.status()).toBe(200);
    expect(await modelNames(page)).toHaveLength(6);
    expect(await page.getByTestId("ignored-params").textContent()).toContain("Ignored invalid parameters");
    await page.close();
  });

  // Last: empties the catalogue this file's server reads.
  it("tells the admin how to add a library when the catalogue is empty", async () => {
    await app().db.model.deleteMany({});
    await app().db.library.deleteMany({});
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/`);
    const empty = (await page.getByTestId("empty-state").textContent()) ?? "";
    expect(empty).toContain("No models catalogued yet");
    expect(empty).toContain("MODELSHELF_LIBRARIES");
    expect(await page.getByTestId("empty-state").getByRole("link", { name: "Libraries" }).getAttribute("href")).toBe("/libraries");
    expect(await page.getByTestId("unavailable-banner").count()).toBe(0);
    await browser().screenshot(page, "catalogue-empty");
    await page.close();
  });

  it("never requests anything outside 127.0.0.1", () => {
    expect(browser().outboundRequests).toEqual([]);
  });
});
