// The session against a scripted in-memory server (fake-rpc-server.ts): the
// behaviours a real server only shows when something goes wrong — stale handles,
// JUKEBOX, lost READDIR cookies, pages that never end, short reads.
import { afterEach, describe, expect, it } from "vitest";
import { connectNfs, type NfsSession } from "../../../lib/nfs/client/nfs-session.ts";
import { parseNfsUrl } from "../../../lib/nfs/client/nfs-url.ts";
import { XdrReader } from "../../../lib/nfs/client/xdr.ts";
import { type FakeNfs, startFakeNfs } from "./fake-rpc-server.ts";
import { results, successReply } from "./reply-builders.ts";

const content = Uint8Array.from({ length: 100 }, (_, i) => i);
const fakes: FakeNfs[] = [];
const sessions: NfsSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await Promise.all(fakes.splice(0).map((f) => f.server.close()));
});

async function setup(sub = ""): Promise<{ fake: FakeNfs; session: NfsSession }> {
  const fake = await startFakeNfs({ "a.bin": content, "dir/f.txt": "hello", "dir/g.txt": "x", "dir/h.txt": "y", "dir/i.txt": "z", "dir/j.txt": "w" });
  fakes.push(fake);
  const session = await connectNfs(parseNfsUrl(fake.url(sub)));
  sessions.push(session);
  return { fake, session };
}

const mntCalls = (fake: FakeNfs): number => fake.server.calls.filter((c) => c.program === 100005 && c.procedure === 1).length;

describe("NfsSession (scripted server)", () => {
  it("mounts the export and reports where the root is", async () => {
    const { session } = await setup("dir");
    expect([session.host, session.exportPath, session.subPath]).toEqual(["127.0.0.1", "/export", "dir"]);
    expect(session.displayPath("f.txt")).toBe("nfs://127.0.0.1/export/dir/f.txt");
    expect(await session.stat("f.txt")).toMatchObject({ type: "file", size: 5 });
  });

  it("reads a file larger than rtmax as many pipelined READs, short only at the end", async () => {
    const { fake, session } = await setup();
    expect(session.readSize).toBe(8);
    const file = await session.openFile("a.bin");
    expect([...(await file.read(0, 100))]).toEqual([...content]);
    expect([...(await file.read(95, 10))]).toEqual([95, 96, 97, 98, 99]);
    expect(await file.read(100, 10)).toHaveLength(0);
    expect(file.bytesRead).toBe(105);
    expect(fake.server.calls.filter((c) => c.procedure === 6 && c.program === 100003).length).toBeGreaterThanOrEqual(13);
  });

  it("asks again for the rest after a short READ that is not at the end of file", async () => {
    const { fake, session } = await setup();
    fake.override = (call) => {
      if (call.procedure !== 6) return undefined;
      const args = new XdrReader(call.argBytes);
      args.opaque(64);
      const offset = Number(args.uint64());
      const count = args.uint32();
      const data = content.subarray(offset, offset + Math.min(3, count));
      return successReply(call.xid, results.read(data, offset + data.length >= content.length));
    };
    const file = await session.openFile("a.bin");
    expect([...(await file.read(10, 20))]).toEqual([...content.subarray(10, 30)]);
  });

  it("fails a READ that returns no data and no end of file instead of looping", async () => {
    const { fake, session } = await setup();
    const file = await session.openFile("a.bin");
    fake.override = (call) => (call.procedure === 6 ? successReply(call.xid, results.read(new Uint8Array(0), false)) : undefined);
    await expect(file.read(0, 10)).rejects.toMatchObject({ code: "io", message: expect.stringMatching(/no data and no end of file/) as string });
  });

  it("lists a folder across READDIRPLUS pages, each name once", async () => {
    const { fake, session } = await setup();
    const names = (await session.readdir("dir")).map((e) => e.name);
    expect(names.sort()).toEqual(["f.txt", "g.txt", "h.txt", "i.txt", "j.txt"]);
    expect(fake.server.calls.filter((c) => c.procedure === 17).length).toBe(3);
  });

  it("refuses a folder with more entries than the limit", async () => {
    const { session } = await setup();
    await expect(session.readdir("dir", { maxEntries: 3 })).rejects.toMatchObject({
      code: "invalid-input",
      message: "nfs://127.0.0.1/export/dir holds more than 3 entries, more than a library folder should",
    });
  });

  it("fails a READDIRPLUS page that neither advances nor ends, instead of asking forever", async () => {
    const { fake, session } = await setup();
    fake.override = (call) => (call.procedure === 17 ? successReply(call.xid, results.readdirplus([], false)) : undefined);
    await expect(session.readdir("dir")).rejects.toMatchObject({ code: "io", message: expect.stringMatching(/does not advance/) as string });
  });

  it("starts a listing over once when the server drops its cookie (BAD_COOKIE)", async () => {
    const { fake, session } = await setup();
    let refused = false;
    fake.override = (call) => {
      if (call.procedure !== 17 || refused) return undefined;
      const args = new XdrReader(call.argBytes);
      args.opaque(64);
      if (args.uint64() === 0n) return undefined;
      refused = true;
      return successReply(call.xid, results.status(10003));
    };
    const names = (await session.readdir("dir")).map((e) => e.name).sort();
    expect(names).toEqual(["f.txt", "g.txt", "h.txt", "i.txt", "j.txt"]);
    expect(refused).toBe(true);
  });

  it("returns null for a missing path and for a path below a file", async () => {
    const { session } = await setup();
    expect(await session.stat("nope")).toBeNull();
    expect(await session.stat("dir/nope/deeper")).toBeNull();
    expect(await session.stat("a.bin/x")).toBeNull();
  });

  it("looks a path up again once after a stale handle, mounting the export again", async () => {
    const { fake, session } = await setup();
    await session.readdir("dir"); // caches the folder's handle
    expect(mntCalls(fake)).toBe(1);
    fake.generation++; // every handle handed out so far is now stale
    expect(await session.stat("dir/f.txt")).toMatchObject({ type: "file", size: 5 });
    expect(mntCalls(fake)).toBe(2);
  });

  it("fails with a retryable NFS3ERR_STALE when the handle is stale again after the one re-lookup", async () => {
    const { fake, session } = await setup();
    fake.override = (call) => (call.procedure === 3 ? successReply(call.xid, results.status(70)) : undefined);
    await expect(session.stat("dir")).rejects.toMatchObject({ code: "unavailable", retryable: true, nfsStatus: "NFS3ERR_STALE" });
    expect(mntCalls(fake)).toBe(2);
  });

  it("keeps reading an open file whose handle went stale while the path still names the same file", async () => {
    const { fake, session } = await setup();
    const file = await session.openFile("a.bin");
    await file.read(0, 10);
    fake.generation++;
    expect([...(await file.read(50, 20))]).toEqual([...content.subarray(50, 70)]);
  });

  it("fails reading an open file that was replaced on the NAS", async () => {
    const { fake, session } = await setup();
    const file = await session.openFile("a.bin");
    fake.generation++;
    (fake.tree.get("a.bin") as { fileid: bigint }).fileid = 999n;
    await expect(file.read(0, 10)).rejects.toMatchObject({
      code: "conflict",
      retryable: true,
      message: "nfs://127.0.0.1/export/a.bin was replaced or changed on the NAS while it was open; read it again",
    });
  });

  it("reports JUKEBOX as retryable: the NAS is fetching the file from offline storage", async () => {
    const { fake, session } = await setup();
    const file = await session.openFile("a.bin");
    fake.override = (call) => (call.procedure === 6 ? successReply(call.xid, results.status(10008)) : undefined);
    await expect(file.read(0, 10)).rejects.toMatchObject({ code: "unavailable", retryable: true, nfsStatus: "NFS3ERR_JUKEBOX" });
  });

  it("refuses to open a folder as a file", async () => {
    const { session } = await setup();
    await expect(session.openFile("dir")).rejects.toMatchObject({
      code: "invalid-input",
      message: "nfs://127.0.0.1/export/dir is a folder, not a file that can be read",
    });
  });

  it("refuses paths that climb out of the root", async () => {
    const { session } = await setup();
    await expect(session.stat("../etc/passwd")).rejects.toMatchObject({ code: "invalid-input" });
  });

  it("names the exports when none this client may mount holds the URL's path", async () => {
    const fake = await startFakeNfs({ "a.bin": content });
    fakes.push(fake);
    const url = parseNfsUrl(`nfs://127.0.0.1/elsewhere/models?nfsport=${fake.server.port}&mountport=${fake.server.port}`);
    await expect(connectNfs(url)).rejects.toMatchObject({
      code: "forbidden",
      nfsStatus: "MNT3ERR_ACCES",
      message:
        "127.0.0.1 does not let this machine mount /elsewhere/models: no export it offers this client holds that path (it lists: /export); " +
        "check the path and the export's allowed clients (MNT3ERR_ACCES)",
    });
  });

  it("refuses a URL that names a file as a library root", async () => {
    const fake = await startFakeNfs({ "a.bin": content });
    fakes.push(fake);
    await expect(connectNfs(parseNfsUrl(fake.url("a.bin")))).rejects.toMatchObject({
      code: "invalid-input",
      message: "nfs://127.0.0.1/export/a.bin is not a folder; an nfs:// library root must name a folder",
    });
  });

  it("unmounts on close, after which calls fail", async () => {
    const { fake, session } = await setup();
    await session.close();
    expect(fake.server.calls.some((c) => c.program === 100005 && c.procedure === 3)).toBe(true);
    await expect(session.stat("a.bin")).rejects.toMatchObject({ code: "unavailable" });
  });

  it("reports FSSTAT and FSINFO figures", async () => {
    const { session } = await setup();
    expect(await session.fsstat()).toEqual({ totalBytes: 1000, freeBytes: 500, availableBytes: 400, totalFiles: 100, freeFiles: 50 });
    expect(await session.fsinfo()).toMatchObject({ rtmax: 8, rtpref: 8, dtpref: 16384 });
    expect(await session.access("a.bin")).toMatchObject({ read: true, lookup: true, execute: true });
  });
});
