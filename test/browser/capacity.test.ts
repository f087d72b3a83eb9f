// The Capacity page on the seeded catalogue: space per library root and the
// biggest models, the scenario editor evaluated live in the browser (capacity,
// chart, recommendations), saving a scenario, and its JSON / CSV export.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useSeededApp } from "../helpers/browser-app.ts";
import { skipBrowserTests } from "../helpers/browser.ts";
import { SEEDED_SCENARIO } from "../helpers/seed-catalog.ts";

describe.skipIf(skipBrowserTests)("capacity page", () => {
  const { app, browser, open } = useSeededApp();

  const root = (page: Page, libraryId: number) => page.locator(`[data-testid=root-usage-row][data-library-id="${libraryId}"]`);
  /** Replaces every drive with `count` drives of `tb` TB, as an admin does with the quick fill. */
  async function setDrives(page: Page, count: number, tb: number) {
    await page.getByLabel("Drive count").fill(String(count));
    await page.getByLabel("Drive size (TB)").fill(String(tb));
    await page.getByRole("button", { name: "Set drives" }).click();
  }

  it("shows each library root's space from statfs or NFS FSSTAT, with the catalogue's share", async () => {
    const page = await open("/capacity");
    const seeded = app().seeded.libraries;
    expect(await page.getByTestId("root-usage-row").count()).toBe(4);
    const nas = root(page, seeded.nas);
    expect(await nas.getByTestId("root-usage-bar").textContent()).toContain("11.0 TiB used of 16.0 TiB (69 %)");
    expect(await nas.textContent()).toContain("statfs");
    expect(await root(page, seeded.nfs).textContent()).toContain("NFS FSSTAT");
    expect(await root(page, seeded.ollama).getByTestId("same-filesystem").textContent()).toContain("same volume as nas-models");
    expect(await root(page, seeded.archive).getByTestId("root-usage-bar").textContent()).toContain("44.0 GiB used of 64.0 GiB");
    expect(await page.getByTestId("root-usage-totals").textContent()).toContain("2 filesystems");
    await page.close();
  });

  it("lists the biggest models with identical copies counted once", async () => {
    const page = await open("/capacity");
    const rows = page.getByTestId("model-usage-row");
    expect(await rows.first().textContent()).toContain("Qwen2.5 72B Instruct");
    const qwen7 = rows.filter({ hasText: "Qwen2.5 7B Instruct" });
    expect(await qwen7.textContent()).toContain("4.36 GiB");
    expect(await qwen7.textContent()).toContain("×2");
    expect(await page.getByTestId("catalogue-bytes").textContent()).toContain("4.36 GiB more in identical copies");
    await page.close();
  });

  it("re-evaluates as the NAS is edited: 4 × 4 TB in RAID 5 is 12 TB usable, charted against the need", async () => {
    const page = await open("/capacity");
    await page.getByTestId("raid-select").selectOption("raid5");
    await setDrives(page, 4, 4);
    expect(await page.getByTestId("cap-usable-tb").textContent()).toBe("12 TB");
    expect(await page.getByTestId("cap-usable").textContent()).toContain("10.91 TiB");
    expect(await page.getByTestId("cap-raw-tb").textContent()).toBe("16 TB");
    // The chart is an SVG drawn in the browser, with the need as an area and the capacity as reference lines.
    const chart = page.getByTestId("usage-chart");
    await chart.locator("svg.recharts-surface").waitFor();
    expect(await chart.locator(".recharts-area").count()).toBeGreaterThan(0);
    expect(await chart.locator(".recharts-reference-line").count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId("required-exact").textContent()).toMatch(/\d/);
    expect(await page.getByTestId("required-rule").textContent()).toMatch(/\d/);
    await browser().screenshot(page, "capacity");
    await page.close();
  });

  it("says what mixed drive sizes waste", async () => {
    const page = await open("/capacity");
    await page.getByTestId("raid-select").selectOption("raid5");
    await setDrives(page, 2, 4);
    await page.getByRole("button", { name: "+ Drive" }).click();
    await page.getByRole("button", { name: "+ Drive" }).click();
    await page.getByLabel("Drive 3 (TB)").fill("8");
    await page.getByLabel("Drive 4 (TB)").fill("8");
    const explanations = (await page.getByTestId("scenario-explanations").textContent()) ?? "";
    expect(explanations).toContain("Mixed drive sizes");
    expect(explanations).toContain("SHR would make 16 TB usable");
    await page.close();
  });

  it("lists configurations to buy, cheapest first", async () => {
    const page = await open("/capacity");
    const rows = page.getByTestId("recommendation-row");
    expect(await rows.count()).toBeGreaterThan(0);
    expect(await rows.first().textContent()).toMatch(/\d+ × \d+ TB/);
    await page.close();
  });

  it("explains a field that cannot be evaluated instead of showing figures", async () => {
    const page = await open("/capacity");
    await page.getByLabel("Drive 1 (TB)").fill("8000");
    const issues = page.getByTestId("scenario-issues");
    expect(await issues.textContent()).toContain("sizes are in TB, not GB");
    expect(await page.getByLabel("Drive 1 (TB)").getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("Drive 1 (TB)").fill("8");
    await page.getByTestId("scenario-results").waitFor();
    await page.close();
  });

  it("saves the edited scenario as a new database row, then offers its export", async () => {
    const page = await open("/capacity");
    await page.getByTestId("raid-select").selectOption("raid6");
    await setDrives(page, 6, 12);
    await page.getByLabel("Scenario name").fill("Rack NAS 6 × 12 TB");
    await page.getByRole("button", { name: "Save scenario" }).click();
    expect(await page.getByTestId("save-message").textContent()).toContain("Saved as “Rack NAS 6 × 12 TB”");
    const row = await app().db.planScenario.findUnique({ where: { name: "Rack NAS 6 × 12 TB" } });
    expect(row).not.toBeNull();
    const stored = JSON.parse(row?.scenarioJson ?? "{}") as { name: string; nas: { raid: string; drivesTB: number[] }; planned: unknown[] };
    expect(stored.nas).toMatchObject({ raid: "raid6", drivesTB: [12, 12, 12, 12, 12, 12] });
    expect(stored.name).toBe("Rack NAS 6 × 12 TB");
    expect(stored.planned.length).toBeGreaterThan(0);
    await page.waitForURL(`**/capacity?scenario=${row?.id}`);
    expect(await page.getByTestId("export-json").getAttribute("href")).toBe(`/api/v1/capacity/scenarios/${row?.id}.json`);
    expect(await page.locator(`[data-testid=saved-scenario][data-scenario-id="${row?.id}"]`).textContent()).toContain("editing");
    await page.close();
  });

  it("loads a saved scenario into the editor", async () => {
    const page = await open("/capacity");
    const saved = page.locator(`[data-testid=saved-scenario][data-scenario-id="${app().seeded.planning.scenario}"]`);
    await saved.getByRole("button", { name: "Load" }).click();
    // 2 × 4 TB + 2 × 8 TB in SHR: 16 TB usable.
    expect(await page.getByTestId("cap-usable-tb").textContent()).toBe("16 TB");
    expect(await page.getByTestId("raid-select").inputValue()).toBe("shr");
    expect(await page.getByTestId("planned-row").count()).toBe(3);
    expect(await page.getByLabel("Scenario name").inputValue()).toBe(SEEDED_SCENARIO.name);
    // The library size it was saved with, until the admin takes the catalogue's.
    expect(await page.getByTestId("current-bytes").textContent()).toBe("(9 TB as saved)");
    expect(await page.getByTestId("fill-date").textContent()).toMatch(/\d{4}-\d\d-\d\d/);
    await page.getByTestId("usage-chart").locator("svg.recharts-surface").waitFor();
    await browser().screenshot(page, "capacity-saved");
    await page.getByRole("button", { name: /^Use the catalogue now/ }).click();
    expect(await page.getByTestId("current-bytes").textContent()).toContain("in the catalogue now");
    await page.close();
  });

  it("exports a saved scenario as JSON: the document as saved and every figure", async () => {
    const id = app().seeded.planning.scenario;
    const response = await fetch(`${app().baseUrl}/api/v1/capacity/scenarios/${id}.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="Team-NAS-2026.json"');
    const body = (await response.json()) as { name: string; scenario: typeof SEEDED_SCENARIO; evaluation: Record<string, unknown> };
    expect(body.name).toBe("Team NAS 2026");
    expect(body.scenario).toEqual(SEEDED_SCENARIO);
    expect(body.evaluation).toMatchObject({ rawBytes: 24e12, usableBytes: 16e12, currentBytes: 9e12, policy: "exact", fits: true });
    expect(body.evaluation.fillDate).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(Array.isArray(body.evaluation.recommendations)).toBe(true);
  });

  it("exports a saved scenario as CSV, by extension or ?format=", async () => {
    const id = app().seeded.planning.scenario;
    for (const url of [`/api/v1/capacity/scenarios/${id}.csv`, `/api/v1/capacity/scenarios/${id}?format=csv`]) {
      const response = await fetch(`${app().baseUrl}${url}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      const lines = (await response.text()).split("\r\n");
      expect(lines[0]).toBe("section,item,value,unit,detail");
      expect(lines).toContain("summary,usableBytes,16000000000000,bytes,after RAID");
      expect(lines).toContain("scenario,raid,SHR,,");
      expect(lines.some((line) => line.startsWith("recommendation,1. "))).toBe(true);
      expect(lines.filter((line) => line.startsWith("usage,")).length).toBeGreaterThan(4);
    }
  });

  it("answers 404 for an unknown scenario and 422 for a format it does not have", async () => {
    expect((await fetch(`${app().baseUrl}/api/v1/capacity/scenarios/999999.json`)).status).toBe(404);
    const mismatch = await fetch(`${app().baseUrl}/api/v1/capacity/scenarios/${app().seeded.planning.scenario}.csv?format=json`);
    expect(mismatch.status).toBe(422);
    expect(((await mismatch.json()) as { error: { message: string } }).error.message).toBe("the path asks for csv but format= asks for json");
    expect((await fetch(`${app().baseUrl}/api/v1/capacity/scenarios/1?format=xml`)).status).toBe(422);
  });

  it("serves the usage per root and by model, and the saved scenarios, as JSON", async () => {
    const usage = (await (await fetch(`${app().baseUrl}/api/v1/capacity/usage`)).json()) as {
      roots: Array<{ libraryId: number; source: string | null; space: { totalBytes: number } | null }>;
      totals: { filesystems: number };
      catalogue: { uniqueBytes: number; duplicateBytes: number; models: unknown[] };
    };
    expect(usage.roots.find((r) => r.libraryId === app().seeded.libraries.nfs)).toMatchObject({ source: "fsstat", space: { totalBytes: 16 * 2 ** 40 } });
    expect(usage.totals.filesystems).toBe(2);
    expect(usage.catalogue.duplicateBytes).toBe(4_683_073_536);
    const list = (await (await fetch(`${app().baseUrl}/api/v1/capacity/scenarios`)).json()) as { scenarios: Array<{ name: string }> };
    expect(list.scenarios.map((s) => s.name)).toContain("Team NAS 2026");
  });

  it("is reachable from the main navigation and loads nothing from outside 127.0.0.1", async () => {
    const page = await open("/");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Capacity" }).click();
    await page.waitForURL("**/capacity");
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Capacity" }).getAttribute("aria-current")).toBe("page");
    await page.close();
    expect(browser().outboundRequests).toEqual([]);
  });
});
