// The Hosts pages on the seeded catalogue plus three hosts written straight
// into the database (no live host needed): the inventory matrix with every
// cell state, host cards, the add-host form and its field errors, the host
// page (models, assignments, push, remove, edit, delete), the catalogue and
// model page showing references and hosts, and a matrix with many hosts.
import path from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db/client.ts";
import type { InventoryMatrix } from "../../lib/hosts/queries.ts";
import { readHostsSettings } from "../../lib/settings/hosts-settings.ts";
import { useSeededApp } from "../helpers/browser-app.ts";
import { SCREENSHOT_DIR, skipBrowserTests } from "../helpers/browser.ts";
import type { SeededCatalog } from "../helpers/seed-catalog.ts";

const GiB = 2 ** 30;
/** The manifest digest of the seeded library/qwen2.5:7b-instruct Ollama tag. */
const QWEN_MANIFEST = "845dbda0ea48ed749caafd9e6037047aa19acfcfd82e704d7ca97d631a0b697e";
const LLAMA_REF = "nas-models/llama-3.2-1b-instruct:f16";
const MISTRAL_REF = "nas-models/mistral-7b-instruct-v0.3:q8_0";
const GEMMA_REF = "archive/gemma-2-2b-it:q6_k";
const QWEN_REF = "library/qwen2.5:7b-instruct";
const QWEN72_REF = "nas-models/qwen2.5-72b-instruct:q4_k_m";

interface SeededHosts {
  gpuBox: number;
  mac: number;
  lab: number;
}

/**
 * gpu-box (Ollama, reachable): Qwen by the same manifest digest (present, loaded), Llama pushed
 * by ModelShelf and assigned (present), Mistral pushed but since changed on the host (different),
 * Gemma under its catalogue name but not pushed by ModelShelf (same name), an extra model, and
 * the split Qwen 72B assigned but not there (missing). mac-studio (llama-server, unreachable):
 * Qwen 7B assigned and missing. lab-direct: a disabled llama-server reading the NAS itself.
 */
async function seedHosts(db: Db, seeded: SeededCatalog): Promise<SeededHosts> {
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  const gpuBox = await db.inferenceHost.create({
    data: { name: "gpu-box", kind: "ollama", baseUrl: "http://10.0.0.5:11434", status: "ok", version: "0.12.3", lastPolledAt: ago(1), lastSeenAt: ago(1), hostProfileId: seeded.planning.workstation },
  });
  const model = (name: string, digest: string, extra: { loaded?: boolean; sizeBytes?: number } = {}) =>
    db.hostModel.create({
      data: {
        hostId: gpuBox.id,
        name,
        digest,
        sizeBytes: BigInt(extra.sizeBytes ?? 2 * GiB),
        loaded: extra.loaded ?? false,
        loadedBytes: extra.loaded ? BigInt(6 * GiB) : null,
        vramBytes: extra.loaded ? BigInt(5 * GiB) : null,
        status: "present",
        lastSeenAt: ago(1),
      },
    });
  await model(QWEN_REF, QWEN_MANIFEST, { loaded: true, sizeBytes: 4_683_087_332 });
  await model(LLAMA_REF, "a".repeat(64), { sizeBytes: 2_479_595_200 });
  await model(MISTRAL_REF, "b".repeat(64), { sizeBytes: 7_702_565_024 });
  await model(GEMMA_REF, "d".repeat(64));
  await model("llama3.2:latest", "e".repeat(64), { loaded: true });
  const deployment = (modelId: number, ref: string, hostDigest: string) =>
    db.deployment.create({ data: { hostId: gpuBox.id, modelId, ref, hostName: ref, method: "upload", hostDigest, sizeBytes: 2n * BigInt(GiB), confirmedAt: ago(60 * 24) } });
  await deployment(seeded.models.llamaF16, LLAMA_REF, "a".repeat(64));
  await deployment(seeded.models.mistralQ8, MISTRAL_REF, "c".repeat(64));
  await db.assignment.create({ data: { hostId: gpuBox.id, modelId: seeded.models.llamaF16, method: "auto", createdBy: "local-admin" } });
  await db.assignment.create({ data: { hostId: gpuBox.id, modelId: seeded.models.qwen72Split, method: "upload", createdBy: "local-admin" } });

  const mac = await db.inferenceHost.create({
    data: {
      name: "mac-studio",
      kind: "llama-server",
      baseUrl: "http://10.0.0.7:8080",
      delivery: "models-dir",
      modelsDir: "/mnt/mac-studio/models",
      status: "unreachable",
      lastError: "connect ECONNREFUSED 10.0.0.7:8080",
      lastPolledAt: ago(2),
      lastSeenAt: ago(60 * 3),
      hostProfileId: seeded.planning.mac,
    },
  });
  await db.assignment.create({ data: { hostId: mac.id, modelId: seeded.models.qwen7, method: "copy", createdBy: "local-admin" } });
  // A copy to mac-studio under way (46 % at 80 MB/s) and an earlier removal that failed.
  await db.job.create({
    data: {
      name: "hosts.push-model",
      payloadJson: JSON.stringify({ hostId: mac.id, modelId: seeded.models.qwen7, ref: QWEN_REF, method: "copy" }),
      state: "running",
      attempts: 1,
      maxAttempts: 4,
      startedAt: ago(1),
      heartbeatAt: new Date(),
      progressDone: 2_154_213_826,
      progressTotal: 4_683_073_536,
      progressUnit: "bytes",
      progressRate: 80_000_000,
    },
  });
  await db.job.create({
    data: {
      name: "hosts.remove-model",
      payloadJson: JSON.stringify({ hostId: mac.id, hostName: "old-model" }),
      state: "failed",
      attempts: 3,
      maxAttempts: 3,
      startedAt: ago(30),
      finishedAt: ago(29),
      lastError: "DELETE /models/old-model: connect ECONNREFUSED 10.0.0.7:8080",
    },
  });
  const lab = await db.inferenceHost.create({
    data: {
      name: "lab-direct",
      kind: "llama-server",
      baseUrl: "http://10.0.0.8:8080",
      delivery: "nas-direct",
      presetPath: "/srv/lab/presets.ini",
      pathMapJson: JSON.stringify([{ from: "/srv/nas/models", to: "/mnt/models" }]),
      enabled: false,
    },
  });
  return { gpuBox: gpuBox.id, mac: mac.id, lab: lab.id };
}

describe.skipIf(skipBrowserTests)("hosts pages", () => {
  const { app, browser, open } = useSeededApp();
  let hosts: SeededHosts;

  beforeAll(async () => {
    hosts = await seedHosts(app().db, app().seeded);
  });

  const cell = (page: Page, host: string, ref: string) => page.locator(`[data-testid=inventory-cell][data-host="${host}"][data-ref="${ref}"]`);
  const card = (page: Page, host: string) => page.locator(`[data-testid=host-card][data-host="${host}"]`);
  const jobsNamed = (name: string) => app().db.job.findMany({ where: { name }, orderBy: { id: "asc" } });
  const payload = (job: { payloadJson: string }) => JSON.parse(job.payloadJson) as Record<string, unknown>;
  const payloadsFor = async (name: string, hostId: number) => (await jobsNamed(name)).map(payload).filter((p) => p.hostId === hostId);

  it("shows every cell state in the matrix, with the assigned and loaded markers and the reason on hover", async () => {
    const page = await open("/hosts");
    const hostHeaders = await page.getByTestId("inventory-host").evaluateAll((ths) => ths.map((th) => th.querySelector("a")?.textContent?.trim()));
    expect(hostHeaders).toEqual(["gpu-box", "lab-direct", "mac-studio"]);
    const expected: Array<[string, string, string, boolean, boolean]> = [
      ["gpu-box", QWEN_REF, "present", false, true],
      ["gpu-box", LLAMA_REF, "present", true, false],
      ["gpu-box", MISTRAL_REF, "different", false, false],
      ["gpu-box", GEMMA_REF, "unmanaged", false, false],
      ["gpu-box", QWEN72_REF, "missing", true, false],
      ["mac-studio", QWEN_REF, "missing", true, false],
      ["mac-studio", LLAMA_REF, "missing", false, false],
    ];
    for (const [host, ref, state, assigned, loaded] of expected) {
      const target = cell(page, host, ref);
      expect(await target.getAttribute("data-state"), `${host} ${ref}`).toBe(state);
      expect(await target.getByTestId("assigned-mark").count(), `${host} ${ref} assigned`).toBe(assigned ? 1 : 0);
      expect(await target.getByTestId("loaded-mark").count(), `${host} ${ref} loaded`).toBe(loaded ? 1 : 0);
    }
    // What each state reads as, and why (the tooltip).
    expect(await cell(page, "gpu-box", GEMMA_REF).textContent()).toContain("same name");
    expect(await cell(page, "gpu-box", GEMMA_REF).getAttribute("title")).toContain("ModelShelf did not put it there");
    expect(await cell(page, "gpu-box", MISTRAL_REF).textContent()).toContain("different");
    expect(await cell(page, "gpu-box", MISTRAL_REF).getAttribute("title")).toContain("is not the cccccccccccc it confirmed");
    expect(await cell(page, "gpu-box", QWEN_REF).getAttribute("title")).toContain("same manifest digest");
    expect(await cell(page, "gpu-box", QWEN72_REF).textContent()).toContain("missing");
    // A model that is neither there nor wanted is not shouted about.
    expect((await cell(page, "mac-studio", LLAMA_REF).textContent())?.startsWith("–")).toBe(true);
    await browser().screenshot(page, "hosts");
    await page.close();
  });

  it("counts drift in the totals and the nav badge, and lists models the catalogue does not know", async () => {
    const page = await open("/hosts");
    const total = async (key: string) => (await page.getByTestId(`total-${key}`).textContent())?.replace(/\D+/g, "");
    // gpu-box: Qwen 72B to push, Mistral (pushed, not assigned) to remove; mac-studio: Qwen 7B to push.
    expect(await total("drift")).toBe("3");
    expect(await total("present")).toBe("2");
    expect(await total("missing")).toBe("2");
    expect(await total("different")).toBe("1");
    expect(await total("unmanaged")).toBe("1");
    expect(await total("extra")).toBe("1");
    expect(await page.getByTestId("nav-drift-count").textContent()).toBe("3");
    const extra = page.locator('[data-testid=extra-models][data-host="gpu-box"]');
    expect(await extra.getByTestId("extra-model").allTextContents()).toEqual([expect.stringContaining("llama3.2:latest")]);
    expect(await extra.getByTestId("loaded-mark").count()).toBe(1);
    await page.close();
  });

  it("summarises each host: reachability with last seen and last error, version, models, drift", async () => {
    const page = await open("/hosts");
    const gpu = card(page, "gpu-box");
    expect(await gpu.getByTestId("host-status").getAttribute("data-status")).toBe("ok");
    const gpuText = (await gpu.textContent()) ?? "";
    for (const part of ["reachable", "0.12.3", "5 · 2 loaded · 1 extra", "1 to push, 1 to remove", "Workstation RTX 4090"]) expect(gpuText).toContain(part);
    expect(gpuText).toMatch(/Last seen\s*\d min ago/);
    const mac = card(page, "mac-studio");
    expect(await mac.getByTestId("host-status").getAttribute("data-status")).toBe("unreachable");
    expect(await mac.getByTestId("host-last-error").textContent()).toBe("connect ECONNREFUSED 10.0.0.7:8080");
    expect(await mac.textContent()).toContain("3 h ago");
    const lab = card(page, "lab-direct");
    expect(await lab.textContent()).toContain("disabled");
    // A disabled host offers neither Poll nor Reconcile.
    expect(await lab.getByTestId("host-poll").count()).toBe(0);
    await page.close();
  });

  it("queues a poll from a host card and a reconcile of every host with drift", async () => {
    const page = await open("/hosts");
    await card(page, "mac-studio").getByTestId("host-poll").click();
    await expect.poll(() => card(page, "mac-studio").getByRole("status").textContent()).toMatch(/^Poll queued \(job #\d+\)$/);
    const polls = await jobsNamed("hosts.poll-host");
    expect(polls.map(payload)).toEqual([{ hostId: hosts.mac }]);
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByTestId("reconcile-all").click();
    await expect.poll(async () => (await jobsNamed("hosts.reconcile-host")).map(payload)).toEqual([{ hostId: hosts.gpuBox }, { hostId: hosts.mac }]);
    await page.close();
  });

  it("tells each invalid field of the add-host form what is wrong, next to it, and keeps what was typed", async () => {
    const page = await open("/hosts");
    const form = page.getByTestId("host-form");
    await form.getByLabel("Name", { exact: true }).fill("new-llama");
    await form.getByTestId("host-kind-llama-server").check();
    await form.getByLabel("Base URL").fill("10.0.0.9:8080");
    await form.getByRole("button", { name: "Add host" }).click();
    expect(await page.getByTestId("host-error-baseUrl").textContent()).toBe("a URL such as http://10.0.0.5:11434");
    // Next to its field: the input points at its message.
    expect(await form.getByLabel("Base URL").getAttribute("aria-describedby")).toBe("host-baseUrl-error");
    expect(await form.getByLabel("Base URL").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByTestId("host-form-message").textContent()).toBe("Not saved: fix the highlighted fields.");
    expect(await form.getByLabel("Name", { exact: true }).inputValue()).toBe("new-llama");
    expect(await form.getByTestId("host-kind-llama-server").isChecked()).toBe(true);

    // Models-dir delivery is the default; its directory is still empty.
    await form.getByLabel("Base URL").fill("http://10.0.0.9:8080");
    await form.getByRole("button", { name: "Add host" }).click();
    expect(await page.getByTestId("host-error-modelsDir").textContent()).toContain("needs the models directory ModelShelf copies into");
    expect(await form.getByLabel("Models directory", { exact: true }).getAttribute("aria-describedby")).toBe("host-modelsDir-error");
    expect(await page.getByTestId("host-error-baseUrl").count()).toBe(0);
    await browser().screenshot(page, "hosts-add-error");

    // Reading the NAS directly needs a preset file and a path map instead.
    await form.getByTestId("host-delivery-nas-direct").check();
    await form.getByLabel("Path map 1: library path").fill("relative/path");
    await form.getByLabel("Path map 1: path on the host").fill("/mnt/models");
    await form.getByRole("button", { name: "Add host" }).click();
    expect(await page.getByTestId("host-error-presetPath").textContent()).toContain("needs the preset file");
    expect(await page.getByTestId("host-error-pathMap.0.from").textContent()).toBe("an absolute path or an nfs://host/export/path URL");
    expect(await page.getByTestId("host-error-modelsDir").count()).toBe(0);
    expect(await app().db.inferenceHost.count({ where: { name: "new-llama" } })).toBe(0);
    await page.close();
  });

  it("adds a host through the form: a new row, a queued poll and a new matrix column", async () => {
    const page = await open("/hosts");
    const form = page.getByTestId("host-form");
    await form.getByLabel("Name", { exact: true }).fill("new-ollama");
    await form.getByLabel("Base URL").fill("http://10.0.0.10:11434/");
    await form.getByLabel("Host profile").selectOption({ label: "Mac Studio M2 Ultra 64 GB" });
    await form.getByTestId("host-autoReconcile").check();
    await form.getByRole("button", { name: "Add host" }).click();
    await expect.poll(() => page.getByTestId("host-form-message").textContent()).toBe("Added new-ollama; polling it now.");
    const row = await app().db.inferenceHost.findUniqueOrThrow({ where: { name: "new-ollama" } });
    expect(row).toMatchObject({ kind: "ollama", baseUrl: "http://10.0.0.10:11434", hostProfileId: app().seeded.planning.mac, autoReconcile: true, enabled: true });
    expect((await jobsNamed("hosts.poll-host")).map(payload)).toContainEqual({ hostId: row.id });
    await card(page, "new-ollama").waitFor();
    expect(await page.getByTestId("inventory-host").count()).toBe(4);
    // The form is empty again for the next host.
    expect(await form.getByLabel("Name", { exact: true }).inputValue()).toBe("");
    await page.close();
  });

  it("shows one host: details, its models matched to the catalogue, assignments and drift", async () => {
    const page = await open(`/hosts/${hosts.gpuBox}`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("gpu-box");
    const details = (await page.getByTestId("host-details").textContent()) ?? "";
    for (const part of ["http://10.0.0.5:11434", "Workstation RTX 4090", "0.12.3", "1 to push, 1 to remove"]) expect(details).toContain(part);
    const models = page.getByTestId("host-model-row");
    expect(await models.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")))).toEqual([GEMMA_REF, QWEN_REF, "llama3.2:latest", LLAMA_REF, MISTRAL_REF]);
    const qwen = (await page.locator(`[data-testid=host-model-row][data-name="${QWEN_REF}"]`).textContent()) ?? "";
    expect(qwen).toContain("loaded");
    expect(qwen).toContain("6.00 GiB · 5.00 GiB VRAM");
    expect(qwen).toContain("845dbda0ea48");
    expect(qwen).toContain("not ModelShelf");
    expect(await page.locator('[data-testid=host-model-row][data-name="llama3.2:latest"]').textContent()).toContain("extra");
    expect(await page.locator(`[data-testid=host-model-row][data-name="${LLAMA_REF}"]`).textContent()).toContain("ModelShelf (upload, 24 h ago)");
    const assignments = page.getByTestId("assignment-row");
    expect(await assignments.evaluateAll((rows) => rows.map((r) => [r.getAttribute("data-ref"), r.querySelector("[data-testid=cell-badge]")?.getAttribute("data-state")]))).toEqual([
      [LLAMA_REF, "present"],
      [QWEN72_REF, "missing"],
    ]);
    expect(await page.getByTestId("host-drift-detail").textContent()).toContain(`push ${QWEN72_REF} and remove ${MISTRAL_REF}`);
    await browser().screenshot(page, "host-gpu-box");
    await page.close();
  });

  it("shows a host's recent jobs: a push under way with its progress bar, a failed removal with its error", async () => {
    const page = await open(`/hosts/${hosts.mac}`);
    const push = page.locator('[data-testid=host-job-row][data-job-name="hosts.push-model"][data-state=running]');
    expect(await push.textContent()).toContain(`${QWEN_REF} by copy`);
    const bar = push.getByRole("progressbar");
    expect(await bar.getAttribute("aria-valuenow")).toBe("46");
    expect(await push.textContent()).toContain("2.01 GiB / 4.36 GiB");
    expect(await push.textContent()).toContain("80 MB/s");
    const removal = page.locator('[data-testid=host-job-row][data-job-name="hosts.remove-model"]');
    expect(await removal.getAttribute("data-state")).toBe("failed");
    expect(await removal.textContent()).toContain("connect ECONNREFUSED 10.0.0.7:8080");
    // A llama-server host with a models directory: the details say where copies go.
    expect(await page.getByTestId("host-details").textContent()).toContain("/mnt/mac-studio/models");
    await browser().screenshot(page, "host-mac-studio");
    await page.close();
  });

  it("moves a running push's progress bar without a reload", async () => {
    const page = await open(`/hosts/${hosts.mac}`);
    const bar = page.locator('[data-testid=host-job-row][data-job-name="hosts.push-model"][data-state=running]').getByRole("progressbar");
    expect(await bar.getAttribute("aria-valuenow")).toBe("46");
    await app().db.job.updateMany({ where: { name: "hosts.push-model", state: "running" }, data: { progressDone: 4_214_766_182 } });
    await expect.poll(() => bar.getAttribute("aria-valuenow"), { timeout: 8_000 }).toBe("90");
    await page.close();
  });

  it("saves the push and poll settings, and rejects an out-of-range value next to its field", async () => {
    const page = await open("/hosts");
    const form = page.getByTestId("hosts-settings-form");
    await form.getByLabel("Pushes at once").fill("20");
    await form.getByRole("button", { name: "Save settings" }).click();
    expect(await page.getByTestId("hosts-setting-error-pushConcurrency").textContent()).toContain("8");
    expect(await form.getByLabel("Pushes at once").getAttribute("aria-describedby")).toBe("hosts-setting-pushConcurrency-error");
    await form.getByLabel("Pushes at once").fill("3");
    await form.getByLabel("Push read cap (MB/s)").fill("50");
    await form.getByRole("button", { name: "Save settings" }).click();
    await expect.poll(() => page.getByTestId("hosts-settings-message").textContent()).toContain("Saved");
    expect(await readHostsSettings(app().db)).toEqual({ pushConcurrency: 3, pushBandwidthMBps: 50, pollIntervalSeconds: 60, requestTimeoutSeconds: 15 });
    await page.close();
  });

  it("queues a hosts.push-model job with the method chosen in the push form, and shows it with the host's jobs", async () => {
    const page = await open(`/hosts/${hosts.gpuBox}`);
    const form = page.getByTestId("push-form");
    // An Ollama host offers upload and pull only.
    expect(await form.getByLabel("Method").locator("option").evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(["upload", "pull"]);
    await form.getByLabel("Model").selectOption(LLAMA_REF);
    await form.getByLabel("Method").selectOption("pull");
    await form.getByRole("button", { name: "Push" }).click();
    await expect.poll(() => page.getByTestId("push-form-message").textContent()).toMatch(new RegExp(`^Push of ${LLAMA_REF.replace(/[.]/g, "\\.")} by pull queued \\(job #\\d+\\)$`));
    expect(await payloadsFor("hosts.push-model", hosts.gpuBox)).toEqual([{ hostId: hosts.gpuBox, modelId: app().seeded.models.llamaF16, ref: LLAMA_REF, method: "pull", load: false }]);
    const jobRow = page.locator(`[data-testid=host-job-row][data-job-name="hosts.push-model"]`);
    await jobRow.waitFor();
    expect(await jobRow.textContent()).toContain(`${LLAMA_REF} by pull`);
    // A push the library cannot serve is refused with the reason, nothing queued.
    await form.getByLabel("Model").selectOption(MISTRAL_REF);
    await form.getByRole("button", { name: "Push" }).click();
    await expect.poll(() => page.getByTestId("push-form-message").textContent()).toContain("no complete, verified copy");
    expect(await payloadsFor("hosts.push-model", hosts.gpuBox)).toHaveLength(1);
    await page.close();
  });

  it("offers 'Load after push' for llama-server hosts only, and queues the push with it", async () => {
    const page = await open(`/hosts/${hosts.mac}`);
    const form = page.getByTestId("push-form");
    await form.getByLabel("Model").selectOption(LLAMA_REF);
    await form.getByTestId("push-form-load").check();
    await form.getByRole("button", { name: "Push" }).click();
    await expect.poll(() => page.getByTestId("push-form-message").textContent()).toMatch(/by copy queued \(job #\d+\)$/);
    expect((await payloadsFor("hosts.push-model", hosts.mac)).find((p) => (p as { ref: string }).ref === LLAMA_REF)).toMatchObject({ method: "copy", load: true });
    // The push also assigned the model; the assignment test below starts from none.
    await app().db.assignment.deleteMany({ where: { hostId: hosts.mac, modelId: app().seeded.models.llamaF16 } });
    await page.close();
    const ollamaPage = await open(`/hosts/${hosts.gpuBox}`);
    expect(await ollamaPage.getByTestId("push-form-load").count()).toBe(0);
    await ollamaPage.close();
  });

  it("queues a hosts.remove-model job once the removal is confirmed", async () => {
    const page = await open(`/hosts/${hosts.gpuBox}`);
    const row = page.locator('[data-testid=host-model-row][data-name="llama3.2:latest"]');
    let asked = "";
    page.once("dialog", (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await row.getByTestId("remove-model").click();
    await expect.poll(() => row.getByRole("status").textContent()).toMatch(/^Removal of llama3\.2:latest queued \(job #\d+\)$/);
    expect(asked).toContain("Remove llama3.2:latest from gpu-box?");
    expect(await payloadsFor("hosts.remove-model", hosts.gpuBox)).toEqual([{ hostId: hosts.gpuBox, hostName: "llama3.2:latest" }]);
    await page.close();
  });

  it("assigns a model to a host, which shows as drift, and unassigns it", async () => {
    const page = await open(`/hosts/${hosts.mac}`);
    const form = page.getByTestId("assign-form");
    await form.getByLabel("Model").selectOption(LLAMA_REF);
    await form.getByRole("button", { name: "Assign" }).click();
    await expect.poll(() => page.getByTestId("assign-message").textContent()).toBe(`Assigned ${LLAMA_REF}`);
    const row = page.locator(`[data-testid=assignment-row][data-ref="${LLAMA_REF}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain("missing");
    expect(await app().db.assignment.count({ where: { hostId: hosts.mac, modelId: app().seeded.models.llamaF16 } })).toBe(1);
    await row.getByTestId("unassign").click();
    await expect.poll(() => app().db.assignment.count({ where: { hostId: hosts.mac, modelId: app().seeded.models.llamaF16 } })).toBe(0);
    await page.close();
  });

  it("shows each model's reference in the catalogue", async () => {
    const page = await open("/");
    const qwen = page.locator(`tr[data-model-id="${app().seeded.models.qwen7}"] [data-testid=model-ref]`);
    expect(await qwen.textContent()).toBe(`${QWEN_REF}+1`);
    expect(await qwen.getAttribute("title")).toBe(`${QWEN_REF}\nteam/qwen-coder:latest`);
    expect(await page.locator(`tr[data-model-id="${app().seeded.models.llamaF16}"] [data-testid=model-ref]`).textContent()).toBe(LLAMA_REF);
    // Phi has no file left to serve: no reference.
    expect(await page.locator(`tr[data-model-id="${app().seeded.models.phiMissing}"] [data-testid=model-ref]`).count()).toBe(0);
    await page.close();
  });

  it("shows on the model page which hosts have it, and pushes it to a llama-server host by copy", async () => {
    const page = await open(`/models/${app().seeded.models.qwen7}`);
    const refs = (await page.getByTestId("model-refs").textContent()) ?? "";
    expect(refs).toContain(QWEN_REF);
    expect(refs).toContain("also team/qwen-coder:latest");
    const stateOf = (host: string, ref: string) => page.locator(`[data-testid=model-host-row][data-host="${host}"] [data-testid=model-host-cell][data-ref="${ref}"]`).getAttribute("data-state");
    expect(await stateOf("gpu-box", QWEN_REF)).toBe("present");
    expect(await stateOf("gpu-box", "team/qwen-coder:latest")).toBe("missing");
    expect(await stateOf("mac-studio", QWEN_REF)).toBe("missing");
    const form = page.getByTestId("model-push-form");
    await form.getByLabel("Host").selectOption({ label: "mac-studio" });
    // A llama-server host with a models directory receives copies only.
    expect(await form.getByLabel("Method").locator("option").evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(["copy"]);
    // The disabled host cannot be picked.
    expect(await form.getByLabel("Host").locator("option", { hasText: "lab-direct" }).isDisabled()).toBe(true);
    await form.getByLabel("Model").selectOption(QWEN_REF);
    await form.getByRole("button", { name: "Push" }).click();
    await expect.poll(() => page.getByTestId("model-push-form-message").textContent()).toMatch(/^Push of library\/qwen2\.5:7b-instruct by copy queued/);
    // The choices stay as they were, host and methods agreeing, ready for the next push.
    expect(await form.getByLabel("Host").inputValue()).toBe(String(hosts.mac));
    expect(await form.getByLabel("Method").inputValue()).toBe("copy");
    expect((await jobsNamed("hosts.push-model")).map(payload)).toContainEqual({ hostId: hosts.mac, modelId: app().seeded.models.qwen7, ref: QWEN_REF, method: "copy" });
    await browser().screenshot(page, "model-hosts");
    await page.close();
  });

  it("names the hosts jobs on the Jobs page", async () => {
    const page = await open("/jobs");
    const queued = (await page.getByTestId("jobs-queued").textContent()) ?? "";
    expect(queued).toContain(`Push model ${LLAMA_REF} to host #${hosts.gpuBox} by pull`);
    expect(queued).toContain(`Remove model llama3.2:latest from host #${hosts.gpuBox}`);
    expect(queued).toContain(`Reconcile host #${hosts.mac}`);
    expect(queued).not.toContain("hosts.");
    await page.close();
  });

  it("serves the inventory to machine callers", async () => {
    const response = await fetch(`${app().baseUrl}/api/v1/hosts`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as InventoryMatrix;
    expect(body.cells[hosts.gpuBox]?.[MISTRAL_REF]?.state).toBe("different");
    const missing = await fetch(`${app().baseUrl}/api/v1/hosts/4242/push`, { method: "POST", body: JSON.stringify({ model: QWEN_REF }) });
    expect(missing.status).toBe(404);
  });

  it("edits a host, then deletes it after confirmation", async () => {
    const id = (await app().db.inferenceHost.findUniqueOrThrow({ where: { name: "new-ollama" } })).id;
    const page = await open(`/hosts/${id}`);
    const form = page.getByTestId("host-form");
    expect(await form.getByLabel("Base URL").inputValue()).toBe("http://10.0.0.10:11434");
    await form.getByLabel("Base URL").fill("http://10.0.0.11:11434");
    await form.getByRole("button", { name: "Save host" }).click();
    await expect.poll(() => page.getByTestId("host-form-message").textContent()).toBe("Saved new-ollama; polling it now.");
    expect((await app().db.inferenceHost.findUniqueOrThrow({ where: { id } })).baseUrl).toBe("http://10.0.0.11:11434");
    expect(await form.getByLabel("Base URL").inputValue()).toBe("http://10.0.0.11:11434");
    // A second save with the same answer still shows what is stored, not the values the page first loaded with.
    await form.getByTestId("host-autoReconcile").uncheck();
    await form.getByRole("button", { name: "Save host" }).click();
    await expect.poll(async () => (await app().db.inferenceHost.findUniqueOrThrow({ where: { id } })).autoReconcile).toBe(false);
    expect(await form.getByLabel("Base URL").inputValue()).toBe("http://10.0.0.11:11434");
    expect(await form.getByTestId("host-autoReconcile").isChecked()).toBe(false);
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByTestId("delete-host").click();
    await page.waitForURL(/\/hosts$/);
    expect(await app().db.inferenceHost.count({ where: { id } })).toBe(0);
    expect(await card(page, "new-ollama").count()).toBe(0);
    await page.close();
  });

  it("answers 404 for an unknown host page", async () => {
    const page = await browser().newPage();
    for (const id of ["4242", "abc", "0"]) {
      const response = await page.goto(`${app().baseUrl}/hosts/${id}`);
      expect(response?.status(), id).toBe(404);
    }
    await page.close();
  });

  // Last: adds a dozen hosts to this file's database.
  it("keeps the matrix readable with many hosts: it scrolls sideways with the model column fixed, the page does not", async () => {
    for (let i = 1; i <= 12; i++) {
      await app().db.inferenceHost.create({
        data: { name: `rack-${String(i).padStart(2, "0")}-gpu-node-with-a-long-name`, kind: i % 2 ? "ollama" : "llama-server", baseUrl: `http://10.0.1.${i}:11434`, status: i % 3 ? "ok" : "unreachable", lastSeenAt: new Date() },
      });
    }
    const page = await open("/hosts");
    expect(await page.getByTestId("inventory-host").count()).toBe(15);
    const widths = await page.evaluate(() => {
      const scroller = document.querySelector("[data-testid=inventory-scroll]")!;
      return { page: document.documentElement.scrollWidth, viewport: window.innerWidth, scroll: scroller.scrollWidth, box: scroller.clientWidth };
    });
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    expect(widths.scroll).toBeGreaterThan(widths.box);
    // Every host's full name shows in its column header (long names wrap rather than truncate).
    const clipped = await page.getByTestId("inventory-host-name").evaluateAll((spans) => spans.filter((span) => span.scrollHeight > span.clientHeight + 1 || span.scrollWidth > span.clientWidth + 1).map((span) => span.textContent));
    expect(clipped).toEqual([]);
    await browser().screenshot(page, "hosts-many");
    const firstCell = page.locator("[data-testid=inventory-row] td").first();
    const before = await firstCell.boundingBox();
    await page.getByTestId("inventory-scroll").evaluate((el) => el.scrollBy({ left: 600 }));
    const after = await firstCell.boundingBox();
    expect(after?.x).toBe(before?.x);
    await page.getByTestId("inventory-scroll").screenshot({ path: path.join(SCREENSHOT_DIR, "hosts-many-scrolled.png") });
    await page.close();
  });

  it("never requests anything outside 127.0.0.1", () => {
    expect(browser().outboundRequests).toEqual([]);
  });
});
