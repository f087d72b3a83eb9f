// The NAS check and nfs:// libraries end to end: the web app and the real
// indexer worker against a real user-space NFS server (ganesha on loopback),
// driven through the browser.
import { mkdir, statfs, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatBytes } from "../../lib/catalog/format.ts";
import { buildDemoFiles } from "../../lib/demo/ensure-demo-library.ts";
import { useBrowserApp } from "../helpers/browser-app.ts";
import { skipBrowserTests } from "../helpers/browser.ts";
import { startFullApp } from "../helpers/full-app.ts";
import { nfsSkipReason, startGanesha, type GaneshaServer } from "../helpers/ganesha.ts";

const nfsSkip = nfsSkipReason();
if (nfsSkip) console.warn(nfsSkip);

describe.skipIf(skipBrowserTests || nfsSkip !== null)("end to end: NAS check and nfs:// library against ganesha", () => {
  let server: GaneshaServer | undefined;
  let exportDir = "";
  const ganesha = () => {
    if (!server) throw new Error("ganesha is not running");
    return server;
  };

  const { app, browser, open } = useBrowserApp(() =>
    startFullApp({
      workers: ["indexer"],
      env: { MODELSHELF_DEMO: "off", MODELSHELF_STABLE_MS: "200", MODELSHELF_FS_TIMEOUT_MS: "5000" },
      // The export lives in the app's own temp dir, removed with it.
      prepare: async (_db, dir) => {
        exportDir = path.join(dir, "nas-export");
        for (const file of buildDemoFiles()) {
          if (!file.relPath.startsWith("gguf/")) continue;
          const target = path.join(exportDir, file.relPath.slice("gguf/".length));
          await mkdir(path.dirname(target), { recursive: true });
          await writeFile(target, file.bytes);
        }
        server = await startGanesha({ exportDir });
      },
    }).then((full) => ({
      ...full,
      async stop() {
        await server?.stop();
        await full.stop();
      },
    })),
  );

  it("checks the NAS from the page: the worker asks ganesha, the page shows its export and FSSTAT figures", async () => {
    const nfs = ganesha();
    const page = await open("/nas");
    // This instance must be the one registered with rpcbind while its portmapper is asked.
    await nfs.withPortmap(async () => {
      await page.getByLabel("NAS host").fill(nfs.host);
      await page.getByLabel("Export", { exact: true }).fill(nfs.exportPath);
      await page.getByLabel("NFS port").fill(String(nfs.nfsPort));
      await page.getByLabel("MOUNT port").fill(String(nfs.mountPort));
      await page.getByLabel("Read sample (MiB)").fill("1");
      await page.getByLabel("NAS host").press("Enter");
      const current = page.getByTestId("current-check");
      await expect.poll(() => current.getAttribute("data-state"), { timeout: 30_000 }).toBe("succeeded");
    });
    const current = page.getByTestId("current-check");
    expect(await current.textContent()).toContain("every step passed");
    expect(await current.getByTestId("probe-reachable").textContent()).toContain("127.0.0.1 answered");
    expect(await current.getByTestId("probe-versions").textContent()).toMatch(/NFS.*v3.*MOUNT.*v3/);
    const exports = await current.getByTestId("probe-export").allTextContents();
    expect(exports.some((text) => text.includes(nfs.exportPath) && text.includes("checked"))).toBe(true);
    // FSSTAT of the export is the statfs of the folder ganesha exports (VFS backend).
    const fs = await statfs(exportDir);
    const fsstat = (await current.getByTestId("probe-fsstat").textContent()) ?? "";
    expect(fsstat).toContain(formatBytes(fs.blocks * fs.bsize));
    expect(await current.getByRole("meter", { name: "Export space used" }).getAttribute("aria-valuenow")).toMatch(/^\d+$/);
    expect(await current.getByTestId("probe-fsinfo").textContent()).toMatch(/Read size\s*[\d.]+ (KiB|MiB) preferred/);
    expect(await current.getByTestId("probe-throughput").textContent()).toContain("MB/s");
    await browser().screenshot(page, "nas-e2e-check");
    await page.close();
  });

  it("adds an nfs:// library on the Libraries page; the worker scans it over NFS and its models appear in the catalogue", async () => {
    const url = ganesha().url();
    const page = await open("/libraries");
    await page.getByLabel("Library path").fill(url);
    await page.getByLabel("Library label").fill("ganesha");
    await page.getByRole("button", { name: "Add library" }).click();
    await expect.poll(() => app().db.library.findUnique({ where: { path: url } }), { timeout: 10_000 }).toBeTruthy();
    await app().reloadUntil(page, `${app().baseUrl}/`, async () => (await page.getByTestId("model-name").allTextContents()).includes("TinyQwen Instruct"), 60_000);
    const names = new Set(await page.getByTestId("model-name").allTextContents());
    expect([...names].sort()).toEqual(["TinyGemma 2", "TinyLlama Base", "TinyLlama Chat", "TinyQwen Instruct"]);
    expect(await page.getByTestId("model-table").textContent()).toContain("ganesha");

    await page.goto(`${app().baseUrl}/libraries`);
    const library = await app().db.library.findUniqueOrThrow({ where: { path: url } });
    const card = page.locator(`[data-testid=library-card][data-library-id="${library.id}"]`);
    expect(await card.getByTestId("last-scan").textContent()).toContain("ok");
    const access = (await card.getByTestId("mount-details").textContent()) ?? "";
    expect(access).toContain("built-in NFSv3 client");
    expect(access).toContain(ganesha().exportPath);
    expect(await card.getByTestId("usage-bar").textContent()).toContain("available");
    await browser().screenshot(page, "nas-e2e-libraries");
    expect(browser().outboundRequests).toEqual([]);
    await page.close();
  });
});
