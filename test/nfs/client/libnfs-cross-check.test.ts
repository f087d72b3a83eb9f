// An independent client (libnfs's nfs-cat / nfs-ls) must see the same bytes and
// names as ours, from the same server.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNfs, type NfsSession } from "../../../lib/nfs/client/nfs-session.ts";
import { parseNfsUrl } from "../../../lib/nfs/client/nfs-url.ts";
import { realNfsSkip, seededBytes, useGanesha } from "./ganesha-fixture.ts";

const run = promisify(execFile);
const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const skip = realNfsSkip({ libnfs: true });

/** nfs-cat's stdout, hashed as it streams. */
function nfsCatSha256(url: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn("nfs-cat", [url], { stdio: ["ignore", "pipe", "pipe"] });
    const hash = createHash("sha256");
    let bytes = 0;
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve({ sha256: hash.digest("hex"), bytes }) : reject(new Error(`nfs-cat exited ${code}: ${stderr}`))));
  });
}

const ganesha = useGanesha(
  async (dir) => {
    await fsp.writeFile(path.join(dir, "model.gguf"), seededBytes(9 * MiB + 7, 4));
    await fsp.writeFile(path.join(dir, "notes.txt"), "libnfs cross-check\n");
    await fsp.mkdir(path.join(dir, "shards"));
    for (let i = 1; i <= 40; i++) await fsp.writeFile(path.join(dir, "shards", `m-${String(i).padStart(5, "0")}-of-00040.gguf`), seededBytes(1000 + i, i));
  },
  { skip: skip !== null },
);

describe.skipIf(skip !== null)("cross-check with libnfs", () => {
  let session: NfsSession;
  beforeAll(async () => {
    session = await connectNfs(parseNfsUrl(ganesha.server.url()));
  });
  afterAll(async () => {
    await session?.close();
  });

  it("nfs-cat reads the same bytes as our client", async () => {
    const file = await session.openFile("model.gguf");
    const ours = await file.read(0, file.size);
    const theirs = await nfsCatSha256(ganesha.server.libnfsUrl("model.gguf"));
    expect(theirs).toEqual({ sha256: sha256(ours), bytes: ours.length });
  });

  it("nfs-cat reads the same bytes of every small file as our client", async () => {
    for (const name of ["notes.txt", "shards/m-00001-of-00040.gguf", "shards/m-00040-of-00040.gguf"]) {
      const file = await session.openFile(name);
      const theirs = await nfsCatSha256(ganesha.server.libnfsUrl(name));
      expect(theirs.sha256).toBe(sha256(await file.read(0, file.size)));
    }
  });

  it("nfs-ls lists the same names and sizes as our READDIRPLUS", async () => {
    for (const dir of ["", "shards"]) {
      const { stdout } = await run("nfs-ls", [ganesha.server.libnfsUrl(dir)]);
      // "-rw-r--r--  1     0     0         1001 m-00001-of-00040.gguf"
      const theirs = stdout
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => {
          const [, , , , size = "", ...name] = line.trim().split(/\s+/);
          return `${name.join(" ")}:${line.startsWith("d") ? "dir" : size}`;
        })
        .filter((entry) => !entry.startsWith(".:") && !entry.startsWith("..:"))
        .sort();
      const ours = (await session.readdir(dir)).map((e) => `${e.name}:${e.stat?.type === "dir" ? "dir" : e.stat?.size}`).sort();
      expect(ours).toEqual(theirs);
    }
  });
});
