// Verification across the UI on the seeded catalogue: the Integrity page
// (problems first, checksum files, scrub, coverage, settings, duplicates), the
// catalogue's badges, filter and mismatch banner, the model page's hashes and
// history, the verify buttons, and the integrity/verify API.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { readHashingSettings } from "../../lib/settings/hashing-settings.ts";
import { useSeededApp } from "../helpers/browser-app.ts";
import { skipBrowserTests } from "../helpers/browser.ts";

describe.skipIf(skipBrowserTests)("verification in the UI", () => {
  const { app, browser, open } = useSeededApp();

  /** The message an action button shows next to itself (its form's status line). */
  const messageNextTo = (button: ReturnType<Page["getByTestId"]>) => button.locator("xpath=ancestor::form[1]").getByRole("status");
  const verifyJobsFor = (fileIds: number[]) =>
    app().db.job.findMany({ where: { name: "hashing.verify-file", state: "queued", OR: fileIds.map((id) => ({ payloadJson: { contains: `"fileId":${id},` } })) } });

  describe("integrity page", () => {
    it("lists the mismatch first, then the unreadable file, with expected vs actual hash and where the claim came from", async () => {
      const page = await open("/integrity");
      const rows = page.getByTestId("problem-row");
      expect(await rows.count()).toBe(2);
      const first = (await rows.nth(0).textContent()) ?? "";
      expect(first).toContain("mistral/Mistral-7B-Instruct-v0.3-Q8_0.gguf");
      expect(first).toContain(app().seeded.hashes.mistralExpected);
      expect(first).toContain(app().seeded.hashes.mistralActual);
      expect(first).toContain(".sha256 sidecar");
      expect(await rows.nth(0).getByTestId("verify-badge").getAttribute("data-verify-state")).toBe("mismatch");
      expect(await rows.nth(1).textContent()).toContain("EIO: i/o error");
      expect(await page.getByTestId("count-mismatch").textContent()).toContain("1");
      await browser().screenshot(page, "integrity");
      await page.close();
    });

    it("shows checksum-file problems with their line numbers", async () => {
      const page = await open("/integrity");
      const text = (await page.getByTestId("checksum-problems").textContent()) ?? "";
      expect(text).toContain("llama/SHA256SUMS");
      expect(text).toContain("not a checksum line");
      expect(text).toContain("Llama-3.2-3B-Instruct-F16.gguf, which is not in this library");
      await page.close();
    });

    it("shows coverage: verified within the interval, stale and never verified, by count and size", async () => {
      const page = await open("/integrity");
      const coverage = page.getByTestId("coverage");
      expect(await coverage.getByTestId("coverage-fresh").textContent()).toMatch(/verified within interval5/);
      expect(await coverage.getByTestId("coverage-stale").textContent()).toContain("14.7 GiB");
      expect(await coverage.getByTestId("coverage-never").textContent()).toMatch(/never verified2/);
      await page.close();
    });

    it("shows the scrub schedule with the next window and the running scrub's progress", async () => {
      const page = await open("/integrity");
      const scrub = page.getByTestId("scrub");
      expect(await scrub.textContent()).toContain("01:00-06:00");
      expect(await scrub.getByTestId("next-window").textContent()).toMatch(/^(opens \d{4}-\d\d-\d\d 01:00|open now, until \d{4}-\d\d-\d\d 06:00)/);
      const current = scrub.getByTestId("scrub-current");
      expect(await current.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("22");
      expect(await current.textContent()).toContain("1 / 4 files");
      expect(await scrub.getByTestId("scrub-last").textContent()).toContain("7 / 7 files");
      await page.close();
    });

    it("lists the Qwen file and its Ollama blob as duplicates with the space the extra copy takes", async () => {
      const page = await open("/integrity#duplicates");
      const row = (await page.getByTestId("duplicate-row").textContent()) ?? "";
      expect(row).toContain("Qwen2.5 7B Instruct");
      expect(row).toContain("qwen/qwen2.5-7b-instruct-q4_k_m.gguf");
      expect(row).toContain("blobs/sha256-5ee4f07cdb9b");
      expect(await page.getByTestId("duplicates-wasted").textContent()).toContain("4.36 GiB");
      await page.close();
    });

    it("rejects a bad scrub window inline, keeps what was typed and saves nothing", async () => {
      const page = await open("/integrity#settings");
      await page.getByLabel("Scrub window").fill("25:00-99:00");
      await page.getByLabel("Read cap (MB/s)").fill("40");
      await page.getByRole("button", { name: "Save settings" }).click();
      const error = page.getByTestId("setting-error-scrubWindow");
      // The message is the scrub's own parser's (lib/hashing/scrub-window.ts).
      await expect.poll(() => error.textContent()).toContain("25:00 is not a time of day");
      expect(await page.getByLabel("Scrub window").inputValue()).toBe("25:00-99:00");
      expect(await page.getByLabel("Scrub window").getAttribute("aria-invalid")).toBe("true");
      expect(await page.getByLabel("Read cap (MB/s)").inputValue()).toBe("40");
      expect(await app().db.setting.count()).toBe(0);
      await page.getByTestId("settings-message").scrollIntoViewIfNeeded();
      await browser().screenshot(page, "integrity-settings-error");
      await page.close();
    });

    it("saves good settings, which the page then shows", async () => {
      const page = await open("/integrity#settings");
      await page.getByLabel("Scrub window").fill("22:30-04:00");
      await page.getByLabel("Read cap (MB/s)").fill("120");
      await page.getByLabel("Files hashed at once").fill("2");
      await page.getByLabel("Re-verify every (days)").fill("14");
      await page.getByLabel("Verify new files").uncheck();
      await page.getByRole("button", { name: "Save settings" }).click();
      await expect.poll(() => page.getByTestId("settings-message").textContent()).toContain("Saved");
      expect(await readHashingSettings(app().db)).toEqual({
        concurrency: 2,
        bandwidthMBps: 120,
        scrubWindow: "22:30-04:00",
        scrubIntervalDays: 14,
        scrubEnabled: true,
        verifyNewFiles: false,
      });
      expect(await page.getByLabel("Scrub window").inputValue()).toBe("22:30-04:00");
      expect(await page.getByTestId("scrub").textContent()).toContain("capped at 120 MB/s");
      // An empty cap means unlimited.
      await page.getByLabel("Read cap (MB/s)").fill("");
      await page.getByRole("button", { name: "Save settings" }).click();
      await expect.poll(async () => (await readHashingSettings(app().db)).bandwidthMBps).toBeNull();
      await app().db.setting.deleteMany({});
      await page.close();
    });
  });

  describe("catalogue", () => {
    it("shows a verification badge per model, worst state winning, and first-seen as weaker trust", async () => {
      const page = await open("/");
      const badge = (modelId: number) => page.locator(`tr[data-model-id="${modelId}"]`).getByTestId("verify-badge");
      expect(await badge(app().seeded.models.mistralQ8).getAttribute("data-verify-state")).toBe("mismatch");
      expect(await badge(app().seeded.models.llamaF16).textContent()).toBe("✓ verified");
      expect(await page.locator(`tr[data-model-id="${app().seeded.models.llamaF16}"]`).getByTestId("verification-cell").textContent()).toContain("SHA256SUMS");
      expect(await badge(app().seeded.models.qwen7).textContent()).toBe("✓ first seen");
      expect(await badge(app().seeded.models.qwen72Split).textContent()).toBe("hashing 42 %");
      expect(await badge(app().seeded.models.gemmaArchive).textContent()).toBe("queued");
      expect(await page.locator(`tr[data-model-id="${app().seeded.models.qwen7}"]`).getByTestId("duplicate-note").textContent()).toBe("2 copies · 4.36 GiB extra");
      await browser().screenshot(page, "catalogue-verification");
      await page.close();
    });

    it("shows the red mismatch banner and the Integrity count on every page", async () => {
      for (const path of ["/", "/libraries", "/jobs", `/models/${app().seeded.models.llamaF16}`]) {
        const page = await open(path);
        const banner = page.getByTestId("mismatch-banner");
        expect(await banner.textContent()).toContain("1 file fails verification");
        expect(await banner.getByRole("link").getAttribute("href")).toBe("/integrity#problems");
        expect(await page.getByTestId("nav-mismatch-count").textContent()).toBe("1");
        await page.close();
      }
    });

    it("filters by verification state", async () => {
      const page = await open("/");
      await page.getByLabel("Verification").selectOption("mismatch");
      await page.waitForURL(/verify=mismatch/);
      await expect.poll(() => page.getByTestId("model-name").allTextContents()).toEqual(["Mistral 7B Instruct v0.3"]);
      await page.close();
    });

    it('filters models that have duplicates ("has duplicates")', async () => {
      const page = await open("/");
      await page.getByLabel("Has duplicates").check();
      await page.getByRole("button", { name: "Apply" }).click();
      await page.waitForURL(/duplicates=1/);
      await expect.poll(() => page.getByTestId("model-name").allTextContents()).toEqual(["Qwen2.5 7B Instruct"]);
      await page.close();
    });
  });

  describe("model page", () => {
    it("shows each file's hash, the disagreeing expected hash highlighted, and the verification history", async () => {
      const page = await open(`/models/${app().seeded.models.mistralQ8}`);
      expect(await page.getByTestId("model-mismatch").textContent()).toContain("Content mismatch");
      const file = page.locator(`[data-testid=file-verification][data-file-id="${app().seeded.files.mistral}"]`);
      expect(await file.getByTestId("file-sha256").textContent()).toBe(app().seeded.hashes.mistralActual);
      const disagreeing = file.getByTestId("expected-hashes").locator("tr[data-agrees=false]");
      expect(await disagreeing.textContent()).toContain(app().seeded.hashes.mistralExpected);
      expect(await disagreeing.textContent()).toContain("mistral/Mistral-7B-Instruct-v0.3-Q8_0.gguf.sha256");
      const history = file.getByTestId("verification-history").locator("tbody tr");
      expect(await history.count()).toBe(2);
      const newest = (await history.nth(0).textContent()) ?? "";
      expect(newest).toContain("scrub");
      expect(newest).toContain("mismatch");
      expect(newest).toContain("1 min 36 s");
      expect(newest).toContain("80 MB/s");
      await browser().screenshot(page, "model-verification-mismatch");
      await page.close();
    });

    it("notes identical copies and the space they waste", async () => {
      const page = await open(`/models/${app().seeded.models.qwen7}`);
      const note = (await page.getByTestId("model-duplicates").textContent()) ?? "";
      expect(note).toContain("2 identical copies");
      expect(note).toContain("4.36 GiB in extra copies");
      await browser().screenshot(page, "model-verification-duplicates");
      await page.close();
    });

    it('"Verify now" queues every present file of the model ahead of the scrub', async () => {
      const page = await open(`/models/${app().seeded.models.qwen7}`);
      await page.getByTestId("verify-model").click();
      await expect.poll(() => messageNextTo(page.getByTestId("verify-model")).textContent()).toContain("Queued 2 files");
      const jobs = await verifyJobsFor([app().seeded.files.qwen7, app().seeded.files.qwen7Blob]);
      expect(jobs.map((j) => j.priority)).toEqual([20, 20]);
      await page.close();
    });

    it('"Verify file" queues one file', async () => {
      const page = await open(`/models/${app().seeded.models.mistralQ8}`);
      const file = page.locator(`[data-testid=file-verification][data-file-id="${app().seeded.files.mistral}"]`);
      await file.getByTestId("verify-file").click();
      await expect.poll(() => messageNextTo(file.getByTestId("verify-file")).textContent()).toContain("Queued 1 file");
      expect(await verifyJobsFor([app().seeded.files.mistral])).toHaveLength(1);
      // The mismatch stays loud until a new verdict replaces it.
      expect((await app().db.libraryFile.findUniqueOrThrow({ where: { id: app().seeded.files.mistral } })).verifyState).toBe("mismatch");
      await page.close();
    });
  });

  describe("verify buttons", () => {
    it('"Verify" on the libraries page queues the files of that library', async () => {
      const page = await open("/libraries");
      const card = page.locator(`[data-testid=library-card][data-library-id="${app().seeded.libraries.nas}"]`);
      await card.getByTestId("verify-library").click();
      await expect.poll(() => messageNextTo(card.getByTestId("verify-library")).textContent()).toMatch(/Queued 6 files/);
      await page.close();
    });

    it('"Verify everything" on the Integrity page queues every present file of enabled libraries', async () => {
      const page = await open("/integrity");
      await page.getByTestId("verify-everything").click();
      await expect.poll(() => messageNextTo(page.getByTestId("verify-everything")).textContent()).toMatch(/Queued 8 files/);
      const pending = await app().db.job.findMany({ where: { name: "hashing.verify-file", state: { in: ["queued", "running"] } } });
      const fileIds = new Set(pending.map((j) => (JSON.parse(j.payloadJson) as { fileId: number }).fileId));
      expect(fileIds.has(app().seeded.files.gemma)).toBe(true);
      expect(fileIds.has(app().seeded.files.phi)).toBe(false);
      await page.close();
    });
  });

  describe("API", () => {
    it("GET /api/v1/integrity summarises states, problems, coverage, scrub and duplicates as JSON", async () => {
      const response = await fetch(`${app().baseUrl}/api/v1/integrity`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        counts: Record<string, { files: number }>;
        problems: Array<{ relPath: string }>;
        coverage: { total: { files: number } };
        currentScrub: { id: number } | null;
        duplicates: { totalGroups: number };
      };
      expect(body.counts.mismatch?.files).toBe(1);
      expect(body.problems[0]?.relPath).toBe("mistral/Mistral-7B-Instruct-v0.3-Q8_0.gguf");
      expect(body.coverage.total.files).toBe(8);
      expect(body.currentScrub?.id).toBe(app().seeded.scrubRuns.running);
      expect(body.duplicates.totalGroups).toBe(1);
    });

    it("POST /api/v1/models/[id]/verify answers 202 with counts; a bad or unknown id is a 4xx", async () => {
      const response = await fetch(`${app().baseUrl}/api/v1/models/${app().seeded.models.llamaF16}/verify`, { method: "POST" });
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ files: 1 });
      expect((await fetch(`${app().baseUrl}/api/v1/models/x1/verify`, { method: "POST" })).status).toBe(422);
      expect((await fetch(`${app().baseUrl}/api/v1/models/999999/verify`, { method: "POST" })).status).toBe(404);
    });

    it("POST /api/v1/libraries/[id]/verify and /api/v1/verify answer 202; unknown body options are a 422", async () => {
      const library = await fetch(`${app().baseUrl}/api/v1/libraries/${app().seeded.libraries.ollama}/verify`, { method: "POST" });
      expect(library.status).toBe(202);
      expect(await library.json()).toMatchObject({ files: 1 });
      expect((await fetch(`${app().baseUrl}/api/v1/libraries/999999/verify`, { method: "POST" })).status).toBe(404);
      const all = await fetch(`${app().baseUrl}/api/v1/verify`, { method: "POST" });
      expect(all.status).toBe(202);
      expect(await all.json()).toMatchObject({ files: 8 });
      const bad = await fetch(`${app().baseUrl}/api/v1/verify`, { method: "POST", body: JSON.stringify({ everything: "please" }), headers: { "content-type": "application/json" } });
      expect(bad.status).toBe(422);
      expect((await fetch(`${app().baseUrl}/api/v1/verify`, { method: "POST", body: "[1,2" })).status).toBe(422);
    });
  });
});
