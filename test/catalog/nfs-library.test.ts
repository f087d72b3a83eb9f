// nfs:// library roots end to end against a real user-space NFS server
// (ganesha on loopback): the same catalogue as a local scan of the same
// folder, hashing over NFS, a server that dies mid-scan, the NAS check, and
// the CLI.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanLibrary } from "../../lib/catalog/scan-library.ts";
import { buildDemoFiles } from "../../lib/demo/ensure-demo-library.ts";
import { verifyFile } from "../../lib/hashing/verify-file.ts";
import { probeNas } from "../../lib/nfs/probe-nas.ts";
import { hashingSettingsSchema, writeHashingSettings } from "../../lib/settings/hashing-settings.ts";
import { nfsSkipReason, startGanesha, type GaneshaServer } from "../helpers/ganesha.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

const skip = nfsSkipReason();
const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, "..", "..", "bin", "modelshelf.js");

describe.skipIf(skip !== null)("nfs:// library roots against ganesha", () => {
  let temp: TempDb;
  let exportDir: string;
  let server: GaneshaServer;

  beforeAll(async () => {
    temp = await createTempDb("modelshelf-nfs-lib-");
    exportDir = path.join(temp.dir, "export");
    for (const file of buildDemoFiles()) {
      if (!file.relPath.startsWith("gguf/")) continue;
      const target = path.join(exportDir, file.relPath.slice("gguf/".length));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, file.bytes);
    }
    await writeHashingSettings(temp.db, hashingSettingsSchema.parse({ verifyNewFiles: false }));
    server = await startGanesha({ exportDir });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await temp?.cleanup();
  });

  const settings = { stableMs: 0, fsTimeoutMs: 3_000 };
  const scan = (libraryId: number) => scanLibrary(temp.db, { libraryId, trigger: "manual", acceptMissing: false }, { settings });

  it("gives the same catalogue as a scan of the same folder as a local path", async () => {
    const local = await temp.db.library.create({ data: { path: exportDir, source: "env" } });
    const remote = await temp.db.library.create({ data: { path: server.url(), source: "env" } });
    const localScan = await scan(local.id);
    const remoteScan = await scan(remote.id);
    expect(remoteScan).toMatchObject({ status: "ok", kind: "gguf-dir", added: localScan.added, errors: 0 });
    const files = async (libraryId: number) =>
      (await temp.db.libraryFile.findMany({ where: { libraryId }, orderBy: { relPath: "asc" } })).map((f) => [
        f.relPath,
        f.sizeBytes,
        f.headerFingerprint,
        f.modelId,
        f.state,
      ]);
    // Same bytes, same fingerprints: every remote file joins the model of its local twin.
    expect(await files(remote.id)).toEqual(await files(local.id));
    expect(await temp.db.model.count()).toBe(5);
    const library = await temp.db.library.findUniqueOrThrow({ where: { id: remote.id } });
    const mount = JSON.parse(library.mountJson!) as { fsType: string; statfs: { totalBytes: number } };
    expect(mount.fsType).toBe("nfs3 (built-in client)");
    expect(mount.statfs.totalBytes).toBeGreaterThan(0);
    // The SHA256SUMS in the export became expected hashes of the remote files too.
    expect(await temp.db.checksumFile.count({ where: { libraryId: remote.id } })).toBe(2);
  });

  it("re-scans an unchanged nfs:// root with attribute reads only", async () => {
    const remote = await temp.db.library.findFirstOrThrow({ where: { path: server.url() } });
    const again = await scan(remote.id);
    expect(again).toMatchObject({ status: "ok", added: 0, changed: 0, bytesRead: 0 });
  });

  it("hashes a file over NFS to the same SHA-256 as the bytes on disk", async () => {
    const remote = await temp.db.library.findFirstOrThrow({ where: { path: server.url() } });
    const file = await temp.db.libraryFile.findFirstOrThrow({ where: { libraryId: remote.id, relPath: "llama/TinyLlama-Chat-F16.gguf" } });
    const outcome = await verifyFile(temp.db, file.id, { trigger: "manual", readTimeoutMs: 3_000 });
    const expected = createHash("sha256").update(await readFile(path.join(exportDir, "llama/TinyLlama-Chat-F16.gguf"))).digest("hex");
    expect(outcome).toMatchObject({ status: "verified", sha256: expected, expectedSource: "sha256sums:llama/SHA256SUMS" });
  });

  it("flags the library unavailable when the server dies mid-scan, marks nothing missing, and completes after a restart", async () => {
    const remote = await temp.db.library.findFirstOrThrow({ where: { path: server.url() } });
    await writeFile(path.join(exportDir, "new-model.gguf"), buildDemoFiles().find((f) => f.relPath.endsWith("Q8_0.gguf") && f.relPath.startsWith("gguf/"))!.bytes);
    let killed = false;
    const summary = await scanLibrary(
      temp.db,
      { libraryId: remote.id, trigger: "manual", acceptMissing: false },
      {
        settings,
        onProgress: () => {
          if (!killed) {
            killed = true;
            server.signal("SIGKILL");
          }
        },
      },
    );
    expect(killed).toBe(true);
    expect(summary.status).toBe("unavailable");
    expect(await temp.db.library.findUniqueOrThrow({ where: { id: remote.id } })).toMatchObject({ status: "unavailable", statusCode: "hung" });
    expect(await temp.db.libraryFile.count({ where: { libraryId: remote.id, missingSince: { not: null } } })).toBe(0);

    await server.restart();
    const after = await scan(remote.id);
    expect(after).toMatchObject({ status: "ok", added: 1, missing: 0 });
    expect(await temp.db.library.findUniqueOrThrow({ where: { id: remote.id } })).toMatchObject({ status: "ok", statusCode: null });
  }, 60_000);

  it("checks the NAS: versions, exports, capacity, transfer sizes and a throughput sample", async () => {
    const result = await server.withPortmap(() =>
      probeNas("127.0.0.1", { exportPath: server.exportPath, uid: 0, gid: 0, timeoutMs: 3_000, sampleBytes: 1024 * 1024 }),
    );
    expect(result.reachable).toBe(true);
    expect(result.nfsVersions).toContain(3);
    expect(result.mountVersions).toContain(3);
    expect(result.exports.map((e) => e.path)).toContain(server.exportPath);
    expect(result.export?.fsstat?.totalBytes).toBeGreaterThan(0);
    expect(result.export?.fsinfo?.rtmax).toBeGreaterThan(0);
    expect(result.export?.throughput?.bytes).toBeGreaterThan(0);
    expect(result.steps.every((step) => step.ok)).toBe(true);
  });

  it("explains an unknown host in admin terms", async () => {
    const result = await probeNas("no-such-nas.invalid", { uid: 0, gid: 0, timeoutMs: 2_000, sampleBytes: 0 });
    expect(result.reachable).toBe(false);
    expect(result.steps[0]).toMatchObject({ step: "portmapper", ok: false });
    expect(result.steps[0]?.explanation).toMatch(/resolve/i);
  });

  it("explains an export that does not exist", async () => {
    const result = await server.withPortmap(() =>
      probeNas("127.0.0.1", { exportPath: "/volume9/nope", uid: 0, gid: 0, timeoutMs: 3_000, sampleBytes: 0 }),
    );
    const mount = result.steps.find((step) => step.step === "mount");
    expect(mount).toMatchObject({ ok: false });
    expect(mount?.explanation).toMatch(/no export|does not allow/i);
  });

  it("scans an nfs:// root and probes the NAS from the CLI", async () => {
    const db = path.join(temp.dir, "cli.db");
    const env = { ...process.env, MODELSHELF_DATA_DIR: temp.dir, MODELSHELF_LOG_LEVEL: "error" };
    const scanned = await run(process.execPath, [bin, "scan", "--library", server.url(), "--db", db, "--stable-ms", "0", "--json"], { env });
    const out = JSON.parse(scanned.stdout) as { status: string; models: { name: string; files: string[] }[] };
    expect(out.status).toBe("ok");
    expect(out.models.length).toBeGreaterThanOrEqual(4);
    expect(out.models[0]!.files[0]).toMatch(/^nfs:\/\/127\.0\.0\.1\//);
    const probed = await server.withPortmap(() => run(process.execPath, [bin, "nas", "probe", "127.0.0.1", "--export", server.exportPath, "--sample-mb", "1", "--json"], { env }));
    expect(JSON.parse(probed.stdout)).toMatchObject({ reachable: true });
  }, 60_000);
});
