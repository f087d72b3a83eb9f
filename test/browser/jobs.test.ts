// The Jobs page and the jobs API on the seeded catalogue (no worker runs, so
// every state change here comes from the page or the test itself).
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useSeededApp } from "../helpers/browser-app.ts";
import { skipBrowserTests } from "../helpers/browser.ts";

describe.skipIf(skipBrowserTests)("jobs page", () => {
  const { app, browser, open } = useSeededApp();

  const row = (page: Page, jobId: number) => page.locator(`[data-testid=job-row][data-job-id="${jobId}"]`);

  it("shows totals per state and a running job's progress bar with its file, speed and time left", async () => {
    const page = await open("/jobs");
    const totals = page.getByTestId("job-totals");
    expect(await totals.getByTestId("total-running").textContent()).toContain("1");
    expect(await totals.getByTestId("total-queued").textContent()).toContain("2");
    expect(await totals.getByTestId("total-failed").textContent()).toContain("3");
    expect(await totals.getByTestId("total-succeeded").textContent()).toContain("4");
    const running = row(page, app().seeded.jobs.running);
    expect(await running.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("42");
    const text = (await running.textContent()) ?? "";
    expect(text).toContain("Verify file");
    expect(text).toContain("/srv/nas/models/qwen/Qwen2.5-72B-Instruct-Q4_K_M-00003-of-00003.gguf");
    expect(text).toContain("6.18 GiB / 14.7 GiB");
    expect(await running.getByTestId("job-rate").textContent()).toBe("85 MB/s");
    // 58 % of 15.8 GB at 85 MB/s ≈ 108 s.
    expect(text).toMatch(/1 min 4[78] s/);
    await browser().screenshot(page, "jobs");
    await page.close();
  });

  it("names scan jobs after their library and shows why a queued job waits", async () => {
    const page = await open("/jobs");
    const scan = (await row(page, app().seeded.jobs.succeededScan).textContent()) ?? "";
    expect(scan).toContain("Scan library");
    expect(scan).toContain("nas-models (/srv/nas/models)");
    const deferred = (await row(page, app().seeded.jobs.queuedDeferred).textContent()) ?? "";
    expect(deferred).toContain("not before");
    expect(deferred).toContain("deferred: outside the scrub window 01:00-06:00");
    expect(deferred).toContain("gemma/gemma-2-2b-it-Q6_K.gguf");
    expect(await row(page, app().seeded.jobs.failed).textContent()).toContain("no answer within 15000 ms");
    await page.close();
  });

  it("updates a running job's progress in place, without reloading the page", async () => {
    const page = await open("/jobs");
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = "still here"));
    const total = 15_805_238_613;
    await app().db.job.update({ where: { id: app().seeded.jobs.running }, data: { progressDone: Math.round(total * 0.61), progressRate: 120_000_000 } });
    const bar = row(page, app().seeded.jobs.running).getByRole("progressbar");
    await expect.poll(() => bar.getAttribute("aria-valuenow"), { timeout: 5_000 }).toBe("61");
    expect(await row(page, app().seeded.jobs.running).getByTestId("job-rate").textContent()).toBe("120 MB/s");
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("still here");
    await page.close();
  });

  it("stops polling while the tab is hidden and resumes when it is shown", async () => {
    const page = await open("/jobs");
    const polls: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/api/v1/jobs")) polls.push(request.url());
    });
    await expect.poll(() => polls.length, { timeout: 5_000 }).toBeGreaterThan(0);
    const setVisibility = (state: "hidden" | "visible") =>
      page.evaluate((value) => {
        Object.defineProperty(document, "visibilityState", { configurable: true, get: () => value });
        document.dispatchEvent(new Event("visibilitychange"));
      }, state);
    await setVisibility("hidden");
    await page.waitForTimeout(300);
    const whileHidden = polls.length;
    await page.waitForTimeout(2_500);
    expect(polls.length).toBe(whileHidden);
    await setVisibility("visible");
    await expect.poll(() => polls.length, { timeout: 3_000 }).toBeGreaterThan(whileHidden);
    await page.close();
  });

  it("Cancel on a queued job cancels it and the row moves to Cancelled", async () => {
    const page = await open("/jobs");
    const jobId = app().seeded.jobs.queuedManual;
    await page.getByTestId("jobs-queued").locator(`[data-job-id="${jobId}"]`).getByTestId("job-cancel").click();
    await expect.poll(async () => (await app().db.job.findUniqueOrThrow({ where: { id: jobId } })).state).toBe("cancelled");
    await expect.poll(() => page.getByTestId("jobs-cancelled").locator(`[data-job-id="${jobId}"]`).count(), { timeout: 5_000 }).toBe(1);
    expect(await page.getByTestId("jobs-queued").locator(`[data-job-id="${jobId}"]`).count()).toBe(0);
    await page.close();
  });

  it("Cancel on a running job asks its worker to stop and shows it as cancelling", async () => {
    const page = await open("/jobs");
    const jobId = app().seeded.jobs.running;
    await row(page, jobId).getByTestId("job-cancel").click();
    await expect.poll(async () => (await app().db.job.findUniqueOrThrow({ where: { id: jobId } })).cancelRequested).toBe(true);
    // Still running until the worker's next heartbeat.
    expect((await app().db.job.findUniqueOrThrow({ where: { id: jobId } })).state).toBe("running");
    await expect.poll(() => row(page, jobId).getByTestId("job-cancelling").count(), { timeout: 5_000 }).toBe(1);
    await page.close();
  });

  it("Retry on a failed job queues it again with fresh attempts", async () => {
    const page = await open("/jobs");
    const jobId = app().seeded.jobs.failed;
    await page.getByTestId("jobs-failed").locator(`[data-job-id="${jobId}"]`).getByTestId("job-retry").click();
    await expect.poll(async () => (await app().db.job.findUniqueOrThrow({ where: { id: jobId } })).state).toBe("queued");
    expect((await app().db.job.findUniqueOrThrow({ where: { id: jobId } })).attempts).toBe(0);
    await expect.poll(() => page.getByTestId("jobs-queued").locator(`[data-job-id="${jobId}"]`).count(), { timeout: 5_000 }).toBe(1);
    await page.close();
  });

  it("shows why a retry is refused next to its button", async () => {
    // The same file already has a queued verify job: retrying the cancelled one would duplicate the work.
    await app().db.job.create({
      data: { name: "hashing.verify-file", payloadJson: JSON.stringify({ fileId: app().seeded.files.mistral, trigger: "scan" }), state: "queued", dedupeKey: `hashing.verify-file:${app().seeded.files.mistral}` },
    });
    const page = await open("/jobs");
    const cancelled = page.getByTestId("jobs-cancelled").locator(`[data-job-id="${app().seeded.jobs.cancelled}"]`);
    await cancelled.getByTestId("job-retry").click();
    await expect.poll(() => cancelled.getByRole("alert").textContent()).toContain("already queued");
    expect((await app().db.job.findUniqueOrThrow({ where: { id: app().seeded.jobs.cancelled } })).state).toBe("cancelled");
    await page.close();
  });

  describe("API", () => {
    it("GET /api/v1/jobs answers JSON with totals and per-state lists", async () => {
      const response = await fetch(`${app().baseUrl}/api/v1/jobs?state=succeeded&limit=2`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { totals: Record<string, number>; jobs: Record<string, Array<{ id: number; title: string }>> };
      expect(body.jobs.succeeded).toHaveLength(2);
      expect(body.jobs.running).toEqual([]);
      expect(body.totals.succeeded).toBe(4);
    });

    it("GET /api/v1/jobs rejects an unknown state and a huge limit with 422", async () => {
      const response = await fetch(`${app().baseUrl}/api/v1/jobs?state=exploded&limit=1e9`);
      expect(response.status).toBe(422);
      const body = (await response.json()) as { error: { message: string } };
      expect(body.error.message).toContain("state");
    });

    it("POST /api/v1/jobs/[id]/cancel answers 422 for a bad id, 404 for an unknown job and 409 for a finished one", async () => {
      expect((await fetch(`${app().baseUrl}/api/v1/jobs/abc/cancel`, { method: "POST" })).status).toBe(422);
      expect((await fetch(`${app().baseUrl}/api/v1/jobs/999999/cancel`, { method: "POST" })).status).toBe(404);
      const finished = await fetch(`${app().baseUrl}/api/v1/jobs/${app().seeded.jobs.succeededScan}/cancel`, { method: "POST" });
      expect(finished.status).toBe(409);
      expect(((await finished.json()) as { error: { message: string } }).error.message).toContain("succeeded");
    });

    it("POST /api/v1/jobs/[id]/retry requeues a failed job and answers 202", async () => {
      const response = await fetch(`${app().baseUrl}/api/v1/jobs/${app().seeded.jobs.failedScan}/retry`, { method: "POST" });
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ jobId: app().seeded.jobs.failedScan, state: "queued" });
      expect((await app().db.job.findUniqueOrThrow({ where: { id: app().seeded.jobs.failedScan } })).state).toBe("queued");
    });
  });
});
