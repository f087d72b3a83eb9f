// npm run bench:hash [-- --size-mib 2048 --big-gib 4 --cap-mbps 200 --keep]
//
// Streamed SHA-256 (lib/hashing) against baselines measured in the same run,
// on the same files: two files of random bytes (written once, then read from
// the page cache) and one sparse file for the memory check. Prints:
//   1. single-file throughput vs `openssl dgst -sha256`        target ≥ 0.95×
//   2. two files hashed in parallel vs one                        target ≥ 1.7×
//   3. peak RSS of a child process that only hashes a 4 GiB file  target ≤ 100 MiB
//   4. hashing under a 200 MB/s cap lands within ±10 % of it
// plus, for the design record, read sizes 1/4/8 MiB and pooled vs per-file threads.
import { execFile, spawn } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { hashFile } from "../lib/hashing/hash-file.ts";
import { createHashPool, type HashPool } from "../lib/hashing/hash-pool.ts";
import { createThrottle } from "../lib/hashing/throttle.ts";

const run = promisify(execFile);
const MiB = 1024 * 1024;
const TIMEOUT_MS = 60_000;

const { values } = parseArgs({
  options: {
    "size-mib": { type: "string", default: "2048" },
    "big-gib": { type: "string", default: "4" },
    "cap-mbps": { type: "string", default: "200" },
    keep: { type: "boolean", default: false },
    // Internal: the RSS probe re-runs this script in a child that only hashes.
    "rss-child": { type: "string" },
  },
});

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, (performance.now() - start) / 1000];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (bytes: number, seconds: number): number => bytes / 1e6 / seconds;
const verdict = (met: boolean): string => (met ? "met" : "NOT met");

async function vmHwmBytes(): Promise<number> {
  const status = await readFile("/proc/self/status", "utf8");
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

/** Child mode: hash one file and report the process's RSS, nothing else running in it. */
async function rssChild(file: string): Promise<void> {
  const pool = createHashPool({ size: 1 });
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const result = await hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool });
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  process.stdout.write(JSON.stringify({ before, peak, hwm: await vmHwmBytes(), bytes: result.bytes, seconds: result.seconds }) + "\n");
  await pool.close();
}

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

async function openssl(file: string): Promise<string> {
  const { stdout } = await run("openssl", ["dgst", "-sha256", "-r", file]);
  return stdout.slice(0, 64);
}

async function ours(file: string, pool: HashPool, chunkBytes?: number): Promise<string> {
  return (await hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool, ...(chunkBytes ? { chunkBytes } : {}) })).sha256;
}

async function main(): Promise<void> {
  const sizeBytes = Number(values["size-mib"]) * MiB;
  const bigBytes = Number(values["big-gib"]) * 1024 * MiB;
  const capBytesPerSecond = Number(values["cap-mbps"]) * 1e6;
  const cpus = os.cpus();
  const [l1, l5, l15] = os.loadavg();
  console.log(`machine: ${os.availableParallelism()} cores × ${cpus[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${(await run("openssl", ["version"])).stdout.trim()}`);
  console.log(`load average at start: ${l1?.toFixed(2)} ${l5?.toFixed(2)} ${l15?.toFixed(2)}`);

  const dir = await mkdtemp(path.join(os.tmpdir(), "modelshelf-bench-hash-"));
  const pool = createHashPool({ size: 2 });
  try {
    const [a, b] = [path.join(dir, "a.bin"), path.join(dir, "b.bin")];
    console.log(`writing 2 × ${values["size-mib"]} MiB of random bytes…`);
    await writeRandom(a, sizeBytes);
    await writeRandom(b, sizeBytes);
    // Warm: page cache for both files, and both pool threads.
    const [sslA, sslB] = [await openssl(a), await openssl(b)];
    const [oursA, oursB] = await Promise.all([ours(a, pool), ours(b, pool)]);
    if (sslA !== oursA || sslB !== oursB) throw new Error(`hash mismatch: openssl ${sslA}/${sslB}, ours ${oursA}/${oursB}`);

    // 1. Single file, alternating tools so both see the same background noise.
    const sslTimes: number[] = [];
    const singleTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      sslTimes.push((await timed(() => openssl(a)))[1]);
      singleTimes.push((await timed(() => ours(a, pool)))[1]);
    }
    const sslRate = mbps(sizeBytes, median(sslTimes));
    const singleRate = mbps(sizeBytes, median(singleTimes));

    // 2. Two files at once (two pool threads), aggregate; openssl × 2 for context.
    const parallelTimes: number[] = [];
    const sslParallelTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      parallelTimes.push((await timed(() => Promise.all([ours(a, pool), ours(b, pool)])))[1]);
      sslParallelTimes.push((await timed(() => Promise.all([openssl(a), openssl(b)])))[1]);
    }
    const parallelRate = mbps(2 * sizeBytes, median(parallelTimes));
    const sslParallelRate = mbps(2 * sizeBytes, median(sslParallelTimes));

    // Design record: read size.
    const chunkRates: string[] = [];
    for (const chunkMiB of [1, 4, 8]) {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) times.push((await timed(() => ours(a, pool, chunkMiB * MiB)))[1]);
      chunkRates.push(`${chunkMiB} MiB ${mbps(sizeBytes, median(times)).toFixed(0)} MB/s`);
    }

    // Design record: a warm pool vs a new thread per file, on 20 small files.
    const small = path.join(dir, "small.bin");
    await writeRandom(small, 64 * 1024);
    const [, pooledSeconds] = await timed(async () => {
      for (let i = 0; i < 20; i++) await ours(small, pool);
    });
    const [, perFileSeconds] = await timed(async () => {
      for (let i = 0; i < 20; i++) {
        const fresh = createHashPool({ size: 1 });
        await ours(small, fresh);
        await fresh.close();
      }
    });

    // 4. Bandwidth cap.
    const throttle = createThrottle({ bytesPerSecond: capBytesPerSecond });
    const [, cappedSeconds] = await timed(() => hashFile(a, { readTimeoutMs: TIMEOUT_MS, pool, throttle }));
    const cappedRate = sizeBytes / cappedSeconds;
    const capError = cappedRate / capBytesPerSecond - 1;

    // 3. Peak RSS of a process that only hashes a big (sparse) file.
    const big = path.join(dir, "big-sparse.gguf");
    const handle = await open(big, "w");
    await handle.truncate(bigBytes);
    await handle.close();
    const self = fileURLToPath(import.meta.url);
    const child = spawn(process.execPath, ["--import", "tsx", self, "--rss-child", big], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    if (code !== 0) throw new Error(`RSS child exited with ${code}`);
    const rss = JSON.parse(out) as { before: number; peak: number; hwm: number; bytes: number; seconds: number };
    await rm(big);

    const single = singleRate / sslRate;
    const scaling = parallelRate / singleRate;
    const peakMiB = Math.max(rss.hwm, rss.peak) / MiB;
    console.log("");
    console.log(`1. single file, ${values["size-mib"]} MiB in the page cache (median of 3):`);
    console.log(`   openssl dgst -sha256  ${sslRate.toFixed(0)} MB/s`);
    console.log(`   modelshelf hashFile   ${singleRate.toFixed(0)} MB/s`);
    console.log(`   ratio                 ${single.toFixed(2)}×  (target ≥ 0.95×: ${verdict(single >= 0.95)})`);
    console.log(`2. two files in parallel (median of 3):`);
    console.log(`   modelshelf            ${parallelRate.toFixed(0)} MB/s aggregate`);
    console.log(`   scaling vs single     ${scaling.toFixed(2)}×  (target ≥ 1.7×: ${verdict(scaling >= 1.7)})`);
    console.log(`   context: openssl × 2  ${sslParallelRate.toFixed(0)} MB/s aggregate (${(sslParallelRate / sslRate).toFixed(2)}× its single)`);
    console.log(`3. peak RSS of a child process hashing a ${values["big-gib"]} GiB sparse file (node --import tsx):`);
    console.log(`   before hashing ${(rss.before / MiB).toFixed(1)} MiB, sampled peak ${(rss.peak / MiB).toFixed(1)} MiB, VmHWM ${(rss.hwm / MiB).toFixed(1)} MiB`);
    console.log(`   growth while hashing ${((rss.peak - rss.before) / MiB).toFixed(1)} MiB; hashed ${(rss.bytes / 2 ** 30).toFixed(1)} GiB in ${rss.seconds.toFixed(1)} s`);
    console.log(`   peak ${peakMiB.toFixed(1)} MiB  (target ≤ 100 MiB: ${verdict(peakMiB <= 100)})`);
    console.log(`4. hashing with a ${values["cap-mbps"]} MB/s cap:`);
    console.log(`   achieved ${(cappedRate / 1e6).toFixed(1)} MB/s over ${cappedSeconds.toFixed(1)} s, ${(capError * 100).toFixed(1)} %  (target within ±10 %: ${verdict(Math.abs(capError) <= 0.1)})`);
    console.log(`design record:`);
    console.log(`   read size (single file, median of 3): ${chunkRates.join(", ")}`);
    console.log(`   20 × 64 KiB files: warm pool ${((pooledSeconds / 20) * 1000).toFixed(2)} ms/file, new thread per file ${((perFileSeconds / 20) * 1000).toFixed(2)} ms/file`);
    const [e1, e5, e15] = os.loadavg();
    console.log(`load average at end: ${e1?.toFixed(2)} ${e5?.toFixed(2)} ${e15?.toFixed(2)}`);
  } finally {
    await pool.close();
    if (!values.keep) await rm(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

if (values["rss-child"] !== undefined) await rssChild(values["rss-child"]);
else await main();
