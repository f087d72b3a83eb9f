// npm run bench:nfs [-- --size-mib 1024 --runs 3 --depths 1,4,8 --keep]
//
// READ throughput of the built-in NFSv3 client (lib/nfs/client) against
// nfs-ganesha on loopback, in one run, on one file (written once, then served
// from the page cache):
//   - our client with 1 READ in flight (sequential) and with N in flight
//   - libnfs, an independent C client: `nfs-cp` copying the file to a tmpfs file
//     (it refuses /dev/null as a destination) and `nfs-cat … > /dev/null`
// Medians of --runs runs; ratio = ours (best depth) / nfs-cp.  Target ≥ 1.0.
import { spawn } from "node:child_process";
import { createHash, randomFillSync } from "node:crypto";
import { existsSync, openSync, closeSync } from "node:fs";
import { mkdtemp, open, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { connectNfs } from "../lib/nfs/client/nfs-session.ts";
import { parseNfsUrl } from "../lib/nfs/client/nfs-url.ts";
import { scanLibrary } from "../lib/catalog/scan-library.ts";
import { createDb } from "../lib/db/client.ts";
import { migrateDatabase } from "../lib/db/migrate.ts";
import { startGanesha } from "../test/helpers/ganesha.ts";
import { generateGgufTree } from "./gguf-tree.ts";

const MiB = 1024 * 1024;
/** Bytes per readInto(): 32 READs of 1 MiB, so pipelining only drains once per 32 MiB. */
const READ_CALL_BYTES = 32 * MiB;

const { values } = parseArgs({
  options: {
    "size-mib": { type: "string", default: "1024" },
    runs: { type: "string", default: "3" },
    depths: { type: "string", default: "1,4,8,16" },
    "scan-files": { type: "string", default: "2000" },
    keep: { type: "boolean", default: false },
  },
});
const sizeBytes = Number(values["size-mib"]) * MiB;
const runs = Number(values.runs);
const depths = String(values.depths).split(",").map(Number);
const scanFiles = Number(values["scan-files"]);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const mbps = (bytes: number, seconds: number): number => bytes / 1e6 / seconds;
const fmt = (x: number): string => x.toFixed(0).padStart(6);

async function writeRandom(file: string, bytes: number): Promise<void> {
  const handle = await open(file, "w");
  const block = new Uint8Array(16 * MiB);
  try {
    for (let done = 0; done < bytes; done += block.length) {
      randomFillSync(block);
      await handle.write(block, 0, Math.min(block.length, bytes - done), done);
    }
  } finally {
    await handle.close();
  }
}

/** Runs a command with stdout to `stdoutFile` (or ignored); resolves with wall seconds. */
function timedCommand(command: string, args: string[], stdoutFile?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = stdoutFile ? openSync(stdoutFile, "w") : "ignore";
    const started = performance.now();
    const child = spawn(command, args, { stdio: ["ignore", fd, "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      if (typeof fd === "number") closeSync(fd);
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`${command} exited ${code}: ${stderr.trim()}`));
    });
  });
}

async function machine(): Promise<string> {
  const cpus = os.cpus();
  const ganesha = await new Promise<string>((resolve) => {
    const child = spawn("ganesha.nfsd", ["-v"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.once("close", () => resolve(/Release = (\S+)/.exec(out)?.[1] ?? "unknown"));
    child.once("error", () => resolve("unknown"));
  });
  return [
    `machine: ${cpus.length} × ${cpus[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${os.release()}`,
    `node ${process.version}, nfs-ganesha ${ganesha} (VFS, loopback), libnfs-utils ${existsSync("/usr/bin/nfs-cp") ? "installed" : "missing"}`,
  ].join("\n");
}

const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(" ");

async function main(): Promise<void> {
  console.log(await machine());
  console.log(`load average at start: ${load()}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), "modelshelf-bench-nfs-"));
  const shm = existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  const copyTarget = path.join(shm, `modelshelf-bench-nfs-${process.pid}.bin`);
  const file = path.join(dir, "model.bin");
  console.log(`writing ${values["size-mib"]} MiB of random bytes …`);
  await writeRandom(file, sizeBytes);
  await readFile(file).then((b) => createHash("sha256").update(b).digest("hex")); // warm the page cache
  const server = await startGanesha({ exportDir: dir });
  try {
    const url = parseNfsUrl(server.url("", { timeout: 60_000 }));
    const results: { label: string; mbps: number }[] = [];
    const report = (label: string, seconds: number[]): number => {
      const each = seconds.map((s) => mbps(sizeBytes, s));
      const m = mbps(sizeBytes, median(seconds));
      console.log(`${label.padEnd(38)} ${fmt(m)} MB/s   (runs: ${each.map((x) => x.toFixed(0)).join(", ")})`);
      results.push({ label, mbps: m });
      return m;
    };

    let readSize = 0;
    const ours: number[] = [];
    for (const depth of depths) {
      const session = await connectNfs(url, { maxOutstanding: depth });
      readSize = session.readSize;
      const seconds: number[] = [];
      try {
        const buffer = new Uint8Array(READ_CALL_BYTES);
        for (let run = 0; run < runs; run++) {
          const handle = await session.openFile("model.bin");
          const started = performance.now();
          for (let at = 0; at < handle.size; at += buffer.length) await handle.readInto(buffer.subarray(0, Math.min(buffer.length, handle.size - at)), at);
          seconds.push((performance.now() - started) / 1000);
          if (handle.bytesRead !== sizeBytes) throw new Error(`read ${handle.bytesRead} bytes, expected ${sizeBytes}`);
        }
      } finally {
        await session.close();
      }
      ours.push(report(`ours, ${depth} READ${depth === 1 ? "" : "s"} in flight`, seconds));
    }

    const nfsCp: number[] = [];
    for (let run = 0; run < runs; run++) {
      await rm(copyTarget, { force: true });
      nfsCp.push(await timedCommand("nfs-cp", [server.libnfsUrl("model.bin"), copyTarget]));
    }
    if ((await stat(copyTarget)).size !== sizeBytes) throw new Error("nfs-cp copied a different number of bytes");
    await rm(copyTarget, { force: true });
    const baseline = report(`nfs-cp → ${shm} (libnfs)`, nfsCp);

    const nfsCat: number[] = [];
    for (let run = 0; run < runs; run++) nfsCat.push(await timedCommand("nfs-cat", [server.libnfsUrl("model.bin")], "/dev/null"));
    const cat = report("nfs-cat > /dev/null (libnfs)", nfsCat);

    const best = Math.max(...ours);
    console.log(`\nfile ${values["size-mib"]} MiB, READ size ${readSize / 1024} KiB (server rtmax capped at 1 MiB), medians of ${runs}`);
    console.log(`ratio ours (best depth) / nfs-cp:      ${(best / baseline).toFixed(2)}×  target ≥ 1.0: ${best / baseline >= 1 ? "met" : "NOT met"}`);
    console.log(`ratio ours (best depth) / nfs-cat:     ${(best / cat).toFixed(2)}×`);
    console.log(`ratio ours sequential / nfs-cp:        ${((ours[0] ?? 0) / baseline).toFixed(2)}×`);

    if (scanFiles > 0) await scanRate(dir, server);
    console.log(`load average at end: ${load()}`);
  } finally {
    await server.stop();
    await rm(copyTarget, { force: true });
    if (!values.keep) await rm(dir, { recursive: true, force: true });
  }
}

/** Header-only scan of a GGUF tree over nfs:// vs the same folder as a local path, one catalogue each. */
async function scanRate(dir: string, server: Awaited<ReturnType<typeof startGanesha>>): Promise<void> {
  const tree = path.join(dir, "tree");
  console.log(`\ngenerating ${scanFiles} GGUF files (7B-class headers, sparse data) for the scan rate …`);
  const generated = await generateGgufTree(tree, scanFiles, { vocab: 32_000 });
  const headerKiB = generated.headerBytes / scanFiles / 1024;
  const settings = { stableMs: 0, fsTimeoutMs: 60_000 };
  const measure = async (label: string, libraryPath: string) => {
    const dbFile = path.join(dir, `${label}.db`);
    await migrateDatabase(dbFile);
    const db = createDb(dbFile);
    try {
      const library = await db.library.create({ data: { path: libraryPath, source: "cli" } });
      const scan = () => scanLibrary(db, { libraryId: library.id, trigger: "cli", acceptMissing: false }, { settings });
      let started = performance.now();
      const cold = await scan();
      const coldSeconds = (performance.now() - started) / 1000;
      started = performance.now();
      const warm = await scan();
      const warmSeconds = (performance.now() - started) / 1000;
      if (cold.added !== scanFiles || warm.unchanged !== scanFiles) throw new Error(`${label}: scanned ${cold.added}/${warm.unchanged} of ${scanFiles}`);
      console.log(
        `${label.padEnd(8)} cold ${coldSeconds.toFixed(2)} s = ${(scanFiles / coldSeconds).toFixed(0)} files/s, ${(cold.bytesRead / scanFiles / 1024).toFixed(0)} KiB read per file (header ${headerKiB.toFixed(0)} KiB); warm rescan ${warmSeconds.toFixed(2)} s`,
      );
      return coldSeconds;
    } finally {
      await db.$disconnect();
    }
  };
  const local = await measure("local", tree);
  const remote = await measure("nfs://", server.url("tree", { timeout: 60_000 }));
  console.log(`scan over nfs:// vs local path: ${(remote / local).toFixed(2)}× the time`);
}

await main();
