// What a real server does when things go wrong: missing files, handles that go
// stale under us, a server that dies or hangs mid-read and comes back.
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isAppError } from "../../../lib/errors.ts";
import { connectNfs, type NfsSession } from "../../../lib/nfs/client/nfs-session.ts";
import { parseNfsUrl } from "../../../lib/nfs/client/nfs-url.ts";
import { realNfsSkip, seededBytes, useGanesha } from "./ganesha-fixture.ts";

const MiB = 1024 * 1024;
const TIMEOUT_MS = 1500;
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const skip = realNfsSkip();

const ganesha = useGanesha(
  async (dir) => {
    await fsp.writeFile(path.join(dir, "model.bin"), seededBytes(32 * MiB, 3));
    await fsp.mkdir(path.join(dir, "folder"));
    await fsp.writeFile(path.join(dir, "folder", "a.txt"), "first");
    // mkdtemp makes the export 0700; others must be able to look inside for the uid test.
    await fsp.chmod(dir, 0o755);
    await fsp.writeFile(path.join(dir, "secret.bin"), "root only");
    await fsp.chmod(path.join(dir, "secret.bin"), 0o600);
  },
  { skip: skip !== null },
);

describe.skipIf(skip !== null)("failures against ganesha", () => {
  const sessions: NfsSession[] = [];
  afterEach(async () => {
    ganesha.server.resume();
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });
  const connect = async (query: Record<string, string | number> = {}): Promise<NfsSession> => {
    const session = await connectNfs(parseNfsUrl(ganesha.server.url("", { timeout: TIMEOUT_MS, ...query })));
    sessions.push(session);
    return session;
  };

  it("answers null to stat and not-found to open for a missing file", async () => {
    const session = await connect();
    expect(await session.stat("nope.gguf")).toBeNull();
    await expect(session.openFile("folder/nope.gguf")).rejects.toMatchObject({
      code: "not-found",
      nfsStatus: "NFS3ERR_NOENT",
      message: `nfs://127.0.0.1${ganesha.server.exportPath}/folder/nope.gguf does not exist (NFS3ERR_NOENT)`,
    });
  });

  it("refuses a file the NAS user may not read (uid mapping), as forbidden", async () => {
    const session = await connect({ uid: 1000, gid: 1000 });
    const file = await session.openFile("secret.bin");
    await expect(file.read(0, 10)).rejects.toMatchObject({ code: "forbidden", nfsStatus: "NFS3ERR_ACCES" });
  });

  it("finds a folder again after it was replaced on disk while its handle was cached", async () => {
    const session = await connect();
    expect((await session.readdir("folder")).map((e) => e.name)).toEqual(["a.txt"]);
    await fsp.rm(path.join(ganesha.dir, "folder"), { recursive: true });
    await fsp.mkdir(path.join(ganesha.dir, "folder"));
    await fsp.writeFile(path.join(ganesha.dir, "folder", "b.txt"), "second");
    expect(await session.stat("folder/b.txt")).toMatchObject({ type: "file", size: 6 });
    expect((await session.readdir("folder")).map((e) => e.name)).toEqual(["b.txt"]);
  });

  it("fails reading a file deleted on disk while open, instead of returning other bytes", async () => {
    const session = await connect();
    await fsp.writeFile(path.join(ganesha.dir, "doomed.bin"), seededBytes(MiB, 9));
    const file = await session.openFile("doomed.bin");
    await fsp.rm(path.join(ganesha.dir, "doomed.bin"));
    await fsp.writeFile(path.join(ganesha.dir, "doomed.bin"), seededBytes(MiB, 10));
    const outcome = await file.read(0, MiB).then(
      (bytes) => ({ bytes }),
      (error: unknown) => ({ error }),
    );
    if ("bytes" in outcome) {
      // The server kept the old inode open (its handle cache): the old bytes, never the new file's.
      expect(sha256(outcome.bytes)).toBe(sha256(seededBytes(MiB, 9)));
    } else {
      expect(outcome.error).toMatchObject({ code: "conflict", retryable: true });
    }
  });

  it("fails a read with a retryable error when the server is killed mid-read, and works again after a restart", async () => {
    const session = await connect();
    const file = await session.openFile("model.bin");
    const started = performance.now();
    const reading = (async () => {
      for (let at = 0; ; at = (at + 4 * MiB) % file.size) await file.read(at, 4 * MiB);
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    ganesha.server.signal("SIGKILL");
    const error = await reading.catch((e: unknown) => e);
    expect(isAppError(error) && error.retryable).toBe(true);
    expect(error).toMatchObject({ code: expect.stringMatching(/^(unavailable|timeout)$/) as string });
    expect(performance.now() - started).toBeLessThan(100 + TIMEOUT_MS + 1000);

    await ganesha.server.restart();
    const fresh = await connect();
    const again = await fresh.openFile("model.bin");
    expect(sha256(await again.read(0, again.size))).toBe(sha256(seededBytes(32 * MiB, 3)));
    // The old session reconnects by itself too (NFSv3 handles survive a restart).
    expect(sha256(await file.read(0, MiB))).toBe(sha256(seededBytes(32 * MiB, 3).subarray(0, MiB)));
  });

  it("times out a read on a hung server (SIGSTOP) within the timeout, and recovers when it resumes", async () => {
    const session = await connect();
    const file = await session.openFile("model.bin");
    await ganesha.server.hang();
    const started = performance.now();
    await expect(file.read(0, 4 * MiB).then((bytes) => `read ${bytes.length} bytes`)).rejects.toMatchObject({ code: "timeout", retryable: true });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1000);
    ganesha.server.resume();
    expect(sha256(await file.read(0, MiB))).toBe(sha256(seededBytes(32 * MiB, 3).subarray(0, MiB)));
  });
});
