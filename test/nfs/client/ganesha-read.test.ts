// Reading through our client from a real NFS server (nfs-ganesha on loopback):
// what the client returns must be exactly what is on disk.
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGgufHeader } from "../../../lib/gguf/read-gguf-header.ts";
import { buildTinyModel } from "../../../lib/gguf/build-tiny-model.ts";
import type { ChunkReader } from "../../../lib/hashing/chunk-reader.ts";
import { createHashPool, type HashPool } from "../../../lib/hashing/hash-pool.ts";
import { hashReader } from "../../../lib/hashing/hash-reader.ts";
import { connectNfs, type NfsSession } from "../../../lib/nfs/client/nfs-session.ts";
import { nfsChunkReader } from "../../../lib/nfs/client/nfs-chunk-reader.ts";
import { parseNfsUrl } from "../../../lib/nfs/client/nfs-url.ts";
import type { FileSource } from "../../../lib/nfs/open-file-source.ts";
import { realNfsSkip, seededBytes, useGanesha } from "./ganesha-fixture.ts";

const MiB = 1024 * 1024;
const MANY = 5000;
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const skip = realNfsSkip();

const ganesha = useGanesha(
  async (dir) => {
    await fsp.writeFile(path.join(dir, "small.txt"), "hello over NFS\n");
    await fsp.writeFile(path.join(dir, "empty.bin"), "");
    await fsp.writeFile(path.join(dir, "big.bin"), seededBytes(6 * MiB + 123, 1));
    await fsp.writeFile(path.join(dir, "exact-1mib.bin"), seededBytes(MiB, 2));
    await fsp.writeFile(path.join(dir, "tiny.gguf"), buildTinyModel());
    await fsp.mkdir(path.join(dir, "sub", "deeper"), { recursive: true });
    await fsp.writeFile(path.join(dir, "sub", "deeper", "note.md"), "deep");
    await fsp.writeFile(path.join(dir, "sub", "modèle 日本.txt"), "utf-8 name");
    await fsp.mkdir(path.join(dir, "many"));
    for (let i = 0; i < MANY; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => fsp.writeFile(path.join(dir, "many", `entry-${String(i + j).padStart(5, "0")}.txt`), "")));
    }
  },
  { skip: skip !== null },
);

describe.skipIf(skip !== null)("reading from ganesha", () => {
  let session: NfsSession;
  let pool: HashPool;
  beforeAll(async () => {
    session = await connectNfs(parseNfsUrl(ganesha.server.url()));
    pool = createHashPool({ size: 1 });
  });
  afterAll(async () => {
    await session?.close();
    await pool?.close();
  });

  const disk = (rel: string): Promise<Buffer> => fsp.readFile(path.join(ganesha.dir, rel));

  it("mounts the export that holds the URL's path", () => {
    expect(session.exportPath).toBe(ganesha.server.exportPath);
    expect(session.subPath).toBe("");
    expect(session.readSize).toBe(MiB);
  });

  it("lists the root with the same names, types, sizes, mtimes and inode numbers as the disk", async () => {
    const entries = await session.readdir("");
    const names = await fsp.readdir(ganesha.dir);
    expect(entries.map((e) => e.name).sort()).toEqual(names.sort());
    for (const entry of entries) {
      const st = await fsp.stat(path.join(ganesha.dir, entry.name), { bigint: true });
      expect(entry.stat).toEqual({
        type: st.isDirectory() ? "dir" : "file",
        size: Number(st.size),
        mtimeMs: Number(st.mtimeNs / 1_000_000n),
        fileid: st.ino.toString(),
        mode: Number(st.mode) & 0o7777,
        uid: Number(st.uid),
        gid: Number(st.gid),
      });
    }
  });

  it("reads a small file byte for byte", async () => {
    const file = await session.openFile("small.txt");
    expect(Buffer.from(await file.read(0, 100)).toString()).toBe("hello over NFS\n");
    await file.close();
  });

  it("reads a multi-MB file whose SHA-256 equals the file on disk", async () => {
    const file = await session.openFile("big.bin");
    expect(file.size).toBe(6 * MiB + 123);
    const bytes = await file.read(0, file.size);
    expect(sha256(bytes)).toBe(sha256(await disk("big.bin")));
    expect(file.bytesRead).toBe(file.size);
  });

  it("returns short reads only at the end of file, and nothing beyond it", async () => {
    const file = await session.openFile("big.bin");
    const onDisk = await disk("big.bin");
    const size = onDisk.length;
    expect(Buffer.from(await file.read(size - 1, 10)).equals(onDisk.subarray(size - 1))).toBe(true);
    expect(await file.read(size, 10)).toHaveLength(0);
    expect(await file.read(size + MiB, 10)).toHaveLength(0);
    // Across an rtmax boundary, and a read that ends exactly at the end of the file.
    expect(Buffer.from(await file.read(MiB - 3, 6)).equals(onDisk.subarray(MiB - 3, MiB + 3))).toBe(true);
    expect(Buffer.from(await file.read(size - 2 * MiB, 2 * MiB)).equals(onDisk.subarray(size - 2 * MiB))).toBe(true);
  });

  it("reads a file of exactly one rtmax and an empty file", async () => {
    const exact = await session.openFile("exact-1mib.bin");
    expect(sha256(await exact.read(0, 2 * MiB))).toBe(sha256(await disk("exact-1mib.bin")));
    const empty = await session.openFile("empty.bin");
    expect(empty.size).toBe(0);
    expect(await empty.read(0, 100)).toHaveLength(0);
  });

  it("reads the same bytes with one READ in flight as with many", async () => {
    const sequential = await connectNfs(parseNfsUrl(ganesha.server.url()), { maxOutstanding: 1 });
    try {
      const file = await sequential.openFile("big.bin");
      expect(sha256(await file.read(0, file.size))).toBe(sha256(await disk("big.bin")));
    } finally {
      await sequential.close();
    }
  });

  it("pages through a folder of 5,000 entries with READDIRPLUS, every name exactly once", async () => {
    const entries = await session.readdir("many");
    const names = entries.map((e) => e.name);
    expect(names).toHaveLength(MANY);
    expect(new Set(names).size).toBe(MANY);
    expect(names.sort()).toEqual(Array.from({ length: MANY }, (_, i) => `entry-${String(i).padStart(5, "0")}.txt`));
    expect(entries.every((e) => e.stat?.type === "file" && e.stat.size === 0)).toBe(true);
  });

  it("stats files, folders and the root, and answers null for what does not exist", async () => {
    expect(await session.stat("sub/deeper/note.md")).toMatchObject({ type: "file", size: 4 });
    expect(await session.stat("sub")).toMatchObject({ type: "dir" });
    expect(await session.stat("")).toMatchObject({ type: "dir" });
    expect(await session.stat("sub/missing.gguf")).toBeNull();
    expect(await session.stat("small.txt/below-a-file")).toBeNull();
  });

  it("reads names with spaces and non-ASCII characters", async () => {
    expect((await session.readdir("sub")).map((e) => e.name).sort()).toEqual(["deeper", "modèle 日本.txt"]);
    const file = await session.openFile("sub/modèle 日本.txt");
    expect(Buffer.from(await file.read(0, 64)).toString()).toBe("utf-8 name");
  });

  it("makes a URL's sub-path the root of the session", async () => {
    const sub = await connectNfs(parseNfsUrl(ganesha.server.url("sub/deeper")));
    try {
      expect([sub.exportPath, sub.subPath]).toEqual([ganesha.server.exportPath, "sub/deeper"]);
      expect((await sub.readdir("")).map((e) => e.name)).toEqual(["note.md"]);
      expect(sub.displayPath("note.md")).toBe(`nfs://127.0.0.1${ganesha.server.exportPath}/sub/deeper/note.md`);
    } finally {
      await sub.close();
    }
  });

  it("hashes a file through nfsChunkReader and lib/hashing to the SHA-256 of the file on disk", async () => {
    const reader: ChunkReader = nfsChunkReader(session, "big.bin");
    const result = await hashReader(reader, { readTimeoutMs: 10_000, pool });
    const st = await fsp.stat(path.join(ganesha.dir, "big.bin"), { bigint: true });
    expect(result.sha256).toBe(sha256(await disk("big.bin")));
    expect(result.statBefore).toEqual({ size: Number(st.size), mtimeMs: Number(st.mtimeNs / 1_000_000n), ino: st.ino.toString() });
  });

  it("serves the GGUF header reader unchanged (an NfsFile is a FileSource)", async () => {
    const file: FileSource = await session.openFile("tiny.gguf");
    const overNfs = await readGgufHeader(file, { fileLabel: "tiny.gguf" });
    const local = await readGgufHeader({ size: file.size, read: async (p, n) => (await disk("tiny.gguf")).subarray(p, p + n) }, { fileLabel: "tiny.gguf" });
    expect(overNfs.metadata).toEqual(local.metadata);
    expect(overNfs.tensors).toEqual(local.tensors);
    await file.close();
  });

  it("reports what the server lets our credentials do", async () => {
    expect(await session.access("small.txt")).toMatchObject({ read: true, execute: false });
    expect(await session.access("sub")).toMatchObject({ read: true, lookup: true });
    expect(await session.ping()).toBeGreaterThan(0);
  });
});
