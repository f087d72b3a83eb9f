// The Fit page on the seeded catalogue and its two host profiles: the
// colour-coded model × host matrix, the context slider recomputing it live,
// the breakdown behind a cell, and host profiles added through the form.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useSeededApp } from "../helpers/browser-app.ts";
import { skipBrowserTests } from "../helpers/browser.ts";

describe.skipIf(skipBrowserTests)("fit page", () => {
  const { app, browser, open } = useSeededApp();

  const WORKSTATION = "Workstation RTX 4090";
  const MAC = "Mac Studio M2 Ultra 64 GB";
  const cell = (page: Page, row: string, profile: string) =>
    page.locator(`[data-testid=fit-row][data-row="${row}"] [data-testid=fit-cell][data-profile="${profile}"]`);

  it("shows catalogue and reference models against both host profiles, each cell coloured by placement with its largest context", async () => {
    const page = await open("/fit");
    const headers = await page.getByTestId("fit-table").locator("thead th").allTextContents();
    expect(headers.slice(1)).toEqual([MAC, WORKSTATION]);
    // Five present catalogue models (Phi is missing) and the three default reference rows.
    const rows = page.getByTestId("fit-row");
    expect(await rows.count()).toBe(8);
    expect(await rows.first().textContent()).toContain("Llama 3.2 1B Instruct");
    const placements = await page.getByTestId("fit-cell").evaluateAll((cells) => cells.map((c) => c.getAttribute("data-placement")));
    expect(placements).toHaveLength(16);
    expect(placements.every((p) => p === "gpu" || p === "partial" || p === "cpu" || p === "none")).toBe(true);
    expect(new Set(placements).size).toBeGreaterThan(1);
    // Colour follows the placement.
    const small = cell(page, `model:${app().seeded.models.llamaF16}`, WORKSTATION);
    expect(await small.getAttribute("data-placement")).toBe("gpu");
    expect(await small.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe(
      await cell(page, "ref:llama3.3-70b:Q4_K_M", WORKSTATION).evaluate((el) => getComputedStyle(el).backgroundColor),
    );
    expect(await small.getByTestId("fit-cell-max").textContent()).toBe("max ctx 128K");
    await browser().screenshot(page, "fit");
    await page.close();
  });

  it("recomputes the placement as the context slider moves", async () => {
    const page = await open("/fit");
    const qwen32 = cell(page, "ref:qwen2.5-32b:Q4_K_M", WORKSTATION);
    expect(await page.getByTestId("context-value").textContent()).toContain("8K");
    expect(await qwen32.getAttribute("data-placement")).toBe("gpu");
    const slider = page.getByTestId("context-slider");
    await slider.focus();
    await page.keyboard.press("End");
    expect(await page.getByTestId("context-value").textContent()).toContain("128K");
    // Qwen2.5 32B at its native 32K no longer fits a 24 GB card: some layers move to the CPU.
    expect(await qwen32.getAttribute("data-placement")).toBe("partial");
    expect(await qwen32.getByTestId("fit-cell-placement").textContent()).toMatch(/^partial \d+\/64$/);
    await page.keyboard.press("Home");
    expect(await page.getByTestId("context-value").textContent()).toContain("256");
    expect(await qwen32.getAttribute("data-placement")).toBe("gpu");
    expect(page.url()).toContain("ctx=256");
    await page.close();
  });

  it("opens the breakdown of a cell: every term, each device against its budget, and the largest context", async () => {
    const page = await open("/fit");
    await cell(page, `model:${app().seeded.models.qwen7}`, WORKSTATION).click();
    const breakdown = page.getByTestId("breakdown");
    expect(await breakdown.getAttribute("data-placement")).toBe("gpu");
    const terms = (await breakdown.getByTestId("breakdown-terms").textContent()) ?? "";
    for (const term of ["Weights", "KV cache", "Compute", "Overheads", "Total", "runtime", "tokenizer"]) expect(terms).toContain(term);
    expect(terms).toContain("4 KV heads");
    const devices = (await breakdown.getByTestId("breakdown-devices").textContent()) ?? "";
    expect(devices).toContain("RAM");
    expect(devices).toContain("RTX 4090");
    expect(await breakdown.getByTestId("breakdown-max-context").textContent()).toContain("Largest context that fits: 32K");
    await browser().screenshot(page, "fit-breakdown");
    await breakdown.getByRole("button", { name: "Close the breakdown" }).click();
    expect(await page.getByTestId("breakdown").count()).toBe(0);
    await page.close();
  });

  it("adds a reference model at another quantisation as a row, and removes it", async () => {
    const page = await open("/fit");
    await page.getByLabel("Reference model to add").selectOption("gemma2-27b");
    await page.getByLabel("Quantisation of the reference model").selectOption("Q8_0");
    await page.getByTestId("add-reference").click();
    const row = page.locator('[data-testid=fit-row][data-row="ref:gemma2-27b:Q8_0"]');
    expect(await row.textContent()).toContain("Gemma 2 27B IT");
    expect(await row.getByTestId("fit-cell").count()).toBe(2);
    await row.getByRole("button", { name: /^Remove the Gemma 2 27B IT/ }).click();
    expect(await row.count()).toBe(0);
    await page.close();
  });

  it("tells each invalid field of the host-profile form what is wrong", async () => {
    const page = await open("/fit");
    const form = page.getByTestId("profile-form");
    await form.getByLabel("Name", { exact: true }).fill("half-filled");
    await form.getByTestId("profile-add-gpu").click();
    await form.getByLabel("GPU 1 name").fill("RTX 3060");
    await form.getByRole("button", { name: "Add profile" }).click();
    expect(await page.getByTestId("profile-error-ramGB").textContent()).toBe("required: the RAM in GB");
    expect(await page.getByTestId("profile-error-gpus.0.vramGB").textContent()).toBe("required: the VRAM in GB");
    expect(await page.getByTestId("profile-form-message").textContent()).toBe("Not saved: fix the highlighted fields.");
    // What was typed stays.
    expect(await form.getByLabel("Name", { exact: true }).inputValue()).toBe("half-filled");
    expect(await app().db.hostProfile.count({ where: { name: "half-filled" } })).toBe(0);
    await page.close();
  });

  it("adds a host profile through the form: a new database row and a new matrix column", async () => {
    const page = await open("/fit");
    const form = page.getByTestId("profile-form");
    await form.getByLabel("Name", { exact: true }).fill("Dual 3090 box");
    await form.getByLabel("RAM (GB)").fill("128");
    await form.getByTestId("profile-add-gpu").click();
    await form.getByLabel("GPU 1 name").fill("RTX 3090");
    await form.getByLabel("GPU 1 VRAM (GB)").fill("24");
    await form.getByTestId("profile-add-gpu").click();
    await form.getByLabel("GPU 2 name").fill("RTX 3090");
    await form.getByLabel("GPU 2 VRAM (GB)").fill("24");
    await form.getByRole("button", { name: "Add profile" }).click();
    expect(await page.getByTestId("profile-form-notice").textContent()).toBe("Added Dual 3090 box.");
    await page.locator('[data-testid=profile-row]:has-text("Dual 3090 box")').waitFor();
    const row = await app().db.hostProfile.findUnique({ where: { name: "Dual 3090 box" } });
    expect(JSON.parse(row?.profileJson ?? "{}")).toEqual({
      name: "Dual 3090 box",
      ramGB: 128,
      gpus: [
        { name: "RTX 3090", vramGB: 24 },
        { name: "RTX 3090", vramGB: 24 },
      ],
      unifiedMemory: false,
    });
    // Two 24 GB cards take more of the 70B model's layers than one.
    const dual = cell(page, "ref:llama3.3-70b:Q4_K_M", "Dual 3090 box");
    await dual.waitFor();
    const single = cell(page, "ref:llama3.3-70b:Q4_K_M", WORKSTATION);
    expect(await single.getAttribute("data-placement")).toBe("partial");
    expect(Number(await dual.getAttribute("data-gpu-layers"))).toBeGreaterThan(Number(await single.getAttribute("data-gpu-layers")));
    await page.close();
  });

  it("shows a CPU-only host's cells as CPU or does-not-fit", async () => {
    const page = await open("/fit");
    const form = page.getByTestId("profile-form");
    await form.getByLabel("Name", { exact: true }).fill("Small CPU box");
    await form.getByLabel("RAM (GB)").fill("16");
    await form.getByRole("button", { name: "Add profile" }).click();
    const small = cell(page, `model:${app().seeded.models.llamaF16}`, "Small CPU box");
    await small.waitFor();
    expect(await small.getAttribute("data-placement")).toBe("cpu");
    expect(await small.getByTestId("fit-cell-placement").textContent()).toBe("CPU only");
    const big = cell(page, "ref:llama3.3-70b:Q4_K_M", "Small CPU box");
    expect(await big.getAttribute("data-placement")).toBe("none");
    expect(await big.getByTestId("fit-cell-max").textContent()).toBe("max ctx –");
    await big.click();
    expect(await page.getByTestId("breakdown").textContent()).toMatch(/needs [\d.]+ GiB of RAM, [\d.]+ GiB more than the [\d.]+ GiB available/);
    await browser().screenshot(page, "fit-cpu-host");
    await page.close();
  });

  it("edits and deletes a host profile", async () => {
    const page = await open("/fit");
    page.on("dialog", (dialog) => void dialog.accept());
    const mac = page.locator(`[data-testid=profile-row][data-profile-id="${app().seeded.planning.mac}"]`);
    await mac.getByRole("button", { name: "Edit" }).click();
    const form = page.getByTestId("profile-form");
    expect(await form.getByLabel("Name", { exact: true }).inputValue()).toBe(MAC);
    expect(await form.getByTestId("profile-unified").isChecked()).toBe(true);
    await form.getByLabel("GPU share (%)").fill("90");
    await form.getByRole("button", { name: "Save profile" }).click();
    expect(await page.getByTestId("profile-form-notice").textContent()).toBe(`Saved ${MAC}.`);
    const saved = await app().db.hostProfile.findUnique({ where: { id: app().seeded.planning.mac } });
    expect(JSON.parse(saved?.profileJson ?? "{}")).toMatchObject({ unifiedMemory: true, usableShare: 0.9 });
    await mac.getByRole("button", { name: "Delete" }).click();
    await mac.waitFor({ state: "detached" });
    expect(await app().db.hostProfile.count({ where: { id: app().seeded.planning.mac } })).toBe(0);
    await page.close();
  });

  it("is reachable from the main navigation and loads nothing from outside 127.0.0.1", async () => {
    const page = await open("/capacity");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Fit" }).click();
    await page.waitForURL("**/fit**");
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Fit" }).getAttribute("aria-current")).toBe("page");
    await page.close();
    expect(browser().outboundRequests).toEqual([]);
  });
});
