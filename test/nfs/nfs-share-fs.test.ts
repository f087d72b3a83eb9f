// The ShareFs adapter over an NFS session, with a fake session: the walker
// and readers see errno-style errors for per-entry NFS failures, AppErrors
// for a share that stops answering, and READDIRPLUS attributes are reused.
import { describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors.ts";
import type { NfsSession, NfsStat } from "../../lib/nfs/client/index.ts";
import { readSmallFile, statFile, walkLibrary } from "../../lib/nfs/index.ts";
import { nfsShareFs } from "../../lib/nfs/nfs-share-fs.ts";

const file = (size: number, fileid: string): NfsStat => ({ type: "file", size, mtimeMs: 1_700_000_000_123, fileid, mode: 0o644, uid: 0, gid: 0 });
const dir = (fileid: string): NfsStat => ({ type: "dir", size: 4096, mtimeMs: 1_700_000_000_000, fileid, mode: 0o755, uid: 0, gid: 0 });

function fakeSession(options: { failDir?: { path: string; error: Error } } = {}) {
  const tree: Record<string, { stat: NfsStat; children?: string[]; bytes?: Uint8Array }> = {
    "": { stat: dir("1"), children: ["a.gguf", "sub", "locked", "notes.txt"] },
    "a.gguf": { stat: file(5, "2"), bytes: new Uint8Array([71, 71, 85, 70, 3]) },
    sub: { stat: dir("3"), children: ["b.gguf"] },
    "sub/b.gguf": { stat: file(3, "4"), bytes: new Uint8Array([1, 2, 3]) },
    locked: { stat: dir("5"), children: [] },
    "notes.txt": { stat: file(2, "6"), bytes: new Uint8Array([104, 105]) },
  };
  const calls = { stat: 0, readdir: 0 };
  const session = {
    host: "nas",
    exportPath: "/volume1",
    subPath: "models",
    async stat(rel: string) {
      calls.stat++;
      return tree[rel]?.stat ?? null;
    },
    async readdir(rel: string) {
      calls.readdir++;
      if (options.failDir && options.failDir.path === rel) throw options.failDir.error;
      return (tree[rel]?.children ?? []).map((name) => ({ name, stat: tree[rel === "" ? name : `${rel}/${name}`]?.stat ?? null }));
    },
    async openFile(rel: string) {
      const node = tree[rel];
      if (!node?.bytes) throw new AppError("not-found", `${rel} not found`, { details: { nfsStatus: "NFS3ERR_NOENT" } });
      const bytes = node.bytes;
      return {
        size: bytes.length,
        bytesRead: 0,
        read: async (position: number, length: number) => bytes.subarray(position, position + length),
        stat: async () => node.stat,
        close: async () => undefined,
      };
    },
    fsstat: async () => ({ totalBytes: 0, freeBytes: 0, availableBytes: 0, totalFiles: 0, freeFiles: 0 }),
    fsinfo: async () => ({ rtmax: 0, rtpref: 0, wtmax: 0, wtpref: 0, dtpref: 0, maxFileSize: 0 }),
    close: async () => undefined,
  };
  return { session: session as unknown as NfsSession, calls };
}

describe("nfsShareFs", () => {
  it("lets the walker list an nfs:// root, answering stat() from READDIRPLUS attributes", async () => {
    const { session, calls } = fakeSession();
    const fs = nfsShareFs(session, "/volume1/models", "nfs://nas");
    const walked = await walkLibrary("/volume1/models", { timeoutMs: 1_000, fs });
    expect(walked.files.map((f) => [f.relPath, f.sizeBytes, f.ino])).toEqual([
      ["a.gguf", 5, "2"],
      ["sub/b.gguf", 3, "4"],
    ]);
    // The root is stat'ed once; every file's attributes came with its directory listing.
    expect(calls.stat).toBe(1);
  });

  it("turns a per-directory NFS permission error into a skipped folder, not a failed walk", async () => {
    const denied = new AppError("forbidden", "permission denied", { details: { nfsStatus: "NFS3ERR_ACCES" } });
    const { session } = fakeSession({ failDir: { path: "locked", error: denied } });
    const walked = await walkLibrary("/volume1/models", { timeoutMs: 1_000, fs: nfsShareFs(session, "/volume1/models", "nfs://nas") });
    expect(walked.skipped).toMatchObject([{ relPath: "locked", reason: "unreadable-dir", errno: "EACCES" }]);
    expect(walked.skipped[0]?.message).toContain("nfs://nas/volume1/models/locked");
  });

  it("lets a share that stopped answering fail the walk", async () => {
    const hung = new AppError("timeout", "no answer from nas within 1 s", { retryable: true });
    const { session } = fakeSession({ failDir: { path: "sub", error: hung } });
    await expect(walkLibrary("/volume1/models", { timeoutMs: 1_000, fs: nfsShareFs(session, "/volume1/models", "nfs://nas") })).rejects.toThrow(
      /no answer/,
    );
  });

  it("reads files and reports missing ones like a local filesystem would", async () => {
    const { session } = fakeSession();
    const fs = nfsShareFs(session, "/volume1/models", "nfs://nas");
    expect(Array.from(await readSmallFile("/volume1/models/notes.txt", 100, 1_000, fs))).toEqual([104, 105]);
    expect(await statFile("/volume1/models/missing.gguf", 1_000, fs)).toBeNull();
  });

  it("refuses paths outside the library root", async () => {
    const { session } = fakeSession();
    const fs = nfsShareFs(session, "/volume1/models", "nfs://nas");
    await expect(fs.stat("/etc/passwd")).rejects.toThrow(/outside the library root/);
  });
});
