// npm run bench:scan [-- --files 2000 --sparse 20 --warm-files 10000 --vocab 32000]
//
// Generates a library of GGUF files whose tensor data is sparse (a real
// header, then a hole up to the full size: 7B-class files of ~4 GB and
// `--sparse` 70B-class files of ~30+ GB apparent size), then prints:
//   - cold scan: files/s and bytes read per file (≈ header size, whatever the file size)
//   - warm rescan of the unchanged tree, and of a --warm-files tree
//   - our header parse vs @huggingface/gguf on the same files, same process
// Targets: cold parse ≤ 0.5× @huggingface/gguf; warm rescan of 10,000 files < 3 s.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { gguf as hfGguf } from "@huggingface/gguf";
import { scanLibrary } from "../lib/catalog/scan-library.ts";
import { createDb } from "../lib/db/client.ts";
import { migrateDatabase } from "../lib/db/migrate.ts";
import { readGgufHeader, summarizeGguf } from "../lib/gguf/index.ts";
import { openFileSource } from "../lib/nfs/index.ts";
import { generateGgufTree as generate } from "./gguf-tree.ts";

const { values } = parseArgs({
  options: {
    files: { type: "string", default: "2000" },
    sparse: { type: "string", default: "20" },
    "warm-files": { type: "string", default: "10000" },
    vocab: { type: "string", default: "32000" },
    keep: { type: "boolean", default: false },
  },
});
const FILES = Number(values.files);
const SPARSE = Number(values.sparse);
const WARM_FILES = Number(values["warm-files"]);
const VOCAB = Number(values.vocab);
const generateTree = (dir: string, count: number, sparseCount: number, small: boolean) => generate(dir, count, { sparseCount, small, vocab: VOCAB });

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "modelshelf-bench-"));
  try {
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    console.log(`generating ${FILES} sparse GGUF files (${SPARSE} of them 70B-class), vocab ${VOCAB}…`);
    const lib = path.join(dir, "library");
    const generated = await generateTree(lib, FILES, SPARSE, false);
    console.log(
      `  apparent size ${(generated.apparentBytes / 2 ** 40).toFixed(2)} TiB, headers ${(generated.headerBytes / generated.paths.length / 1024).toFixed(0)} KiB/file on average`,
    );

    // Header parse: ours vs @huggingface/gguf, same files, same process, alternating order to share cache effects.
    const sample = generated.paths.slice(0, Math.min(500, generated.paths.length));
    const ours = async () => {
      for (const file of sample) {
        const source = await openFileSource(file, { timeoutMs: 60_000 });
        try {
          summarizeGguf(await readGgufHeader(source, { fileLabel: file }), source.size);
        } finally {
          await source.close();
        }
      }
    };
    const theirs = async () => {
      for (const file of sample) await hfGguf(file, { allowLocalFile: true, computeParametersCount: true });
    };
    await ours();
    await theirs(); // warm the page cache for both
    const oursTimes: number[] = [];
    const theirTimes: number[] = [];
    for (let round = 0; round < 3; round++) {
      oursTimes.push((await timed(ours))[1]);
      theirTimes.push((await timed(theirs))[1]);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const oursMs = median(oursTimes);
    const theirMs = median(theirTimes);

    // Cold scan into a fresh catalogue, then a warm rescan of the unchanged tree.
    const dbFile = path.join(dir, "bench.db");
    await migrateDatabase(dbFile);
    const db = createDb(dbFile);
    const library = await db.library.create({ data: { path: lib, source: "cli" } });
    const settings = { stableMs: 0, fsTimeoutMs: 60_000 };
    const [cold, coldMs] = await timed(() => scanLibrary(db, { libraryId: library.id, trigger: "cli", acceptMissing: false }, { settings }));
    const [warm, warmMs] = await timed(() => scanLibrary(db, { libraryId: library.id, trigger: "cli", acceptMissing: false }, { settings }));

    // Warm rescan at --warm-files scale (small headers keep generation quick).
    let bigWarmMs = 0;
    let bigWarmFiles = 0;
    if (WARM_FILES > 0) {
      console.log(`generating ${WARM_FILES} small GGUF files for the warm-rescan target…`);
      const big = path.join(dir, "warm");
      await generateTree(big, WARM_FILES, 0, true);
      const bigLibrary = await db.library.create({ data: { path: big, source: "cli" } });
      await scanLibrary(db, { libraryId: bigLibrary.id, trigger: "cli", acceptMissing: false }, { settings });
      const [bigWarm, ms] = await timed(() => scanLibrary(db, { libraryId: bigLibrary.id, trigger: "cli", acceptMissing: false }, { settings }));
      bigWarmMs = ms;
      bigWarmFiles = bigWarm.unchanged;
    }
    await db.$disconnect();

    const ratio = oursMs / theirMs;
    console.log("");
    console.log(`header parse, ${sample.length} files (median of 3):`);
    console.log(`  modelshelf        ${oursMs.toFixed(0)} ms  (${(oursMs / sample.length).toFixed(2)} ms/file)`);
    console.log(`  @huggingface/gguf ${theirMs.toFixed(0)} ms  (${(theirMs / sample.length).toFixed(2)} ms/file)`);
    console.log(`  ratio             ${ratio.toFixed(2)}×  (target ≤ 0.50×: ${ratio <= 0.5 ? "met" : "NOT met"})`);
    console.log(`cold scan, ${cold.added} files: ${(coldMs / 1000).toFixed(2)} s = ${(cold.added / (coldMs / 1000)).toFixed(0)} files/s`);
    console.log(
      `  bytes read per file ${(cold.bytesRead / Math.max(1, cold.added) / 1024).toFixed(0)} KiB vs header ${(generated.headerBytes / generated.paths.length / 1024).toFixed(0)} KiB and apparent size ${(generated.apparentBytes / generated.paths.length / 2 ** 30).toFixed(1)} GiB`,
    );
    console.log(`warm rescan, ${warm.unchanged} unchanged files: ${warmMs.toFixed(0)} ms, ${warm.bytesRead} bytes read`);
    if (bigWarmFiles > 0) {
      console.log(`warm rescan, ${bigWarmFiles} unchanged files: ${(bigWarmMs / 1000).toFixed(2)} s  (target < 3 s: ${bigWarmMs < 3000 ? "met" : "NOT met"})`);
    }
  } finally {
    if (!values.keep) await rm(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

await main();
