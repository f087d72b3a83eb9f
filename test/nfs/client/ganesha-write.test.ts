// Writing through our client to a real NFS server (nfs-ganesha on loopback):
// what lands on disk must be exactly what was written, and every failure must
// come back as the NFS status an admin can act on.
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNfsError } from "../../../lib/nfs/client/nfs3-errors.ts";
import { connectNfs, type NfsSession } from "../../../lib/nfs/client/nfs-session.ts";
import { parseNfsUrl } from "../../../lib/nfs/client/nfs-url.ts";
import { realNfsSkip, seededBytes, useGanesha } from "./ganesha-fixture.ts";

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const skip = realNfsSkip();

const ganesha = useGanesha(
  async (dir) => {
    await fsp.writeFile(path.join(dir, "existing.txt"), "old content that is longer than the new one\n");
    await fsp.mkdir(path.join(dir, "readonly-export"));
    await fsp.writeFile(path.join(dir, "readonly-export", "keep.txt"), "keep");
  },
  {
    skip: skip !== null,
    // Read-only for 127.0.0.1, which is us: writes there must fail with the server's refusal.
    extraExports: (dir) => [{ dir: path.join(dir, "readonly-export"), clients: ["127.0.0.1"] }],
  },
);

/** Expects `promise` to reject with the NFS status `status`. */
async function expectNfsStatus(promise: Promise<unknown>, status: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(isNfsError(error) ? error.nfsStatus : error).toBe(status);
}

describe.skipIf(skip !== null)("writing to ganesha", () => {
  let session: NfsSession;
  const disk = (rel: string): string => path.join(ganesha.dir, rel);
  beforeAll(async () => {
    session = await connectNfs(parseNfsUrl(ganesha.server.url()));
  });
  afterAll(async () => {
    await session?.close();
  });

  it("writes a multi-MiB file streamed in odd-sized chunks byte for byte, with the server's wtmax per call", async () => {
    const data = seededBytes(5 * MiB + 12_345, 7);
    const file = await session.createFile("streamed.bin", { guarded: true });
    const chunk = 700 * 1024 + 3;
    for (let at = 0; at < data.length; at += chunk) await file.write(data.subarray(at, at + chunk), at);
    await file.commit();
    expect(session.writeSize).toBe(MiB);
    expect(file.bytesWritten).toBe(data.length);
    expect(sha256(await fsp.readFile(disk("streamed.bin")))).toBe(sha256(data));
    expect((await fsp.stat(disk("streamed.bin"))).mode & 0o777).toBe(0o644);
  });

  it("creates an empty file that needs no WRITE", async () => {
    const file = await session.createFile("empty.bin");
    await file.commit();
    expect((await fsp.stat(disk("empty.bin"))).size).toBe(0);
  });

  it("refuses a guarded create of an existing name and truncates on an unchecked one", async () => {
    await expectNfsStatus(session.createFile("existing.txt", { guarded: true }), "NFS3ERR_EXIST");
    const file = await session.createFile("existing.txt");
    await file.write(Buffer.from("new\n"), 0);
    await file.commit();
    expect(await fsp.readFile(disk("existing.txt"), "utf8")).toBe("new\n");
  });

  it("renames a file over an existing one atomically, across folders", async () => {
    await session.mkdir("staging");
    expect((await fsp.stat(disk("staging"))).isDirectory()).toBe(true);
    const file = await session.createFile("staging/next.partial");
    await file.write(Buffer.from("version 2"), 0);
    await file.commit();
    await fsp.writeFile(disk("target.gguf"), "version 1");
    await session.rename("staging/next.partial", "target.gguf");
    expect(await fsp.readFile(disk("target.gguf"), "utf8")).toBe("version 2");
    expect(await fsp.readdir(disk("staging"))).toEqual([]);
  });

  it("moves a whole folder into place and refuses to replace a non-empty one", async () => {
    await session.mkdir("staging-dir");
    await session.mkdir("staging-dir/model");
    const shard = await session.createFile("staging-dir/model/a-00001-of-00001.gguf");
    await shard.write(Buffer.from("shard"), 0);
    await shard.commit();
    await session.rename("staging-dir/model", "placed");
    expect(await fsp.readFile(disk("placed/a-00001-of-00001.gguf"), "utf8")).toBe("shard");
    // The cached handle of the old name must not answer for the moved folder.
    expect(await session.stat("staging-dir/model")).toBeNull();
    await session.mkdir("staging-dir/other");
    await fsp.writeFile(disk("staging-dir/other/x"), "x");
    await expectNfsStatus(session.rename("staging-dir/other", "placed"), "NFS3ERR_NOTEMPTY");
  });

  it("removes files and empty folders, and names what is missing or not empty", async () => {
    await session.mkdir("doomed");
    const file = await session.createFile("doomed/f.bin");
    await file.commit();
    await expectNfsStatus(session.rmdir("doomed"), "NFS3ERR_NOTEMPTY");
    await session.remove("doomed/f.bin");
    await session.rmdir("doomed");
    await expect(fsp.stat(disk("doomed"))).rejects.toMatchObject({ code: "ENOENT" });
    await expectNfsStatus(session.remove("doomed/f.bin"), "NFS3ERR_NOENT");
    await expectNfsStatus(session.mkdir("existing.txt"), "NFS3ERR_EXIST");
  });

  it("writes into a folder that was replaced on the NAS behind a cached handle", async () => {
    await session.mkdir("replaced");
    const first = await session.createFile("replaced/one.txt");
    await first.commit();
    await fsp.rm(disk("replaced"), { recursive: true });
    await fsp.mkdir(disk("replaced"));
    const second = await session.createFile("replaced/two.txt");
    await second.write(Buffer.from("two"), 0);
    await second.commit();
    expect(await fsp.readFile(disk("replaced/two.txt"), "utf8")).toBe("two");
  });

  it("reports the server's refusal on an export that is read-only for this client", async () => {
    const readOnly = await connectNfs(parseNfsUrl(ganesha.server.url().replace(ganesha.server.exportPath, `${ganesha.server.exportPath}/readonly-export`)));
    try {
      await expectNfsStatus(readOnly.createFile("new.txt"), "NFS3ERR_ROFS");
      expect(await fsp.readdir(disk("readonly-export"))).toEqual(["keep.txt"]);
    } finally {
      await readOnly.close();
    }
  });
});
