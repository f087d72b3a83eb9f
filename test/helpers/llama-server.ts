// A real llama-server for tests: built once per machine from node-llama-cpp's
// bundled llama.cpp (scripts/build-llama-server.sh), started in router mode on
// loopback with the smallest settings that still load and answer, and stopped
// with its whole process group (the router's per-model children included).
// No vitest imports, so scripts can use it too.
import { spawn } from "node:child_process";
import { constants as fsConstants, promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BUILD_SCRIPT = path.join(repoRoot, "scripts", "build-llama-server.sh");

/** A cold build takes ~8–10 min on 2 cores (formats.md 5.3); a busy CI machine may need twice that. */
export const LLAMA_SERVER_BUILD_TIMEOUT_MS = 30 * 60_000;
/** The router answers /health within ~0.1 s of starting; a loaded machine may take a few seconds. */
const READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 50;
/** The router stops its children (stop-timeout 10 s by default) before exiting; after this it is killed. */
const STOP_TIMEOUT_MS = 15_000;
/** Log output kept for failure messages; the router logs every request, so older lines are dropped. */
const MAX_LOG_CHARS = 200_000;

/** The end of the build's log kept for an error message (the whole log is megabytes of compiler lines). */
const BUILD_LOG_TAIL_CHARS = 20_000;

/** Runs the build script (waits for a build in progress) and returns the binary's path. */
export async function ensureLlamaServerBinary(): Promise<string> {
  const child = spawn("bash", [BUILD_SCRIPT], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let log = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-BUILD_LOG_TAIL_CHARS);
  });
  const timer = setTimeout(() => child.kill("SIGTERM"), LLAMA_SERVER_BUILD_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`${BUILD_SCRIPT} exited with ${code ?? "a signal"}:\n${log}`);
  const binary = stdout.trim().split("\n").at(-1) ?? "";
  await fsp.access(binary, fsConstants.X_OK);
  return binary;
}

/**
 * The binary, or why the llama-server tests are skipped. Outside CI a failed build
 * only skips them (a developer may lack cmake); in CI it fails loudly.
 */
export async function llamaServerForTests(): Promise<{ binary: string; skip: null } | { binary: null; skip: string }> {
  try {
    return { binary: await ensureLlamaServerBinary(), skip: null };
  } catch (error) {
    const reason = `llama-server could not be built: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI) throw new Error(reason, { cause: error });
    console.warn(`real llama-server tests skipped: ${reason}`);
    return { binary: null, skip: reason };
  }
}

export interface StartLlamaServerOptions {
  binary: string;
  /** --models-dir. */
  modelsDir?: string;
  /** --models-preset (the file must exist). */
  presetPath?: string;
  /** -c for every model; null leaves it to the preset or the model (default 256: tiny models, little RAM). */
  ctxSize?: number | null;
  /** --models-max (default 1: one loaded model at a time on a 2-core machine). */
  modelsMax?: number;
  extraArgs?: string[];
}

export interface LlamaServerProcess {
  /** http://127.0.0.1:<port>, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Everything the router (and its children) printed, most recent part. */
  readonly logs: string;
  /** Stops the process group; idempotent. */
  close(): Promise<void>;
}

const running = new Set<number>();
process.once("exit", () => {
  for (const pid of running) killGroup(pid, "SIGKILL");
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we want.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** A port found free may be taken before llama-server binds it: fresh ports are tried this often. */
const START_ATTEMPTS = 3;

/** Starts llama-server in router mode on a free loopback port and waits for /health. */
export async function startLlamaServer(options: StartLlamaServerOptions): Promise<LlamaServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= START_ATTEMPTS) throw error;
    }
  }
}

async function startOnce(options: StartLlamaServerOptions): Promise<LlamaServerProcess> {
  // An empty Hugging Face cache: models cached on this machine must not appear in /models.
  const cacheDir = await fsp.mkdtemp(path.join(os.tmpdir(), "modelshelf-llama-cache-"));
  const port = await freePort();
  const args = ["--host", "127.0.0.1", "--port", String(port), "-t", "1", "--models-max", String(options.modelsMax ?? 1)];
  const ctxSize = options.ctxSize === undefined ? 256 : options.ctxSize;
  if (ctxSize !== null) args.push("-c", String(ctxSize));
  if (options.modelsDir) args.push("--models-dir", options.modelsDir);
  if (options.presetPath) args.push("--models-preset", options.presetPath);
  args.push(...(options.extraArgs ?? []));

  const env: NodeJS.ProcessEnv = { ...process.env, LLAMA_CACHE: cacheDir };
  // Settings from the developer's shell would change what the tests see.
  for (const key of Object.keys(env)) if (key.startsWith("LLAMA_ARG_")) delete env[key];
  // detached: a new process group, so close() reaches the router's children too.
  const child = spawn(options.binary, args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`llama-server did not start: ${options.binary}`);
  running.add(pid);
  let logs = "";
  const collect = (chunk: Buffer): void => {
    logs += chunk.toString("utf8");
    if (logs.length > MAX_LOG_CHARS) logs = logs.slice(-MAX_LOG_CHARS / 2);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
    running.delete(pid);
  });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      if (!gone) {
        killGroup(pid, "SIGTERM");
        const timer = setTimeout(() => killGroup(pid, "SIGKILL"), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      // Children that outlived the router (they share its group) go too.
      killGroup(pid, "SIGKILL");
      running.delete(pid);
      await fsp.rm(cacheDir, { recursive: true, force: true });
    })());

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (gone) {
      await close();
      throw new Error(`llama-server exited during start-up (${options.binary} ${args.join(" ")}):\n${logs.slice(-3000)}`);
    }
    const healthy = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`llama-server not healthy after ${READY_TIMEOUT_MS} ms:\n${logs.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }

  return {
    url,
    port,
    get logs() {
      return logs;
    },
    close,
  };
}

/** What a driver reported through its PushContext, for assertions. */
export interface RecordedPush {
  ctx: {
    signal: AbortSignal;
    progress(done: number, total: number, unit: "bytes" | "steps", message?: string): void;
    note(message: string): void;
    throttle: null;
    timeoutMs: number;
    fsTimeoutMs: number;
  };
  notes: string[];
  progress: { done: number; total: number; unit: string; message: string | undefined }[];
}

/** A PushContext that records notes and progress (structurally lib/hosts/types.ts PushContext). */
export function recordingPushContext(timeouts: { timeoutMs?: number; fsTimeoutMs?: number } = {}): RecordedPush {
  const notes: string[] = [];
  const progress: RecordedPush["progress"] = [];
  return {
    notes,
    progress,
    ctx: {
      signal: new AbortController().signal,
      progress: (done, total, unit, message) => progress.push({ done, total, unit, message }),
      note: (message) => notes.push(message),
      throttle: null,
      timeoutMs: timeouts.timeoutMs ?? 30_000,
      fsTimeoutMs: timeouts.fsTimeoutMs ?? 30_000,
    },
  };
}

/** POST /v1/chat/completions with greedy sampling: random-weight models answer deterministically (formats.md 5.4). */
export async function chatOnce(url: string, model: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }], max_tokens: 4, temperature: 0 }),
    signal: AbortSignal.timeout(120_000),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}
