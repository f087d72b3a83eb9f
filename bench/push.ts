// npm run bench:push [-- --size-mib 2048 --rss-size-mib 256 --runs 3 --keep]
//
// Moving a model over loopback HTTP: ModelShelf's code paths against curl in the
// same run, on the same verified catalogue file (random bytes behind a real GGUF
// header, written once, then read from the page cache). Prints:
//   1. push: the Ollama driver's blob upload (uploadOllamaBlob: HEAD, then a POST
//      streamed from openLibraryFileStream) vs `curl -X POST -T <file>` to the same
//      receiver, to a hashing and to a discarding one                 target ≥ 0.9×
//   2. registry: `curl -o /dev/null` of the blob from startRegistryServer
//      (/v2/<name>/blobs/<digest>) vs the same curl from `python3 -m http.server`
//                                                                       target ≥ 0.9×
//   3. peak RSS (VmHWM) of a pushing process and of the registry process, each
//      moving the --rss-size-mib file and then the --size-mib one: what the bigger
//      file adds must be nothing but noise (≤ 16 MiB)                      constant
// Every server runs in a child process of its own, and so does each pushing process
// (three uploads: hashing receiver twice, then discarding; the target is on the
// second and third, the first also pays the new process's first full GC and JIT).
// Medians of --runs runs; curl and ours alternate so both see the same background.
//
// Receivers (bench/blob-receiver.py): Ollama's POST /api/blobs minus the disk.
// The "hashing" one does per byte what Ollama does — hash the body, check the
// digest — then discards it; the "discarding" one only reads, so the sender is the
// bottleneck. Not the Ollama double: it writes each upload to disk (writeback that
// swamps a 2-core machine) and answers 200 without reading once the blob exists.
// In Python (recv_into one 4 MiB buffer, hashlib): a node:http receiver was the
// bottleneck at 0.7–0.8 GB/s and sometimes ran 3–4× slower for a whole transfer;
// it is still used when python3 is missing. curl and ModelShelf pay the same receiver.
//
// The registry's baseline is python3's http.server: a plain file server that is
// not ours, and the faster of the two plain servers measured here (a node:http +
// fs.createReadStream server, shown for context, is slower: 64 KiB reads).
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { createHash, randomFillSync } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rm, stat, type FileHandle } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { request } from "undici";
import { scanLibrary } from "../lib/catalog/scan-library.ts";
import { createDb } from "../lib/db/client.ts";
import { migrateDatabase } from "../lib/db/migrate.ts";
import { GgmlType, GgufValueType, writeGgufHeaderOnly } from "../lib/gguf/index.ts";
import { sharedHashPool } from "../lib/hashing/hash-pool.ts";
import { verifyFile } from "../lib/hashing/verify-file.ts";
import { uploadOllamaBlob } from "../lib/hosts/ollama/upload-ollama-blob.ts";
import { loadPushSource } from "../lib/hosts/push-source.ts";
import type { HostTarget, PushContext, PushFile } from "../lib/hosts/types.ts";
import { loadModelRefs } from "../lib/registry/model-refs.ts";
import { startRegistryServer } from "../lib/registry/registry-server.ts";
import { hashingSettingsSchema, writeHashingSettings } from "../lib/settings/hashing-settings.ts";

const run = promisify(execFile);
const MiB = 1024 * 1024;
/** Generous: a 2 GiB transfer on a loaded 2-core machine must never trip a timeout. */
const TIMEOUT_MS = 120_000;
const PUSH_TARGET = 0.9;
const REGISTRY_TARGET = 0.9;
/** VmHWM may differ by this much between file sizes and still count as constant (allocator and JIT noise). */
const RSS_CONSTANT_MIB = 16;

const { values } = parseArgs({
  options: {
    "size-mib": { type: "string", default: "2048" },
    "rss-size-mib": { type: "string", default: "256" },
    runs: { type: "string", default: "3" },
    keep: { type: "boolean", default: false },
    // Internal: this script re-runs itself as each server and as the pushing process.
    role: { type: "string" },
    discard: { type: "boolean", default: false },
    db: { type: "string" },
    dir: { type: "string" },
    // modelId@url,modelId@url,…
    pushes: { type: "string" },
  },
});

const self = fileURLToPath(import.meta.url);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (bytes: number, seconds: number): number => bytes / 1e6 / seconds;
const verdict = (met: boolean): string => (met ? "met" : "NOT met");
const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(" ");
const mib = (bytes: number): string => (bytes / MiB).toFixed(1);

async function vmHwm(pid: number | "self"): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** CPU seconds (user + system, all threads) a process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

/** Tells the parent where a child server listens. */
function announce(port: number): void {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}` }) + "\n");
}

function untilTerminated(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
}

async function listen(server: http.Server): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  announce((server.address() as AddressInfo).port);
  await untilTerminated();
  server.close();
  server.closeAllConnections();
}

// ---------------------------------------------------------------------------
// Child roles

/** Without python3: bench/blob-receiver.py's job in node:http (HEAD says "absent"; POST hashes, checks, discards). */
async function receiverRole(discard: boolean): Promise<void> {
  const server = http.createServer((req, res) => {
    const digest = /^\/api\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? "")?.[1];
    if (!digest) return void res.writeHead(404).end();
    if (req.method === "HEAD") return void res.writeHead(404, { "Content-Length": 0 }).end();
    if (req.method !== "POST") return void res.writeHead(405).end();
    const hash = discard ? null : createHash("sha256");
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      hash?.update(chunk);
      bytes += chunk.length;
    });
    req.on("end", () => {
      const match = hash === null || `sha256:${hash.digest("hex")}` === digest;
      const body = JSON.stringify({ bytes, match });
      res.writeHead(match ? 201 : 400, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await listen(server);
}

/** The plainest node static file server: GET /<name> pipes fs.createReadStream(<dir>/<name>) with its defaults. */
async function staticRole(dir: string): Promise<void> {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, path.basename(req.url ?? "/"));
    stat(file).then(
      (info) => {
        res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": info.size });
        createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await listen(server);
}

/** ModelShelf's registry over the bench catalogue, as `modelshelf serve` starts it. */
async function registryRole(dbFile: string): Promise<void> {
  const db = createDb(dbFile);
  const server = await startRegistryServer({ db, host: "127.0.0.1", port: 0, fsTimeoutMs: TIMEOUT_MS });
  announce(server.port);
  await untilTerminated();
  await server.close();
  await db.$disconnect();
}

interface PushReport {
  uploads: { modelId: number; seconds: number; cpuSeconds: number; hwmAfter: number }[];
  /** RSS once the catalogue is read and undici has made its first request, before any upload. */
  rssBefore: number;
  hwm: number;
}

interface Push {
  modelId: number;
  url: string;
}

/** Pushes catalogue models' files to receivers in turn, as the Ollama driver does; prints times and memory. */
async function pushRole(dbFile: string, pushes: Push[]): Promise<void> {
  const db = createDb(dbFile);
  try {
    const refs = await loadModelRefs(db);
    const files = new Map<number, PushFile>();
    for (const { modelId } of pushes) {
      const ref = refs.find((r) => r.modelId === modelId);
      if (!ref) throw new Error(`model ${modelId} has no reference`);
      files.set(modelId, (await loadPushSource(db, ref)).files[0]!);
    }
    const ctx: PushContext = {
      signal: new AbortController().signal,
      progress: () => undefined,
      note: () => undefined,
      throttle: null,
      timeoutMs: TIMEOUT_MS,
      fsTimeoutMs: TIMEOUT_MS,
    };
    // A pusher worker has talked to its hosts before it pushes (polls): undici's one-time
    // start-up (its HTTP parser is WebAssembly, compiled on first use) is not part of a push.
    for (const url of new Set(pushes.map((p) => p.url))) await (await request(`${url}/`)).body.dump();
    const report: PushReport = { uploads: [], rssBefore: process.memoryUsage.rss(), hwm: 0 };
    for (const { modelId, url } of pushes) {
      const file = files.get(modelId)!;
      const host: HostTarget = { id: 1, name: "bench-receiver", kind: "ollama", baseUrl: url, delivery: null, modelsDir: null, presetPath: null, pathMap: [] };
      let sent = 0;
      const cpu = process.cpuUsage();
      const started = performance.now();
      const result = await uploadOllamaBlob(host, file, ctx, (bytes) => (sent += bytes));
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      if (result !== "uploaded" || sent !== file.sizeBytes) throw new Error(`push ${result}, ${sent} of ${file.sizeBytes} bytes sent`);
      report.uploads.push({ modelId, seconds, cpuSeconds: (used.user + used.system) / 1e6, hwmAfter: await vmHwm("self") });
    }
    report.hwm = await vmHwm("self");
    process.stdout.write(JSON.stringify(report) + "\n");
  } finally {
    await db.$disconnect();
  }
}

// ---------------------------------------------------------------------------
// Parent plumbing

interface Server {
  child: ChildProcess;
  url: string;
}

function spawnSelf(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", self, ...args], { stdio: ["ignore", "pipe", "inherit"] });
}

/** Waits for a child server to tell where it listens (`parse` finds the URL in its output so far). */
function whenListening(child: ChildProcess, what: string, parse: (out: string) => string | null): Promise<Server> {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const url = parse(out);
      if (url === null) return;
      child.stdout!.off("data", onData);
      child.off("exit", onExit);
      resolve({ child, url });
    };
    const onExit = (code: number | null) => reject(new Error(`${what} exited ${code} before listening`));
    child.stdout!.on("data", onData);
    child.once("error", reject);
    child.once("exit", onExit);
  });
}

function startRole(args: string[]): Promise<Server> {
  return whenListening(spawnSelf(args), args.join(" "), (out) => {
    const line = out.split("\n")[0];
    return out.includes("\n") && line ? (JSON.parse(line) as { url: string }).url : null;
  });
}

/** The blob receiver: bench/blob-receiver.py, or this script's node:http one without python3. */
function startReceiver(discard: boolean, hasPython: boolean): Promise<Server> {
  if (!hasPython) return startRole(["--role", "receiver", ...(discard ? ["--discard"] : [])]);
  const script = path.join(path.dirname(self), "blob-receiver.py");
  const child = spawn("python3", ["-u", script, ...(discard ? ["--discard"] : [])], { stdio: ["ignore", "pipe", "inherit"] });
  return whenListening(child, "bench/blob-receiver.py", (out) => {
    const line = out.split("\n")[0];
    return out.includes("\n") && line ? (JSON.parse(line) as { url: string }).url : null;
  });
}

function startPython(dir: string): Promise<Server> {
  const child = spawn("python3", ["-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir, "0"], { stdio: ["ignore", "pipe", "ignore"] });
  return whenListening(child, "python3 -m http.server", (out) => {
    const port = /port (\d+)/.exec(out)?.[1];
    return port ? `http://127.0.0.1:${port}` : null;
  });
}

async function stopServer(server: Server | null): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once("exit", () => resolve()));
  server.child.kill("SIGTERM");
  await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 5_000))]);
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
}

function pushOnce(dbFile: string, pushes: Push[]): Promise<PushReport> {
  const child = spawnSelf(["--role", "push", "--db", dbFile, "--pushes", pushes.map((p) => `${p.modelId}@${p.url}`).join(",")]);
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as PushReport) : reject(new Error(`push child exited ${code}`))));
  });
}

interface CurlRun {
  /** curl's own time_total. */
  seconds: number;
  downloaded: number;
  body: string;
}

/** Runs curl; resolves with its timing, bytes downloaded and the response body (when not sent to a file). */
async function curl(args: string[]): Promise<CurlRun> {
  const { stdout } = await run("curl", ["-sS", "--fail-with-body", ...args, "-w", "\n%{time_total} %{size_download}"], { maxBuffer: MiB });
  const cut = stdout.lastIndexOf("\n");
  const [seconds, downloaded] = stdout.slice(cut + 1).split(" ").map(Number);
  return { seconds: seconds!, downloaded: downloaded!, body: stdout.slice(0, cut) };
}

async function curlUpload(file: string, url: string, bytes: number): Promise<number> {
  // Expect: off, as undici sends none; both clients then stream the body straight after the headers.
  const result = await curl(["-X", "POST", "-T", file, "-H", "Content-Type: application/octet-stream", "-H", "Expect:", url]);
  const answer = JSON.parse(result.body) as { bytes: number; match: boolean };
  if (!answer.match || answer.bytes !== bytes) throw new Error(`curl upload: receiver got ${answer.bytes} bytes, digest match ${answer.match}`);
  return result.seconds;
}

async function curlDownload(url: string, bytes: number): Promise<number> {
  const result = await curl(["-o", "/dev/null", url]);
  if (result.downloaded !== bytes) throw new Error(`curl ${url}: ${result.downloaded} bytes, expected ${bytes}`);
  return result.seconds;
}

/** The digest of what a GET of `url` delivers, through curl. */
function downloadDigest(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("curl", ["-sS", "--fail", url], { stdio: ["ignore", "pipe", "inherit"] });
    const hash = createHash("sha256");
    child.stdout.on("data", (chunk: Buffer) => hash.update(chunk));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve(`sha256:${hash.digest("hex")}`) : reject(new Error(`curl ${url} exited ${code}`))));
  });
}

async function writeRandom(handle: FileHandle, from: number, bytes: number): Promise<void> {
  const block = new Uint8Array(16 * MiB);
  for (let done = 0; done < bytes; done += block.length) {
    randomFillSync(block);
    await handle.write(block, 0, Math.min(block.length, bytes - done), from + done);
  }
}

/** A valid GGUF of exactly `sizeBytes`: a small llama header and one F32 tensor of random bytes. */
async function writeModel(file: string, sizeBytes: number, name: string): Promise<void> {
  const layout = (elements: number) =>
    writeGgufHeaderOnly({
      metadata: [
        { key: "general.architecture", type: GgufValueType.STRING, value: "llama" },
        { key: "general.name", type: GgufValueType.STRING, value: name },
        { key: "general.file_type", type: GgufValueType.UINT32, value: 0 },
      ],
      tensors: [{ name: "token_embd.weight", dims: [elements], type: GgmlType.F32 }],
    });
  const offset = layout(1).tensorDataOffset;
  const built = layout((sizeBytes - offset) / 4);
  if (built.fileSize !== sizeBytes) throw new Error(`GGUF layout is ${built.fileSize} bytes, wanted ${sizeBytes}`);
  const handle = await open(file, "w");
  try {
    await handle.write(built.header, 0, built.header.length, 0);
    await writeRandom(handle, built.tensorDataOffset, sizeBytes - built.tensorDataOffset);
  } finally {
    await handle.close();
  }
}

interface CatalogueModel {
  sizeMiB: number;
  sizeBytes: number;
  file: string;
  fileName: string;
  modelId: number;
  repository: string;
  digest: string;
}

/** Writes the models, scans the library and verifies every file (which reads each once: page cache warm). */
async function buildCatalogue(root: string, dbFile: string, sizesMiB: number[]): Promise<CatalogueModel[]> {
  await mkdir(root);
  for (const sizeMiB of sizesMiB) await writeModel(path.join(root, `bench-push-${sizeMiB}mib.gguf`), sizeMiB * MiB, `Bench Push ${sizeMiB} MiB`);
  await migrateDatabase(dbFile);
  const db = createDb(dbFile);
  try {
    await writeHashingSettings(db, hashingSettingsSchema.parse({ verifyNewFiles: false }));
    const library = await db.library.create({ data: { path: root, source: "cli" } });
    await scanLibrary(db, { libraryId: library.id, trigger: "cli", acceptMissing: false }, { settings: { stableMs: 0, fsTimeoutMs: TIMEOUT_MS } });
    for (const file of await db.libraryFile.findMany({ where: { libraryId: library.id, state: "indexed" } })) {
      const outcome = await verifyFile(db, file.id, { trigger: "cli", readTimeoutMs: TIMEOUT_MS });
      if (outcome.status !== "verified") throw new Error(`${file.relPath}: ${outcome.status} (${outcome.message})`);
    }
    const refs = await loadModelRefs(db);
    const models: CatalogueModel[] = [];
    for (const sizeMiB of sizesMiB) {
      const fileName = `bench-push-${sizeMiB}mib.gguf`;
      const row = await db.libraryFile.findFirst({ where: { libraryId: library.id, relPath: fileName }, select: { sha256: true, modelId: true } });
      const ref = refs.find((r) => r.modelId === row?.modelId);
      if (!row?.sha256 || !ref) throw new Error(`${fileName} was not catalogued as a verified model`);
      models.push({ sizeMiB, sizeBytes: sizeMiB * MiB, file: path.join(root, fileName), fileName, modelId: ref.modelId, repository: ref.repository, digest: `sha256:${row.sha256}` });
    }
    return models;
  } finally {
    await db.$disconnect();
    await sharedHashPool().close();
  }
}

interface Servers {
  hashing: Server;
  discarding: Server;
  python: Server | null;
  plainNode: Server;
}

interface SizeResult {
  model: CatalogueModel;
  /** Per run, one pushing process: [1st upload → hashing receiver, 2nd → hashing, 3rd → discarding]. */
  push: PushReport[];
  curlHashing: number[];
  curlDiscarding: number[];
  registry: number[];
  python: number[];
  plainNode: number[];
  /** CPU seconds per GET, per server. */
  cpu: { registry: number[]; python: number[]; plainNode: number[] };
  /** The registry process's VmHWM once it has served this file (sizes go smallest first). */
  registryHwm: number;
}

async function timedGet(url: string, bytes: number, pid: number, seconds: number[], cpu: number[]): Promise<void> {
  const before = await cpuSeconds(pid);
  seconds.push(await curlDownload(url, bytes));
  cpu.push((await cpuSeconds(pid)) - before);
}

/** All timed measurements for one file, against the shared servers and the one registry process. */
async function measureSize(model: CatalogueModel, dbFile: string, servers: Servers, registry: Server, runs: number): Promise<SizeResult> {
  const result: SizeResult = { model, push: [], curlHashing: [], curlDiscarding: [], registry: [], python: [], plainNode: [], cpu: { registry: [], python: [], plainNode: [] }, registryHwm: 0 };
  const blob = (server: Server) => `${server.url}/api/blobs/${model.digest}`;
  const { modelId } = model;
  for (let i = 0; i < runs; i++) {
    result.curlHashing.push(await curlUpload(model.file, blob(servers.hashing), model.sizeBytes));
    result.push.push(await pushOnce(dbFile, [servers.hashing, servers.hashing, servers.discarding].map((s) => ({ modelId, url: s.url }))));
    result.curlDiscarding.push(await curlUpload(model.file, blob(servers.discarding), model.sizeBytes));
  }

  const registryBlob = `${registry.url}/v2/${model.repository}/blobs/${model.digest}`;
  // Untimed: the registry serves exactly the catalogued bytes (and every path is warm).
  const served = await downloadDigest(registryBlob);
  if (served !== model.digest) throw new Error(`the registry served ${served} for ${model.digest}`);
  const pythonBlob = servers.python ? `${servers.python.url}/${model.fileName}` : null;
  const nodeBlob = `${servers.plainNode.url}/${model.fileName}`;
  if (pythonBlob) await curlDownload(pythonBlob, model.sizeBytes);
  await curlDownload(nodeBlob, model.sizeBytes);
  for (let i = 0; i < runs; i++) {
    if (pythonBlob) await timedGet(pythonBlob, model.sizeBytes, servers.python!.child.pid!, result.python, result.cpu.python);
    await timedGet(registryBlob, model.sizeBytes, registry.child.pid!, result.registry, result.cpu.registry);
    await timedGet(nodeBlob, model.sizeBytes, servers.plainNode.child.pid!, result.plainNode, result.cpu.plainNode);
  }
  result.registryHwm = await vmHwm(registry.child.pid!);
  return result;
}

interface MemoryResult {
  /** One pushing process: VmHWM before any upload, after pushing each file twice (smallest first). */
  pushBefore: number;
  pushAfter: { sizeMiB: number; hwm: number }[];
  /** The registry process: VmHWM once ready (one HEAD answered), after serving each file. */
  registryIdle: number;
  registryAfter: { sizeMiB: number; hwm: number }[];
}

async function machine(): Promise<string> {
  const cpus = os.cpus();
  const curlVersion = (await run("curl", ["--version"])).stdout.split("\n")[0]!.split(" ").slice(0, 2).join(" ");
  const python = await run("python3", ["--version"]).then(
    (r) => r.stdout.trim(),
    () => "no python3",
  );
  return [
    `machine: ${os.availableParallelism()} cores × ${cpus[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}`,
    `node ${process.version}, ${curlVersion}, ${python}`,
  ].join("\n");
}

async function main(): Promise<void> {
  const sizeMiB = Number(values["size-mib"]);
  const rssSizeMiB = Number(values["rss-size-mib"]);
  const runs = Number(values.runs);
  if (!Number.isInteger(sizeMiB) || sizeMiB < 1) throw new Error(`--size-mib must be a positive integer, got "${values["size-mib"]}"`);
  if (!Number.isInteger(rssSizeMiB) || rssSizeMiB < 0) throw new Error(`--rss-size-mib must be a non-negative integer, got "${values["rss-size-mib"]}"`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got "${values.runs}"`);
  console.log(await machine());
  console.log(`load average at start: ${load()}`);

  const dir = await mkdtemp(path.join(os.tmpdir(), "modelshelf-bench-push-"));
  const root = path.join(dir, "library");
  const dbFile = path.join(dir, "catalogue.db");
  const started: Server[] = [];
  const start = async (server: Promise<Server>) => {
    const s = await server;
    started.push(s);
    return s;
  };
  try {
    const sizes = rssSizeMiB > 0 && rssSizeMiB !== sizeMiB ? [sizeMiB, rssSizeMiB] : [sizeMiB];
    console.log(`writing ${sizes.map((s) => `${s} MiB`).join(" + ")} of GGUF (random tensor bytes) in ${dir}, scanning and verifying …`);
    const models = await buildCatalogue(root, dbFile, sizes);
    const hasPython = await run("python3", ["--version"]).then(
      () => true,
      () => false,
    );
    const servers: Servers = {
      hashing: await start(startReceiver(false, hasPython)),
      discarding: await start(startReceiver(true, hasPython)),
      python: hasPython ? await start(startPython(root)) : null,
      plainNode: await start(startRole(["--role", "static", "--dir", root])),
    };
    if (!hasPython) console.log("python3 is missing: node:http receivers, and the registry is compared with the node static server");
    // Smallest file first, in the same registry process and in one pushing process, so
    // that what the bigger file adds to their peak RSS is what "constant" is judged on.
    const ascending = [...models].sort((a, b) => a.sizeBytes - b.sizeBytes);
    const registry = await start(startRole(["--role", "registry", "--db", dbFile]));
    // One HEAD loads the catalogue lookups: the idle figure is a ready server that has not streamed yet.
    await run("curl", ["-sS", "--fail", "-I", "-o", "/dev/null", `${registry.url}/v2/${ascending[0]!.repository}/blobs/${ascending[0]!.digest}`]);
    const memory: MemoryResult = { pushBefore: 0, pushAfter: [], registryIdle: await vmHwm(registry.child.pid!), registryAfter: [] };
    const results: SizeResult[] = [];
    for (const model of ascending) {
      console.log(`measuring ${model.sizeMiB} MiB (${runs} runs) …`);
      const result = await measureSize(model, dbFile, servers, registry, runs);
      memory.registryAfter.push({ sizeMiB: model.sizeMiB, hwm: result.registryHwm });
      results.push(result);
    }
    console.log("peak RSS of one pushing process pushing each file twice, smallest first …");
    const probe = await pushOnce(dbFile, ascending.flatMap((m) => [m, m]).map((m) => ({ modelId: m.modelId, url: servers.discarding.url })));
    memory.pushBefore = probe.rssBefore;
    memory.pushAfter = ascending.map((m, i) => ({ sizeMiB: m.sizeMiB, hwm: probe.uploads[2 * i + 1]!.hwmAfter }));
    // The --size-mib file first: the targets are judged on it.
    report([...results].sort((a, b) => Number(b.model.sizeMiB === sizeMiB) - Number(a.model.sizeMiB === sizeMiB)), memory, runs);
    console.log(`load average at end: ${load()}`);
  } finally {
    for (const server of started) await stopServer(server);
    if (!values.keep) await rm(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

function report(results: SizeResult[], memory: MemoryResult, runs: number): void {
  const rows: string[][] = [["measure", "result", "target"]];
  const ratio = (label: string, bytes: number, ours: number[], theirs: number[], target: number | null): number => {
    const r = median(theirs) / median(ours);
    rows.push([label, `${mbps(bytes, median(ours)).toFixed(0)} vs ${mbps(bytes, median(theirs)).toFixed(0)} MB/s = ${r.toFixed(2)}×`, target === null ? "—" : `≥ ${target}×: ${verdict(r >= target)}`]);
    return r;
  };
  const [main] = results;
  for (const r of results) {
    const bytes = r.model.sizeBytes;
    const size = `${r.model.sizeMiB} MiB`;
    const isMain = r === main;
    const upload = (index: number) => r.push.map((p) => p.uploads[index]!.seconds);
    ratio(`${size} push → hashing receiver (as Ollama): ours (2nd upload of the process) vs curl -T`, bytes, upload(1), r.curlHashing, isMain ? PUSH_TARGET : null);
    ratio(`${size} push → discarding receiver (sender-bound): ours (3rd upload) vs curl -T`, bytes, upload(2), r.curlDiscarding, isMain ? PUSH_TARGET : null);
    ratio(`${size} push → hashing receiver: ours (1st upload of a fresh process) vs curl -T`, bytes, upload(0), r.curlHashing, null);
    const baseline = r.python.length > 0 ? r.python : r.plainNode;
    ratio(`${size} registry GET: ours vs ${r.python.length > 0 ? "python3 -m http.server" : "node:http + createReadStream"} (curl -o /dev/null)`, bytes, r.registry, baseline, isMain ? REGISTRY_TARGET : null);
    if (r.python.length > 0) ratio(`${size} registry GET: ours vs node:http + fs.createReadStream`, bytes, r.registry, r.plainNode, null);
    const pushCpu = median(r.push.map((p) => p.uploads[1]!.cpuSeconds)) / (bytes / 2 ** 30);
    const cpuPerGiB = (xs: number[]) => (xs.length > 0 ? `${(median(xs) / (bytes / 2 ** 30)).toFixed(2)}` : "—");
    rows.push([`${size} CPU s per GiB: pusher (2nd upload) / registry / python / node static`, `${pushCpu.toFixed(2)} / ${cpuPerGiB(r.cpu.registry)} / ${cpuPerGiB(r.cpu.python)} / ${cpuPerGiB(r.cpu.plainNode)}`, "—"]);
  }
  const growth = (after: { sizeMiB: number; hwm: number }[]) => (after.length > 1 ? (after.at(-1)!.hwm - after[0]!.hwm) / MiB : 0);
  const steps = (before: number, after: { sizeMiB: number; hwm: number }[]) => [mib(before), ...after.map((a) => `${mib(a.hwm)} (${a.sizeMiB} MiB)`)].join(" → ");
  const constant = (after: { sizeMiB: number; hwm: number }[]) => (after.length > 1 ? `+${growth(after).toFixed(1)} MiB for the bigger file: ${verdict(Math.abs(growth(after)) <= RSS_CONSTANT_MIB)} (≤ ${RSS_CONSTANT_MIB})` : "—");
  rows.push(["peak RSS, pushing process: ready → after pushing each file twice", `${steps(memory.pushBefore, memory.pushAfter)} MiB`, constant(memory.pushAfter)]);
  rows.push(["peak RSS, registry process: ready → after serving each file", `${steps(memory.registryIdle, memory.registryAfter)} MiB`, constant(memory.registryAfter)]);
  console.log("");
  console.log(`results (medians of ${runs}; ratio = throughput ours / baseline, both measured in this run):`);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const row of rows) console.log(`  ${row.map((cell, c) => cell.padEnd(widths[c]!)).join("  │  ")}`);

  console.log("");
  const list = (xs: number[]) => xs.map((s) => s.toFixed(3)).join(", ");
  for (const r of results) {
    console.log(`${r.model.sizeMiB} MiB, seconds per run:`);
    for (const [index, label] of ["push 1st, hashing", "push 2nd, hashing", "push 3rd, discarding"].entries()) {
      console.log(`  ours ${label.padEnd(22)} ${list(r.push.map((p) => p.uploads[index]!.seconds))}`);
    }
    console.log(`  curl -T → hashing          ${list(r.curlHashing)}`);
    console.log(`  curl -T → discarding       ${list(r.curlDiscarding)}`);
    console.log(`  GET registry               ${list(r.registry)}`);
    if (r.python.length > 0) console.log(`  GET python3 http.server    ${list(r.python)}`);
    console.log(`  GET node static            ${list(r.plainNode)}`);
    const rss = (p: PushReport) => [p.rssBefore, ...p.uploads.map((u) => u.hwmAfter)].map(mib).join(" → ");
    console.log(`  pushing processes, RSS when ready then VmHWM after each upload (MiB): ${r.push.map(rss).join("; ")}`);
  }
}

switch (values.role) {
  case undefined:
    await main();
    break;
  case "receiver":
    await receiverRole(values.discard === true);
    break;
  case "static":
    await staticRole(String(values.dir));
    break;
  case "registry":
    await registryRole(String(values.db));
    break;
  case "push":
    await pushRole(
      String(values.db),
      String(values.pushes)
        .split(",")
        .map((push) => ({ modelId: Number(push.slice(0, push.indexOf("@"))), url: push.slice(push.indexOf("@") + 1) })),
    );
    break;
  default:
    throw new Error(`unknown --role ${values.role}`);
}
