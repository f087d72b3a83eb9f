import { describe, expect, it } from "vitest";
import { useSeededApp } from "../helpers/browser-app.ts";
import { skipBrowserTests } from "../helpers/browser.ts";

describe.skipIf(skipBrowserTests)("model page", () => {
  const { app, browser, open } = useSeededApp();

  it("shows the header facts with the quantisation's source", async () => {
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/models/${app().seeded.models.qwen7}`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Qwen2.5 7B Instruct");
    const facts = (await page.getByTestId("model-facts").textContent()) ?? "";
    expect(facts).toContain("qwen2");
    expect(facts).toContain("7.6B");
    expect(facts).toContain("7,615,616,512");
    expect(facts).toContain("Q4_K_M");
    expect(facts).toContain("from metadata");
    expect(facts).toContain("28 / 4 KV");
    expect(facts).toContain("152,064");
    expect(facts).toContain("apache-2.0");
    await browser().screenshot(page, "model-qwen7");
    await page.close();
  });

  it("lists every metadata key and summarises long arrays", async () => {
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/models/${app().seeded.models.qwen7}`);
    const table = page.getByTestId("metadata-table");
    const row = table.locator("tr", { hasText: "tokenizer.ggml.tokens" });
    expect(await row.textContent()).toContain('array<string> × 152,064: "!", "\\"", "#", "$", …');
    expect(await table.locator("tbody tr").count()).toBe(8);
    await page.close();
  });

  it("summarises tensors by type with bars", async () => {
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/models/${app().seeded.models.qwen7}`);
    const summary = page.getByTestId("tensor-summary");
    const rows = await summary.locator("tbody tr").allTextContents();
    expect(rows[0]).toContain("Q4_K");
    expect(rows[0]).toContain("169");
    expect(await summary.getByRole("img").count()).toBe(3);
    await page.close();
  });

  it("shows the chat template and copies it", async () => {
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/models/${app().seeded.models.qwen7}`);
    expect(await page.getByTestId("chat-template").textContent()).toContain("<|im_start|>");
    await page.waitForSelector("html[data-hydrated]");
    await page.getByRole("button", { name: "Copy template" }).click();
    await expect.poll(() => page.getByRole("button", { name: /Copied|Copy failed/ }).textContent()).toBe("Copied");
    await page.close();
  });

  it("lists the Ollama tags with their manifest and extra layers", async () => {
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/models/${app().seeded.models.qwen7}`);
    const tags = (await page.getByTestId("tags-table").textContent()) ?? "";
    expect(tags).toContain("library/qwen2.5:7b-instruct");
    expect(tags).toContain("nas.lan:5000/team/qwen-coder:latest");
    expect(tags).toContain("845dbda0ea48");
    expect(tags).toContain("projector");
    expect(tags).toContain("missing");
    await page.close();
  });

  it("highlights the missing shard of a split model", async () => {
    const page = await browser().newPage();
    await page.goto(`${app().baseUrl}/models/${app().seeded.models.qwen72Split}`);
    expect(await page.getByTestId("model-problems").textContent()).toContain("missing shard 2 of 3");
    const missingRows = page.locator("[data-testid=files-table] tr[data-missing]");
    expect(await missingRows.count()).toBe(1);
    expect(await missingRows.textContent()).toContain("00002-of-00003");
    expect(await page.getByTestId("files-table").textContent()).toContain("3 / 3");
    await browser().screenshot(page, "model-split-incomplete");
    await page.close();
  });

  it("answers 404 for unknown and malformed ids", async () => {
    const page = await browser().newPage();
    for (const id of ["999999", "abc", "-1", "1e3"]) {
      const response = await page.goto(`${app().baseUrl}/models/${id}`);
      expect(response?.status(), id).toBe(404);
      expect(await page.getByTestId("not-found").count()).toBe(1);
    }
    await browser().screenshot(page, "model-not-found");
    await page.close();
  });

  it("never requests anything outside 127.0.0.1", () => {
    expect(browser().outboundRequests).toEqual([]);
  });
});
