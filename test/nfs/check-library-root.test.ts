import { promises as fsp } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkLibraryRoot, decideRootStatus, type RootProbe } from "../../lib/nfs/check-library-root.ts";
import { describeMount, parseMountInfo, type MountReport } from "../../lib/nfs/mount-info.ts";
import { useTempDirs, writeFileAt } from "./temp-dir.ts";

const tempDir = useTempDirs();
const root = "/mnt/models";

function mountOf(fsType: string): MountReport {
  const [entry] = parseMountInfo(`112 25 0:53 / /mnt/models rw - ${fsType} nas:/volume1/models rw,hard`);
  if (entry === undefined) throw new Error("fixture did not parse");
  return { ...describeMount(entry), statfs: null };
}

const onDisk = (fsType: string): RootProbe => ({ found: true, isDirectory: true, mount: mountOf(fsType) });

describe("decideRootStatus", () => {
  it.each([
    ["ENOENT", "missing", /does not exist/],
    ["ENOTDIR", "missing", /part of its path is a file/],
    ["EACCES", "permission-denied", /permission denied/],
    ["timeout", "hung", /did not answer within 15s \(hung network mount\?\)/],
    ["ESTALE", "stale", /remount/],
    ["EIO", "io", /could not be read \(EIO\)/],
  ])("reports a probe failing with %s as %s", (failure, reason, message) => {
    const status = decideRootStatus(root, { found: false, failure }, undefined, 15_000);
    expect(status).toMatchObject({ ok: false, reason });
    expect(status.ok ? "" : status.message).toMatch(message);
  });

  it("reports a file in place of the root as not-a-directory", () => {
    expect(decideRootStatus(root, { found: true, isDirectory: false })).toMatchObject({ ok: false, reason: "not-a-directory" });
  });

  it("reports a root that moved from nfs to ext4 as unmounted (the empty mount point remains)", () => {
    const status = decideRootStatus(root, onDisk("ext4"), "nfs");
    expect(status).toMatchObject({ ok: false, reason: "unmounted", retryable: true });
    expect(status.ok ? "" : status.message).toMatch(/was on a nfs network share but is now on ext4.*Remount/s);
  });

  it("accepts a root still on a network filesystem even if the NFS version changed", () => {
    expect(decideRootStatus(root, onDisk("nfs4"), "nfs")).toMatchObject({ ok: true, mount: { fsType: "nfs4" } });
  });

  it("accepts a local root without a previous filesystem type", () => {
    expect(decideRootStatus(root, onDisk("ext4"))).toMatchObject({ ok: true, mount: { fsType: "ext4" } });
  });

  it("accepts a root that was local before and is local now", () => {
    expect(decideRootStatus(root, onDisk("xfs"), "ext4")).toMatchObject({ ok: true });
  });
});

describe("checkLibraryRoot", () => {
  async function mountTableWith(dir: string, fsType: string): Promise<string> {
    const real = await fsp.realpath(dir);
    const table = path.join(await tempDir(), "mountinfo");
    await fsp.writeFile(table, `25 1 254:1 / / rw - ext4 /dev/vda1 rw\n300 25 0:80 / ${real} rw - ${fsType} nas:/models rw,vers=4.2,hard\n`);
    return table;
  }

  it("reports a missing root", async () => {
    const status = await checkLibraryRoot(path.join(await tempDir(), "gone"), { timeoutMs: 5000 });
    expect(status).toMatchObject({ ok: false, reason: "missing" });
  });

  it("reports a file in place of the root", async () => {
    const file = await writeFileAt(await tempDir(), "models");
    expect(await checkLibraryRoot(file, { timeoutMs: 5000 })).toMatchObject({ ok: false, reason: "not-a-directory" });
  });

  it("returns the mount summary of a healthy root", async () => {
    const dir = await tempDir();
    const status = await checkLibraryRoot(dir, { timeoutMs: 5000, previousFsType: "nfs4", mountInfoPath: await mountTableWith(dir, "nfs4") });
    expect(status).toMatchObject({ ok: true, mount: { fsType: "nfs4", isNetwork: true, nfsVersion: "4.2" } });
  });

  it("reports unmounted when a root last seen on nfs4 now sits on the local disk", async () => {
    const dir = await tempDir();
    const table = path.join(await tempDir(), "mountinfo");
    await fsp.writeFile(table, "25 1 254:1 / / rw - ext4 /dev/vda1 rw\n");
    const status = await checkLibraryRoot(dir, { timeoutMs: 5000, previousFsType: "nfs4", mountInfoPath: table });
    expect(status).toMatchObject({ ok: false, reason: "unmounted", mount: { fsType: "ext4", mountPoint: "/" } });
  });
});
