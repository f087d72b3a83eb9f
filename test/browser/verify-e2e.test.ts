// "Verify now" end to end, as `npm start` runs it: the web server, the indexer
// and the hasher worker on one fresh data directory with one library holding a
// real GGUF file of ~54 MB. The read cap (8 MB/s) makes the hash take several
// seconds, so the browser can watch its progress move on the Jobs page before
// the model page turns verified.
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTinyModel } from "../../lib/gguf/index.ts";
import { writeHashingSettings } from "../../lib/settings/hashing-settings.ts";
import { useBrowserApp } from "../helpers/browser-app.ts";
import { skipBrowserTests } from "../helpers/browser.ts";
import { startFullApp } from "../helpers/full-app.ts";

/** Slow enough to watch: the ~54 MB file takes about 7 s to hash. */
const CAP_MBPS = 8;

describe.skipIf(skipBrowserTests)("end to end: verify a model with the hasher worker", () => {
  let library: string;
  let modelBytes: Uint8Array;

  beforeAll(async () => {
    library = await mkdtemp(path.join(os.tmpdir(), "modelshelf-verify-e2e-"));
    // F32 weights with a wide embedding: a real, loadable GGUF of ~54 MB.
    modelBytes = buildTinyModel({
      architecture: "llama",
      fileType: "F32",
      name: "E2E Verify",
      seed: 7,
      vocabSize: 8192,
      embeddingLength: 512,
      blockCount: 2,
      feedForwardLength: 1024,
    });
    await writeFile(path.join(library, "E2E-Verify-F32.gguf"), modelBytes);
  });

  // After-hooks run in reverse order (vitest's "stack"), so this one runs once the app has stopped.
  afterAll(async () => {
    if (library) await rm(library, { recursive: true, force: true });
  });

  const { app, browser, open } = useBrowserApp(() =>
    startFullApp({
      workers: ["indexer", "hasher"],
      env: { MODELSHELF_LIBRARIES: library, MODELSHELF_DEMO: "off", MODELSHELF_STABLE_MS: "200", MODELSHELF_WATCH: "off" },
      // Before the hasher starts: nothing hashed behind the test's back (no scan-time hashing, no scrub).
      prepare: (db) =>
        writeHashingSettings(db, {
          concurrency: 1,
          bandwidthMBps: CAP_MBPS,
          scrubWindow: "",
          scrubIntervalDays: 30,
          scrubEnabled: false,
          verifyNewFiles: false,
        }),
    }),
  );

  it('"Verify now" hashes the file in the hasher worker; the Jobs page shows the progress moving, then the model is verified', async () => {
    const catalogue = await browser().newPage();
    await app().reloadUntil(catalogue, `${app().baseUrl}/?q=E2E`, async () => (await catalogue.getByTestId("model-name").allTextContents()).includes("E2E Verify"));
    const row = catalogue.locator("tr[data-model-id]").filter({ hasText: "E2E Verify" });
    expect(await row.getByTestId("verify-badge").getAttribute("data-verify-state")).toBe("unverified");
    const modelId = Number(await row.getAttribute("data-model-id"));

    const modelPage = await open(`/models/${modelId}`);
    await modelPage.getByTestId("verify-model").click();
    await expect.poll(() => modelPage.getByTestId("verify-model").locator("xpath=ancestor::form[1]").getByRole("status").textContent()).toContain("Queued 1 file");

    // Watch the job on the Jobs page: it updates itself, no reloads.
    const jobs = await open("/jobs");
    // The startup scan is a finished job too: only the verify job counts here.
    const verifyRow = (state: "running" | "succeeded") => jobs.getByTestId(`jobs-${state}`).getByTestId("job-row").filter({ hasText: "Verify file" });
    const bar = verifyRow("running").getByTestId("job-progress");
    const seen: number[] = [];
    let screenshotTaken = false;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if ((await verifyRow("succeeded").count()) > 0) break;
      const value = await bar.first().getAttribute("aria-valuenow", { timeout: 500 }).catch(() => null);
      if (value !== null && seen.at(-1) !== Number(value)) seen.push(Number(value));
      if (!screenshotTaken && value !== null && Number(value) >= 30) {
        expect(await verifyRow("running").textContent()).toContain("E2E-Verify-F32.gguf");
        await browser().screenshot(jobs, "verify-e2e-jobs-progress");
        screenshotTaken = true;
      }
      await sleep(250);
    }
    const midway = seen.filter((v) => v > 0 && v < 100);
    expect(midway.length, `progress seen: ${seen.join(", ")}\n${app().output()}`).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
    await expect.poll(() => verifyRow("succeeded").count(), { timeout: 30_000 }).toBe(1);

    // The model page refreshes itself while its file is queued or hashing, and ends up verified.
    const badge = modelPage.locator("h1 ~ [data-testid=verify-badge]");
    await expect.poll(() => badge.getAttribute("data-verify-state"), { timeout: 30_000 }).toBe("verified");
    const sha256 = createHash("sha256").update(modelBytes).digest("hex");
    expect(await modelPage.getByTestId("file-sha256").textContent()).toBe(sha256);
    const history = modelPage.getByTestId("verification-history").locator("tbody tr");
    expect(await history.count()).toBe(1);
    expect(await history.first().textContent()).toContain("manual");
    await browser().screenshot(modelPage, "verify-e2e-model-verified");

    // The cap held: ~54 MB at 8 MB/s is several seconds, never a burst.
    const verification = await app().db.verification.findFirstOrThrow({ where: { status: "verified" } });
    expect(verification.sha256).toBe(sha256);
    expect(Number(verification.bytes) / verification.seconds / 1e6).toBeLessThan(CAP_MBPS * 1.25);
    expect(browser().outboundRequests).toEqual([]);
  }, 120_000);
});
