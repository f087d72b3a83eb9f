import { promises as fsp } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  describeMount,
  findMountForPath,
  isNetworkFsType,
  parseMountInfo,
  readMountSummary,
  type MountEntry,
} from "../../lib/nfs/mount-info.ts";
import { useTempDirs } from "./temp-dir.ts";

const tempDir = useTempDirs();

const ext4Root = "25 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw,errors=remount-ro";
const synologyNfs3 =
  "112 25 0:53 / /mnt/models rw,relatime shared:72 - nfs nas:/volume1/models " +
  "rw,vers=3,rsize=131072,wsize=131072,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys," +
  "mountaddr=192.168.1.10,mountvers=3,mountport=892,mountproto=udp,local_lock=none,addr=192.168.1.10";
const softNfs41 =
  "113 25 0:54 / /mnt/ollama rw,noatime shared:73 master:4 - nfs4 nas.lan:/export/ollama " +
  "rw,vers=4.1,rsize=1048576,wsize=1048576,namlen=255,soft,proto=tcp,timeo=100,retrans=3,sec=sys," +
  "clientaddr=192.168.1.20,local_lock=none,addr=192.168.1.10";
const cifs =
  "114 25 0:55 / /mnt/smb\\040models rw,relatime shared:74 - cifs //nas/models\\040share " +
  "rw,vers=3.1.1,cache=strict,username=alice,uid=1000,noforceuid,gid=1000,noforcegid,addr=192.168.1.10," +
  "file_mode=0755,dir_mode=0755,soft,nounix,serverino,mapposix,rsize=4194304,wsize=4194304,bsize=1048576," +
  "echo_interval=60,actimeo=1,closetimeo=1";
const sampleMountInfo = [ext4Root, synologyNfs3, softNfs41, cifs].join("\n") + "\n";

function only(line: string): MountEntry {
  const [entry] = parseMountInfo(line);
  if (entry === undefined) throw new Error(`no entry parsed from ${line}`);
  return entry;
}

function nfsWith(superOptions: string, fsType = "nfs"): MountEntry {
  return only(`200 25 0:60 / /mnt/lib rw,relatime - ${fsType} nas:/lib ${superOptions}`);
}

describe("parseMountInfo", () => {
  it("reads an NFSv3 hard mount from a Synology with its source, type and server options", () => {
    expect(only(synologyNfs3)).toMatchObject({
      mountId: 112,
      parentId: 25,
      device: "0:53",
      root: "/",
      mountPoint: "/mnt/models",
      mountOptions: ["rw", "relatime"],
      optionalFields: ["shared:72"],
      fsType: "nfs",
      source: "nas:/volume1/models",
    });
    expect(only(synologyNfs3).superOptions).toContain("rsize=131072");
  });

  it("reads a line without optional fields", () => {
    expect(only(ext4Root)).toMatchObject({ mountPoint: "/", fsType: "ext4", source: "/dev/vda1", optionalFields: [] });
  });

  it("collects several optional fields up to the separator", () => {
    expect(only(softNfs41).optionalFields).toEqual(["shared:73", "master:4"]);
  });

  it("decodes octal escapes such as \\040 in mount points and sources", () => {
    expect(only(cifs)).toMatchObject({ mountPoint: "/mnt/smb models", source: "//nas/models share" });
  });

  it("skips lines that lack the separator instead of failing", () => {
    expect(parseMountInfo(`garbage line\n${ext4Root}\n`)).toHaveLength(1);
  });

  it("returns one entry per mount in a real-looking table", () => {
    expect(parseMountInfo(sampleMountInfo).map((m) => m.fsType)).toEqual(["ext4", "nfs", "nfs4", "cifs"]);
  });
});

describe("findMountForPath", () => {
  const mounts = parseMountInfo(sampleMountInfo);

  it("picks the longest mount point that contains the path", () => {
    expect(findMountForPath(mounts, "/mnt/models/llama/q4.gguf")?.fsType).toBe("nfs");
  });

  it("matches whole path segments only, so /mnt/models2 is not inside /mnt/models", () => {
    expect(findMountForPath(mounts, "/mnt/models2/q4.gguf")?.mountPoint).toBe("/");
  });

  it("matches the mount point itself, with or without a trailing slash", () => {
    expect(findMountForPath(mounts, "/mnt/ollama/")?.fsType).toBe("nfs4");
  });

  it("prefers the later of two mounts on the same mount point (the visible one)", () => {
    const stacked = parseMountInfo(`${sampleMountInfo}300 112 0:70 / /mnt/models rw - tmpfs tmpfs rw\n`);
    expect(findMountForPath(stacked, "/mnt/models/a.gguf")?.fsType).toBe("tmpfs");
  });

  it("refuses a relative path", () => {
    expect(() => findMountForPath(mounts, "mnt/models")).toThrow(/absolute path/);
  });
});

describe("isNetworkFsType", () => {
  it.each(["nfs", "nfs4", "cifs", "smb3", "fuse.sshfs", "9p", "ceph", "glusterfs", "fuse.rclone", "davfs", "lustre"])(
    "treats %s as a network filesystem",
    (fsType) => expect(isNetworkFsType(fsType)).toBe(true),
  );

  it.each(["ext4", "xfs", "btrfs", "zfs", "tmpfs", "overlay", "fuse.mergerfs"])("treats %s as local", (fsType) =>
    expect(isNetworkFsType(fsType)).toBe(false),
  );
});

describe("describeMount", () => {
  it("summarises a healthy NFSv3 hard mount without warnings", () => {
    const summary = describeMount(only(synologyNfs3));
    expect(summary).toMatchObject({
      mountPoint: "/mnt/models",
      source: "nas:/volume1/models",
      fsType: "nfs",
      isNetwork: true,
      nfsVersion: "3",
      options: { failureMode: "hard", rsize: 131072, wsize: 131072, timeo: 600, retrans: 2, proto: "tcp", serverAddress: "192.168.1.10" },
      warnings: [],
    });
  });

  it("warns that a soft mount can fail reads and corrupt data", () => {
    const summary = describeMount(only(softNfs41));
    expect(summary.nfsVersion).toBe("4.1");
    expect(summary.options.failureMode).toBe("soft");
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings[0]).toMatch(/'soft'.*corrupt.*Use 'hard'/s);
  });

  it("treats an NFS mount that does not say soft as hard (older kernels print only 'soft')", () => {
    expect(describeMount(nfsWith("rw,vers=3,proto=tcp")).options.failureMode).toBe("hard");
  });

  it("derives version 4 for nfs4 mounts without vers=", () => {
    expect(describeMount(nfsWith("rw,proto=tcp", "nfs4")).nfsVersion).toBe("4");
  });

  it("warns about a small read size", () => {
    expect(describeMount(nfsWith("rw,vers=3,hard,rsize=32768")).warnings.join("\n")).toMatch(/rsize=32768/);
  });

  it("warns that noac makes scans slow", () => {
    expect(describeMount(nfsWith("rw,vers=3,hard,noac")).warnings.join("\n")).toMatch(/'noac'/);
  });

  it("warns about a very short attribute cache", () => {
    expect(describeMount(nfsWith("rw,vers=3,hard,acregmin=0,acregmax=1")).warnings.join("\n")).toMatch(/acregmax=1/);
  });

  it("warns that lookupcache=none slows scans", () => {
    expect(describeMount(nfsWith("rw,vers=4.2,hard,lookupcache=none")).warnings.join("\n")).toMatch(/lookupcache=none/);
  });

  it("warns against NFS over UDP", () => {
    expect(describeMount(nfsWith("rw,vers=3,hard,proto=udp")).warnings.join("\n")).toMatch(/proto=tcp/);
  });

  it("does not apply NFS soft-mount or cache warnings to SMB, whose defaults are soft and actimeo=1", () => {
    const summary = describeMount(only(cifs));
    expect(summary).toMatchObject({ fsType: "cifs", isNetwork: true, nfsVersion: null, options: { vers: "3.1.1", failureMode: "soft" } });
    expect(summary.warnings).toEqual([]);
  });

  it("warns about SMB1", () => {
    const entry = only("201 25 0:61 / /mnt/old rw - cifs //old/share rw,vers=1.0,cache=strict");
    expect(describeMount(entry).warnings.join("\n")).toMatch(/SMB version 1/);
  });

  it("reports a local disk as not networked and without warnings", () => {
    expect(describeMount(only(ext4Root))).toMatchObject({ isNetwork: false, nfsVersion: null, warnings: [] });
  });
});

describe("readMountSummary", () => {
  it("finds the mount of a folder in the given mount table and adds free space", async () => {
    const dir = await fsp.realpath(await tempDir());
    const table = path.join(await tempDir(), "mountinfo");
    await fsp.writeFile(table, `${ext4Root}\n300 25 0:80 / ${dir} rw,relatime - nfs4 nas:/models rw,vers=4.2,hard,rsize=1048576\n`);
    const report = await readMountSummary(dir, { timeoutMs: 5000, mountInfoPath: table });
    expect(report).toMatchObject({ mountPoint: dir, fsType: "nfs4", nfsVersion: "4.2", isNetwork: true });
    expect(report.statfs?.totalBytes).toBeGreaterThan(0);
    expect(report.statfs?.availableBytes).toBeLessThanOrEqual(report.statfs?.totalBytes ?? 0);
  });

  it("resolves symlinks before matching, so a link into a share reports the share", async () => {
    const share = await fsp.realpath(await tempDir());
    const elsewhere = await tempDir();
    const link = path.join(elsewhere, "models");
    await fsp.symlink(share, link);
    const table = path.join(elsewhere, "mountinfo");
    await fsp.writeFile(table, `${ext4Root}\n300 25 0:80 / ${share} rw - nfs nas:/models rw,vers=3,hard\n`);
    expect((await readMountSummary(link, { timeoutMs: 5000, mountInfoPath: table })).fsType).toBe("nfs");
  });

  it("fails with not-found for a path that does not exist", async () => {
    const dir = await tempDir();
    await expect(readMountSummary(path.join(dir, "nope"), { timeoutMs: 5000 })).rejects.toMatchObject({ code: "not-found" });
  });
});
