// The NAS check page, its JSON endpoints and the nfs:// library card, on the
// seeded catalogue. No worker runs here: the test plays the indexer worker by
// moving the queued job along, and the page must follow without a reload.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useSeededApp } from "../helpers/browser-app.ts";
import { skipBrowserTests } from "../helpers/browser.ts";
import { ROOT_SQUASH_EXPLANATION } from "../helpers/seed-catalog.ts";

describe.skipIf(skipBrowserTests)("NAS check page", () => {
  const { app, browser, open } = useSeededApp();

  const probeJobs = () => app().db.job.findMany({ where: { name: "nfs.probe-nas" }, orderBy: { id: "asc" } });
  const step = (page: Page, name: string) => page.getByTestId("current-check").locator(`[data-testid=probe-step][data-step="${name}"]`);

  it("shows the latest check: each step, and the failed step's explanation in admin terms", async () => {
    const page = await open("/nas");
    const current = page.getByTestId("current-check");
    expect(await current.getAttribute("data-job-id")).toBe(String(app().seeded.nasProbes.succeeded));
    expect(await current.textContent()).toContain("Latest check");
    expect(await page.getByTestId("probe-reachable").first().textContent()).toContain("nas.lan answered");
    expect(await step(page, "mount").getAttribute("data-ok")).toBe("true");
    const throughput = step(page, "throughput");
    expect(await throughput.getAttribute("data-ok")).toBe("false");
    expect(await throughput.getByTestId("step-explanation").textContent()).toBe(ROOT_SQUASH_EXPLANATION);
    expect(await throughput.textContent()).toContain("Permission denied for mistral/Mistral-7B-Instruct-v0.3-Q8_0.gguf");
    expect(await current.textContent()).toContain("1 of 6 steps failed");
    await browser().screenshot(page, "nas");
    await page.close();
  });

  it("lists the versions offered, the exports with their allowed clients, and capacity and transfer sizes of the checked export", async () => {
    const page = await open("/nas");
    const current = page.getByTestId("current-check");
    const versions = (await current.getByTestId("probe-versions").textContent()) ?? "";
    expect(versions).toMatch(/NFS\s*v3\s*v4/);
    expect(versions).toMatch(/MOUNT\s*v1\s*v3/);
    expect(await current.getByTestId("probe-services").textContent()).toContain("mountd");
    const exports = await current.getByTestId("probe-export").allTextContents();
    expect(exports).toHaveLength(3);
    expect(exports[0]).toContain("/volume1/models");
    expect(exports[0]).toContain("checked");
    expect(exports[0]).toContain("192.168.1.0/24");
    expect(exports[1]).toContain("192.168.1.30, 192.168.1.31");
    const fsstat = (await current.getByTestId("probe-fsstat").textContent()) ?? "";
    expect(fsstat).toContain("16.0 TiB");
    expect(fsstat).toContain("4.50 TiB");
    expect(fsstat).toContain("129,823 used of 1,073,741,824");
    expect(await current.getByTestId("probe-usage-bar").textContent()).toContain("11.0 TiB used of 16.0 TiB (69 %)");
    const fsinfo = (await current.getByTestId("probe-fsinfo").textContent()) ?? "";
    expect(fsinfo).toContain("128 KiB preferred · 128 KiB max");
    expect(fsinfo).toContain("no practical limit");
    expect(await current.getByTestId("probe-throughput").textContent()).toContain("No read sample");
    await page.close();
  });

  it("lists recent checks, each expandable; a failed one shows why it did not complete", async () => {
    const page = await open("/nas");
    const items = page.getByTestId("probe-history-item");
    expect(await items.count()).toBe(2);
    const failed = page.locator(`[data-testid=probe-history-item][data-job-id="${app().seeded.nasProbes.failed}"]`);
    expect(await failed.locator("summary").textContent()).toContain("nas-old.lan");
    expect(await failed.getByTestId("probe-error").isVisible()).toBe(false);
    await failed.locator("summary").click();
    expect(await failed.getByTestId("probe-error").textContent()).toContain("stopped responding; out of attempts");
    const succeeded = page.locator(`[data-testid=probe-history-item][data-job-id="${app().seeded.nasProbes.succeeded}"]`);
    expect(await succeeded.locator("summary").textContent()).toContain("Read sample: permission denied");
    await page.close();
  });

  it("offers the access-mode note: mount when you can, nfs:// when the app cannot mount", async () => {
    const page = await open("/nas");
    const note = (await page.getByTestId("access-modes").textContent()) ?? "";
    expect(note).toContain("Kernel NFS mount");
    expect(note).toContain("rsize=1048576");
    expect(note).toContain("no file watching");
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "NAS check" }).getAttribute("aria-current")).toBe("page");
    await page.close();
  });

  it("rejects a bad host and a negative uid inline, keeps what was typed, and queues nothing", async () => {
    const before = (await probeJobs()).length;
    const page = await open("/nas");
    await page.getByLabel("NAS host").fill("nas.lan; rm -rf /");
    await page.getByLabel("uid", { exact: true }).fill("-1");
    await page.getByLabel("MOUNT port").fill("70000");
    await page.getByLabel("NAS host").press("Enter");
    await expect.poll(() => page.getByTestId("nas-error-host").count()).toBe(1);
    expect(await page.getByTestId("nas-error-host").textContent()).toContain("a host name or IP address");
    expect(await page.getByTestId("nas-error-uid").textContent()).toBe("must be at least 0");
    expect(await page.getByTestId("nas-error-mountPort").textContent()).toBe("must be at most 65535");
    expect(await page.getByLabel("NAS host").inputValue()).toBe("nas.lan; rm -rf /");
    expect(await page.getByLabel("NAS host").getAttribute("aria-invalid")).toBe("true");
    await browser().screenshot(page, "nas-form-error");
    expect(await probeJobs()).toHaveLength(before);
    await page.close();
  });

  it("queues an nfs.probe-nas job with the typed input on Enter, shows it running and then its result without a reload", async () => {
    const page = await open("/nas");
    await page.evaluate(() => Object.assign(window, { __noReload: true }));
    await page.getByLabel("NAS host").fill("192.168.1.20");
    await page.getByLabel("Export", { exact: true }).fill("/volume1/models");
    await page.getByLabel("uid", { exact: true }).fill("1026");
    await page.getByLabel("gid", { exact: true }).fill("100");
    await page.getByLabel("Timeout (ms)").fill("5000");
    await page.getByLabel("MOUNT port").fill("892");
    await page.getByLabel("Read sample (MiB)").fill("16");
    await page.getByLabel("Read sample (MiB)").press("Enter");

    await expect.poll(async () => (await probeJobs()).length).toBe(3);
    const job = (await probeJobs()).at(-1)!;
    expect(job).toMatchObject({ state: "queued", priority: 30, maxAttempts: 1 });
    expect(JSON.parse(job.payloadJson)).toEqual({ host: "192.168.1.20", exportPath: "/volume1/models", uid: 1026, gid: 100, timeoutMs: 5000, mountPort: 892, sampleMegabytes: 16 });

    const current = page.getByTestId("current-check");
    await expect.poll(() => current.getAttribute("data-job-id")).toBe(String(job.id));
    expect(await current.getByTestId("probe-running").textContent()).toContain("waiting for the indexer worker");
    expect(new URL(page.url()).searchParams.get("job")).toBe(String(job.id));
    await browser().screenshot(page, "nas-queued");

    // The worker claims it…
    await app().db.job.update({ where: { id: job.id }, data: { state: "running", attempts: 1, startedAt: new Date() } });
    await expect.poll(() => current.getByTestId("probe-running").textContent(), { timeout: 5000 }).toContain("Checking 192.168.1.20");
    // …and finishes with every step passing and a read sample.
    const result = {
      host: "192.168.1.20",
      reachable: true,
      checkedAt: new Date().toISOString(),
      services: [{ program: 100003, name: "nfs", version: 3, protocol: "tcp", port: 2049 }],
      nfsVersions: [3],
      mountVersions: [3],
      exports: [{ path: "/volume1/models", groups: [] }],
      export: {
        path: "/volume1/models",
        fsstat: { totalBytes: 8 * 2 ** 40, freeBytes: 7.8 * 2 ** 40, availableBytes: 7.8 * 2 ** 40, totalFiles: 0, freeFiles: 0 },
        fsinfo: { rtmax: 1_048_576, rtpref: 1_048_576, wtmax: 1_048_576, wtpref: 1_048_576, dtpref: 16_384, maxFileSize: 2 ** 63 },
        throughput: { file: "llama/Llama-3.2-1B-Instruct-F16.gguf", bytes: 16 * 2 ** 20, seconds: 0.15, megabytesPerSecond: 111.8 },
      },
      steps: ["portmapper", "exports", "mount", "fsstat", "fsinfo", "throughput"].map((name) => ({ step: name, ok: true })),
    };
    await app().db.job.update({ where: { id: job.id }, data: { state: "succeeded", finishedAt: new Date(), resultJson: JSON.stringify(result) } });
    await expect.poll(() => current.getAttribute("data-state"), { timeout: 5000 }).toBe("succeeded");
    expect(await current.textContent()).toContain("every step passed");
    expect(await current.getByTestId("probe-throughput").textContent()).toContain("112 MB/s");
    expect(await current.getByTestId("probe-export").textContent()).toContain("everyone");
    // The history (server-rendered) picks the finished check up too.
    await expect.poll(() => page.locator(`[data-testid=probe-history-item][data-job-id="${job.id}"]`).count(), { timeout: 5000 }).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await browser().screenshot(page, "nas-finished");
    await page.close();
  });

  it("prefills the form from the query string", async () => {
    const page = await open("/nas?host=nas.lan&export=%2Fvolume1%2Fmodels&uid=1026&gid=100&mountport=892");
    expect(await page.getByLabel("NAS host").inputValue()).toBe("nas.lan");
    expect(await page.getByLabel("Export", { exact: true }).inputValue()).toBe("/volume1/models");
    expect(await page.getByLabel("uid", { exact: true }).inputValue()).toBe("1026");
    expect(await page.getByLabel("MOUNT port").inputValue()).toBe("892");
    expect(await page.getByLabel("NFS port").inputValue()).toBe("");
    await page.close();
  });

  describe("libraries page, nfs:// root", () => {
    it("shows the built-in client's facts instead of kernel mount rows, with a link to check the NAS", async () => {
      const page = await open("/libraries");
      const card = page.locator(`[data-testid=library-card][data-library-id="${app().seeded.libraries.nfs}"]`);
      expect(await card.locator("header").textContent()).toContain("nfs://nas.lan/volume1/models/staging");
      expect(await card.getByTestId("nfs-options").textContent()).toBe("uid 1026 · gid 100 · mount port 892");
      const access = (await card.getByTestId("mount-details").textContent()) ?? "";
      expect(access).toContain("built-in NFSv3 client");
      expect(access).toContain("/volume1/models");
      expect(access).toContain("folder /staging");
      expect(access).toContain("uid 1026 · gid 100");
      expect(access).toContain("NFS via portmapper · MOUNT 892");
      expect(access).toContain("found by rescans");
      expect(access).not.toContain("Hard / soft");
      expect(access).not.toContain("Attr. cache");
      expect(await card.getByTestId("usage-bar").textContent()).toContain("4.50 TiB available");
      // Kernel-mounted roots keep their mount rows.
      const nas = page.locator(`[data-testid=library-card][data-library-id="${app().seeded.libraries.nas}"]`);
      expect(await nas.getByTestId("mount-details").textContent()).toContain("Hard / soft");
      expect(await page.getByLabel("Library path").getAttribute("placeholder")).toBe("/mnt/nas/models or nfs://nas.local/volume1/models");
      await browser().screenshot(page, "libraries-nfs");

      await card.getByTestId("check-nas-link").click();
      await page.waitForURL(/\/nas\?/);
      const query = new URL(page.url()).searchParams;
      expect(Object.fromEntries(query)).toEqual({ host: "nas.lan", export: "/volume1/models", uid: "1026", gid: "100", mountport: "892" });
      await expect.poll(() => page.getByLabel("NAS host").inputValue()).toBe("nas.lan");
      expect(await page.getByLabel("Export", { exact: true }).inputValue()).toBe("/volume1/models");
      await page.close();
    });

    it("names an unavailable nfs:// root in the banner by its share, without the query options", async () => {
      const id = app().seeded.libraries.nfs;
      await app().db.library.update({ where: { id }, data: { status: "unavailable", statusReason: "nas.lan did not answer within 15 s" } });
      try {
        const page = await open("/nas");
        const banner = (await page.getByTestId("unavailable-banner").textContent()) ?? "";
        expect(banner).toContain("nas-direct (nfs://nas.lan/volume1/models/staging): nas.lan did not answer within 15 s");
        expect(banner).not.toContain("uid=");
        await page.close();
      } finally {
        await app().db.library.update({ where: { id }, data: { status: "ok", statusReason: null } });
      }
    });
  });

  describe("API", () => {
    const post = async (body: unknown) => {
      const response = await fetch(`${app().baseUrl}/api/v1/nas/probe`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { message: string } } };
    };
    const get = async (id: string | number) => {
      const response = await fetch(`${app().baseUrl}/api/v1/nas/probe/${id}`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { message: string } } };
    };

    it("POST /api/v1/nas/probe queues a check (202 with its job id); GET follows it", async () => {
      const queued = await post({ host: "nas.lan", exportPath: "/volume1/ollama", uid: 1026, gid: 100 });
      expect(queued.status).toBe(202);
      expect(queued.body).toMatchObject({ jobId: expect.any(Number), deduplicated: false });
      const followed = await get(queued.body.jobId as number);
      expect(followed.status).toBe(200);
      expect(followed.body).toMatchObject({ state: "queued", active: true, result: null, error: null, input: { host: "nas.lan", exportPath: "/volume1/ollama", uid: 1026, gid: 100, timeoutMs: 10_000, sampleMegabytes: 64 } });
    });

    it("GET /api/v1/nas/probe/:id answers a finished check with its result, and a failed one with its error", async () => {
      const done = await get(app().seeded.nasProbes.succeeded);
      expect(done.body).toMatchObject({ state: "succeeded", error: null, result: { host: "nas.lan", reachable: true } });
      const failed = await get(app().seeded.nasProbes.failed);
      expect(failed.body).toMatchObject({ state: "failed", result: null });
      expect(failed.body.error).toContain("stopped responding");
    });

    it("answers 422 for a bad host or body, and 404 for an unknown check or another kind of job", async () => {
      const bad = await post({ host: "nas.lan; rm -rf /" });
      expect(bad.status).toBe(422);
      expect(bad.body.error?.message).toContain("host: a host name or IP address");
      expect((await post({ host: "nas.lan", uid: -1 })).status).toBe(422);
      const notJson = await fetch(`${app().baseUrl}/api/v1/nas/probe`, { method: "POST", body: "[1,2]" });
      expect(notJson.status).toBe(422);
      expect((await get(999_999)).status).toBe(404);
      expect((await get(app().seeded.jobs.succeededScan)).status).toBe(404);
      expect((await get("abc")).status).toBe(422);
    });
  });

  it("never requests anything outside 127.0.0.1", () => {
    expect(browser().outboundRequests).toEqual([]);
  });
});
