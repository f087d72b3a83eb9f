// Finding things on a real NFS server: exports (MOUNT EXPORT vs showmount -e),
// the portmapper (DUMP, GETPORT), the export that holds a path, capacity (FSSTAT
// vs df) and transfer sizes (FSINFO).
import { execFile } from "node:child_process";
import { existsSync, promises as fsp } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { listExports } from "../../../lib/nfs/client/list-exports.ts";
import { connectNfs } from "../../../lib/nfs/client/nfs-session.ts";
import { parseNfsUrl } from "../../../lib/nfs/client/nfs-url.ts";
import { dumpPortmap } from "../../../lib/nfs/client/portmap.ts";
import { realNfsSkip, useGanesha } from "./ganesha-fixture.ts";

const run = promisify(execFile);
const skip = realNfsSkip();
const showmount = ["/usr/sbin/showmount", "/sbin/showmount", "/usr/bin/showmount"].find((p) => existsSync(p));

const ganesha = useGanesha(
  async (dir) => {
    await fsp.mkdir(path.join(dir, "nested", "models"), { recursive: true });
    await fsp.writeFile(path.join(dir, "nested", "models", "m.gguf"), "GGUF");
    await fsp.mkdir(path.join(dir, "sub"));
    // Outside the main export, so it cannot be reached through it.
    await fsp.mkdir(`${dir}-private`);
  },
  {
    skip: skip !== null,
    extraExports: (dir) => [
      { dir: path.join(dir, "nested"), clients: ["127.0.0.1", "10.0.0.0/8"] },
      { dir: `${dir}-private`, clients: ["10.9.9.9"] },
    ],
  },
);

describe.skipIf(skip !== null)("discovery against ganesha", () => {
  const exportPath = (): string => ganesha.server.exportPath;
  afterAll(async () => {
    if (ganesha.dir) await fsp.rm(`${ganesha.dir}-private`, { recursive: true, force: true });
  });

  it("lists the exports this client may mount, with their allowed clients (MOUNT EXPORT)", async () => {
    const exports = await listExports("127.0.0.1", { mountPort: ganesha.server.mountPort, timeoutMs: 5000 });
    // ganesha leaves out exports this client may not mount (the 10.9.9.9-only one).
    expect(exports).toEqual([
      { path: exportPath(), groups: [] },
      { path: `${exportPath()}/nested`, groups: ["127.0.0.1/32", "10.0.0.0/8"] },
    ]);
  });

  it.skipIf(showmount === undefined)("lists the same exports as showmount -e (through the portmapper)", async () => {
    await ganesha.server.withPortmap(async () => {
      const ours = await listExports("127.0.0.1", { timeoutMs: 5000 });
      const { stdout } = await run(showmount as string, ["-e", "127.0.0.1"]);
      const theirs = stdout
        .split("\n")
        .slice(1)
        .filter((line) => line.trim() !== "")
        .map((line) => {
          const [dir = "", clients = ""] = line.trim().split(/\s+/);
          return { path: dir, groups: clients === "(everyone)" ? [] : clients.split(",") };
        });
      expect(ours).toEqual(theirs);
    });
  });

  it("finds NFS v3 and MOUNT v3 over TCP on the server's ports in the portmapper (DUMP)", async () => {
    await ganesha.server.withPortmap(async () => {
      const entries = await dumpPortmap("127.0.0.1", { timeoutMs: 5000 });
      expect(entries).toContainEqual({ program: 100000, version: 2, protocol: "tcp", port: 111, name: "portmapper" });
      expect(entries).toContainEqual({ program: 100003, version: 3, protocol: "tcp", port: ganesha.server.nfsPort, name: "nfs" });
      expect(entries).toContainEqual({ program: 100005, version: 3, protocol: "tcp", port: ganesha.server.mountPort, name: "mountd" });
    });
  });

  it("asks the portmapper for the ports when the URL gives none", async () => {
    await ganesha.server.withPortmap(async () => {
      const session = await connectNfs(parseNfsUrl(`nfs://127.0.0.1${exportPath()}?timeout=5000`));
      try {
        expect((await session.readdir("")).map((e) => e.name).sort()).toEqual(["nested", "sub"]);
      } finally {
        await session.close();
      }
    });
  });

  it("mounts the longest export that holds the path", async () => {
    const session = await connectNfs(parseNfsUrl(ganesha.server.url("nested/models")));
    try {
      expect([session.exportPath, session.subPath]).toEqual([`${exportPath()}/nested`, "models"]);
      expect(await session.stat("m.gguf")).toMatchObject({ type: "file", size: 4 });
    } finally {
      await session.close();
    }
  });

  it("explains an export that does not allow this client", async () => {
    const url = parseNfsUrl(`nfs://127.0.0.1${exportPath()}-private/models?nfsport=${ganesha.server.nfsPort}&mountport=${ganesha.server.mountPort}`);
    await expect(connectNfs(url)).rejects.toMatchObject({
      code: "forbidden",
      nfsStatus: "MNT3ERR_ACCES",
      message:
        `127.0.0.1 does not let this machine mount ${exportPath()}-private/models: no export it offers this client holds that path ` +
        `(it lists: ${exportPath()}, ${exportPath()}/nested); check the path and the export's allowed clients (MNT3ERR_ACCES)`,
    });
  });

  it("reports a wrong NFS port as a refused connection with the port in the message", async () => {
    const url = parseNfsUrl(`nfs://127.0.0.1${exportPath()}?nfsport=1&mountport=${ganesha.server.mountPort}&timeout=3000`);
    await expect(connectNfs(url)).rejects.toMatchObject({ code: "unavailable", message: expect.stringMatching(/127\.0\.0\.1:1 refused the connection/) as string });
  });

  it("reports capacity (FSSTAT) matching df of the exported filesystem within a block", async () => {
    const session = await connectNfs(parseNfsUrl(ganesha.server.url()));
    try {
      const df = async (): Promise<{ size: number; avail: number }> => {
        const { stdout } = await run("df", ["-B1", "--output=size,avail", ganesha.dir]);
        const [size = 0, avail = 0] = (stdout.trim().split("\n")[1] ?? "").trim().split(/\s+/).map(Number);
        return { size, avail };
      };
      const block = Number((await fsp.statfs(ganesha.dir)).bsize);
      const before = await df();
      const ours = await session.fsstat();
      const after = await df();
      expect(Math.abs(ours.totalBytes - before.size)).toBeLessThanOrEqual(block);
      // Other processes write to the same disk: allow what changed between the two df runs.
      expect(ours.availableBytes).toBeGreaterThanOrEqual(Math.min(before.avail, after.avail) - block);
      expect(ours.availableBytes).toBeLessThanOrEqual(Math.max(before.avail, after.avail) + block);
      expect(ours.freeBytes).toBeGreaterThanOrEqual(ours.availableBytes);
      expect(ours.totalFiles).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
  });

  it("reports transfer sizes (FSINFO) and reads at most 1 MiB per call", async () => {
    const session = await connectNfs(parseNfsUrl(ganesha.server.url()));
    try {
      const info = await session.fsinfo();
      expect(info.rtmax).toBeGreaterThanOrEqual(info.rtpref);
      expect(info.rtpref).toBeGreaterThan(0);
      expect(info.maxFileSize).toBeGreaterThan(2 ** 40);
      expect(session.readSize).toBe(Math.min(info.rtmax, 1024 * 1024));
    } finally {
      await session.close();
    }
  });
});
