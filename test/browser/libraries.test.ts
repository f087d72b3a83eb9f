import { describe, expect, it } from "vitest";
import { useSeededApp } from "../helpers/browser-app.ts";
import { skipBrowserTests } from "../helpers/browser.ts";

describe.skipIf(skipBrowserTests)("libraries page", () => {
  const { app, browser, open } = useSeededApp();

  const card = (page: import("playwright-core").Page, libraryId: number) => page.locator(`[data-testid=library-card][data-library-id="${libraryId}"]`);
  const scanJobs = () => app().db.job.findMany({ where: { name: "catalog.scan-library" }, orderBy: { id: "asc" } });

  it("shows the last scan, the mount details and free space of each library", async () => {
    const page = await open("/libraries");
    const nas = card(page, app().seeded.libraries.nas);
    const lastScan = (await nas.getByTestId("last-scan").textContent()) ?? "";
    expect(lastScan).toContain("ok");
    expect(lastScan).toContain("took 42.5 s");
    expect(lastScan).toContain("37.0 MiB read");
    const mount = (await nas.getByTestId("mount-details").textContent()) ?? "";
    expect(mount).toContain("nas.lan:/volume1/models");
    expect(mount).toContain("NFS v4.1");
    expect(mount).toContain("hard");
    expect(mount).toContain("1.00 MiB / 1.00 MiB");
    expect(mount).toContain("3–60 s");
    expect(await nas.getByTestId("mount-warnings").textContent()).toContain("attribute cache is short");
    expect(await nas.getByTestId("usage-bar").textContent()).toContain("4.50 TiB available");
    expect(await nas.getByTestId("scan-errors").textContent()).toContain("1,048,576");
    expect(await nas.getByTestId("ignored-files").textContent()).toContain(".gguf.part");
    await browser().screenshot(page, "libraries");
    await page.close();
  });

  it("shows why a library is unavailable and offers to accept missing files", async () => {
    const page = await open("/libraries");
    const archive = card(page, app().seeded.libraries.archive);
    expect(await archive.getByTestId("unavailable-reason").textContent()).toContain(
      "treating it as an unmounted or unreachable share",
    );
    expect(await card(page, app().seeded.libraries.nas).getByTestId("accept-missing").count()).toBe(0);
    page.once("dialog", (dialog) => void dialog.accept());
    await archive.getByTestId("accept-missing").click();
    await expect.poll(async () => (await scanJobs()).map((j) => JSON.parse(j.payloadJson) as unknown)).toContainEqual({
      libraryId: app().seeded.libraries.archive,
      trigger: "manual",
      acceptMissing: true,
    });
    await page.close();
  });

  it('"Scan now" queues a scan job and shows it as pending', async () => {
    const page = await open("/libraries");
    const ollama = card(page, app().seeded.libraries.ollama);
    await ollama.getByTestId("scan-now").click();
    await expect.poll(() => ollama.getByRole("status").first().textContent()).toMatch(/Scan queued \(job #\d+\)/);
    const jobs = await scanJobs();
    const job = jobs.find((j) => (JSON.parse(j.payloadJson) as { libraryId: number }).libraryId === app().seeded.libraries.ollama);
    expect(job).toMatchObject({ state: "queued", priority: 10 });
    await expect.poll(() => ollama.getByTestId("scan-pending").count()).toBe(1);
    await page.close();
  });

  it("rejects a relative path inline and keeps what was typed", async () => {
    const page = await open("/libraries");
    await page.getByLabel("Library path").fill("models/relative");
    await page.getByRole("button", { name: "Add library" }).click();
    const error = page.locator("#add-library-error");
    await expect.poll(() => error.textContent()).toContain("must be an absolute path");
    expect(await page.getByLabel("Library path").inputValue()).toBe("models/relative");
    await browser().screenshot(page, "libraries-add-error");
    await page.close();
  });

  it("adds a library, which then appears with its first scan queued", async () => {
    const page = await open("/libraries");
    await page.getByLabel("Library path").fill("/srv/new-models");
    await page.getByLabel("Library label").fill("new shelf");
    await page.getByRole("button", { name: "Add library" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "new shelf" }).count()).toBe(1);
    const library = await app().db.library.findUnique({ where: { path: "/srv/new-models" } });
    expect(library).toMatchObject({ label: "new shelf", source: "ui" });
    await page.close();
  });

  it("removes a library added in the UI but offers no Remove for one from MODELSHELF_LIBRARIES", async () => {
    const added = await app().db.library.create({ data: { path: "/srv/to-remove", label: "temporary", source: "ui" } });
    const page = await open("/libraries");
    expect(await card(page, app().seeded.libraries.nas).getByRole("button", { name: "Remove" }).count()).toBe(0);
    page.once("dialog", (dialog) => void dialog.accept());
    await card(page, added.id).getByRole("button", { name: "Remove" }).click();
    await expect.poll(() => card(page, added.id).count()).toBe(0);
    expect(await app().db.library.findUnique({ where: { id: added.id } })).toBeNull();
    await page.close();
  });

  it("disables and re-enables a library", async () => {
    const libraryId = app().seeded.libraries.ollama;
    const page = await open("/libraries");
    await card(page, libraryId).getByRole("button", { name: "Disable" }).click();
    await expect.poll(() => card(page, libraryId).getByText("disabled", { exact: true }).count()).toBe(1);
    expect(await card(page, libraryId).getByTestId("scan-now").count()).toBe(0);
    expect((await app().db.library.findUnique({ where: { id: libraryId } }))?.enabled).toBe(false);
    await card(page, libraryId).getByRole("button", { name: "Enable" }).click();
    await expect.poll(() => card(page, libraryId).getByTestId("scan-now").count()).toBe(1);
    await page.close();
  });

  it("shows live progress of a running scan and refreshes when it finishes, without a reload", async () => {
    const libraryId = app().seeded.libraries.nas;
    const run = await app().db.scanRun.create({
      data: { libraryId, trigger: "manual", phase: "indexing", filesSeen: 120, added: 4, progressDone: 30, progressTotal: 120 },
    });
    const page = await open("/libraries");
    await page.evaluate(() => Object.assign(window, { __noReload: true }));
    const nas = card(page, libraryId);
    expect(await nas.getByTestId("scan-progress").textContent()).toContain("30 / 120");
    await app().db.scanRun.update({ where: { id: run.id }, data: { progressDone: 90 } });
    await expect.poll(() => nas.getByTestId("scan-progress").textContent(), { timeout: 5000 }).toContain("90 / 120");
    await browser().screenshot(page, "libraries-scan-progress");
    await app().db.scanRun.update({
      where: { id: run.id },
      data: { status: "ok", phase: "done", progressDone: 120, finishedAt: new Date(), filesSeen: 120, added: 4, bytesRead: 1024n },
    });
    await expect.poll(() => nas.getByTestId("scan-progress").count(), { timeout: 5000 }).toBe(0);
    await expect.poll(() => nas.getByTestId("last-scan").textContent()).toContain("manual");
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await page.close();
  });

  it("never requests anything outside 127.0.0.1", () => {
    expect(browser().outboundRequests).toEqual([]);
  });
});
