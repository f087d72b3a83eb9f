// A real NFS server for tests and benchmarks: Debian's nfs-ganesha (VFS backend)
// on loopback, exporting a directory the caller owns, plus rpcbind if nothing
// listens on port 111 yet. No vitest imports: bench/nfs.ts uses it too.
//
// Parallel instances (vitest runs test files in several processes) — what we found
// with ganesha 4.3 and rpcbind 1.2.6:
// - Each instance gets its own NFS_Port and MNT_Port and serves them independently;
//   clients that name both ports (nfs://…?nfsport=&mountport=) never need rpcbind.
// - But there is one rpcbind, and ganesha's registration is "last one wins": at
//   start-up an instance unsets programs 100003/100005 and sets its own ports, and at
//   shutdown it unsets them — wiping the entries of any other instance still running.
//   Ganesha has no option to skip registration (NFS_Program/MNT_Program only renumber
//   the programs, which real clients would not find).
// So every registration change (start, stop, restart) and every test that relies on
// the portmapper (withPortmap) runs under one cross-process lock file; withPortmap
// re-registers its instance (by restarting it) when another instance took over.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, promises as fsp, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.ts";

const run = promisify(execFile);

/** A ready ganesha answers in < 0.1 s here; 20 s allows for a loaded CI machine. */
const READY_TIMEOUT_MS = 20_000;
/** ganesha stops within ~1 s on SIGTERM; after this it is killed. */
const STOP_TIMEOUT_MS = 5_000;
/** Other test files hold the lock for a few seconds at most. */
const LOCK_TIMEOUT_MS = 120_000;
const LOCK_POLL_MS = 25;
const LOCK_FILE = path.join(os.tmpdir(), "modelshelf-ganesha.lock");
/** Which process uses rpcbind, and whether tests started it (then the last user stops it). */
const RPCBIND_STATE_FILE = path.join(os.tmpdir(), "modelshelf-ganesha-rpcbind.json");
const SEARCH_DIRS = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", ...(process.env.PATH ?? "").split(":")];
const VFS_FSAL_PATHS = ["/usr/lib/x86_64-linux-gnu/ganesha/libfsalvfs.so", "/usr/lib/aarch64-linux-gnu/ganesha/libfsalvfs.so", "/usr/lib/ganesha/libfsalvfs.so", "/usr/lib64/ganesha/libfsalvfs.so"];
const INSTALL_HINT = "apt-get install -y nfs-ganesha nfs-ganesha-vfs rpcbind libnfs-utils";

function findBinary(name: string): string | null {
  for (const dir of SEARCH_DIRS) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/** What is missing to run ganesha here (binaries, the VFS backend). */
export function missingGaneshaTools(): string[] {
  const missing = ["ganesha.nfsd", "rpcbind"].filter((name) => findBinary(name) === null);
  if (!VFS_FSAL_PATHS.some((p) => existsSync(p))) missing.push("nfs-ganesha-vfs (libfsalvfs.so)");
  return missing;
}

export function ganeshaAvailable(): boolean {
  return missingGaneshaTools().length === 0;
}

/** libnfs's command-line client, for cross-checks. */
export function missingLibnfsTools(): string[] {
  return ["nfs-cat", "nfs-ls", "nfs-cp"].filter((name) => findBinary(name) === null);
}

/**
 * Why NFS tests must be skipped, or null when they run. They are skipped only when
 * tools are missing AND this is not CI: in CI a missing server must fail loudly.
 */
export function nfsSkipReason(needs: { libnfs?: boolean } = {}): string | null {
  const missing = [...missingGaneshaTools(), ...(needs.libnfs ? missingLibnfsTools() : [])];
  if (missing.length === 0 || process.env.CI) return null;
  return `real-NFS tests skipped: ${missing.join(", ")} not installed (${INSTALL_HINT})`;
}

// ---------------------------------------------------------------- locking

let inProcessLock: Promise<unknown> = Promise.resolve();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function acquireFileLock(): Promise<void> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      await fsp.writeFile(LOCK_FILE, String(process.pid), { flag: "wx" });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number(await fsp.readFile(LOCK_FILE, "utf8").catch((error: unknown) => {
      // The holder released it between our attempt and this read: try again.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
      throw error;
    }));
    if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) {
      await fsp.rm(LOCK_FILE, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`ganesha lock ${LOCK_FILE} held by pid ${holder} for over ${LOCK_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/** Runs `fn` while no other process (or other instance here) changes rpcbind registrations. */
async function withRegistrationLock<T>(fn: () => Promise<T>): Promise<T> {
  const previous = inProcessLock;
  let release!: () => void;
  inProcessLock = new Promise<void>((resolve) => (release = resolve));
  await previous;
  try {
    await acquireFileLock();
    try {
      return await fn();
    } finally {
      await fsp.rm(LOCK_FILE, { force: true });
    }
  } finally {
    release();
  }
}

// ---------------------------------------------------------------- rpcbind

interface RpcbindState {
  /** rpcbind started by a test process, or null when it was already running. */
  pid: number | null;
  users: number[];
}

let rpcbindUsersHere = 0;

function canConnect(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function readRpcbindState(): Promise<RpcbindState> {
  try {
    const state = JSON.parse(await fsp.readFile(RPCBIND_STATE_FILE, "utf8")) as RpcbindState;
    return { pid: state.pid, users: state.users.filter(processAlive) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { pid: null, users: [] };
    throw error;
  }
}

/** Under the lock: makes sure rpcbind runs and counts this process as a user. */
async function useRpcbind(): Promise<void> {
  const state = await readRpcbindState();
  if (!(await canConnect(111))) {
    const binary = findBinary("rpcbind");
    if (!binary) throw new Error(`rpcbind is not installed (${INSTALL_HINT})`);
    // -f: stay in the foreground (we own the process); -w: warm start, as in stack.md.
    const child = spawn(binary, ["-f", "-w"], { detached: true, stdio: "ignore" });
    child.unref();
    state.pid = child.pid ?? null;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await canConnect(111))) {
      if (Date.now() > deadline) throw new Error("rpcbind did not start listening on port 111");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  if (!state.users.includes(process.pid)) state.users.push(process.pid);
  rpcbindUsersHere++;
  await fsp.writeFile(RPCBIND_STATE_FILE, JSON.stringify(state));
}

/** Under the lock: the last user stops the rpcbind tests started (never one that ran before). */
async function releaseRpcbind(): Promise<void> {
  rpcbindUsersHere--;
  if (rpcbindUsersHere > 0) return;
  const state = await readRpcbindState();
  state.users = state.users.filter((pid) => pid !== process.pid);
  if (state.users.length === 0 && state.pid !== null) {
    if (processAlive(state.pid)) process.kill(state.pid, "SIGTERM");
    state.pid = null;
  }
  await fsp.writeFile(RPCBIND_STATE_FILE, JSON.stringify(state));
}

// ---------------------------------------------------------------- ganesha

export interface GaneshaExtraExport {
  dir: string;
  /** Only these clients may mount it (a CLIENT block); everyone when absent. */
  clients?: string[];
}

export interface StartGaneshaOptions {
  exportDir: string;
  extraExports?: GaneshaExtraExport[];
}

export interface GaneshaServer {
  readonly host: "127.0.0.1";
  readonly nfsPort: number;
  readonly mountPort: number;
  /** The NFSv3 mount path of the export (its real path on disk). */
  readonly exportPath: string;
  readonly logFile: string;
  /** PID of the running ganesha.nfsd (changes on restart). */
  readonly pid: number;
  /** nfs://127.0.0.1/<export>/<sub>?nfsport=&mountport= (plus `query`). */
  url(sub?: string, query?: Record<string, string | number>): string;
  /** The same URL as libnfs's tools want it (version=3 added). */
  libnfsUrl(sub?: string): string;
  /** Sends a signal to ganesha (SIGKILL to crash it). */
  signal(signal: NodeJS.Signals): void;
  /**
   * Freezes ganesha (SIGSTOP) and returns once every one of its threads has
   * stopped: on a busy machine threads keep answering for tens of ms after kill(2).
   */
  hang(): Promise<void>;
  /** Lets a hung ganesha run again (SIGCONT). */
  resume(): void;
  /** Stops (if running) and starts again on the same ports. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Runs `fn` while this instance is the one registered with rpcbind. */
  withPortmap<T>(fn: () => Promise<T>): Promise<T>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function exportBlock(id: number, dir: string, pseudo: string, clients?: string[]): string {
  const access = clients ? `Access_Type = None; CLIENT { Clients = ${clients.join(", ")}; Access_Type = RO; }` : "Access_Type = RW;";
  return `EXPORT { Export_Id = ${id}; Path = "${dir}"; Pseudo = "${pseudo}"; ${access} Squash = No_Root_Squash; Protocols = 3, 4; Transports = TCP; SecType = sys; Attr_Expiration_Time = 0; FSAL { Name = VFS; } }`;
}

function ganeshaConfig(workDir: string, nfsPort: number, mountPort: number, exports: string[]): string {
  return [
    // UDP off: a free TCP port is not necessarily free for UDP, and nothing here uses it.
    `NFS_CORE_PARAM { Bind_Addr = 127.0.0.1; NFS_Port = ${nfsPort}; MNT_Port = ${mountPort}; Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false; Protocols = 3, 4; }`,
    // Own recovery directory: instances must not share NFSv4 client state.
    `NFSv4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = "${path.join(workDir, "recovery")}"; }`,
    `NFS_KRB5 { Active_krb5 = false; }`,
    // Tests change the exported tree directly on disk, behind ganesha's back. Without
    // these, ganesha serves its cached attributes and folder entries (for up to 60 s)
    // where a kernel NFS server on a NAS would see the change at once.
    `MDCACHE { Dir_Chunk = 0; Use_Getattr_Directory_Invalidation = true; }`,
    ...exports,
    "",
  ].join("\n");
}

/** Starts ganesha exporting `exportDir` (and any extra exports) on two free loopback ports. */
export async function startGanesha(options: StartGaneshaOptions): Promise<GaneshaServer> {
  const missing = missingGaneshaTools();
  if (missing.length > 0) throw new Error(`cannot start ganesha: ${missing.join(", ")} missing (${INSTALL_HINT})`);
  const binary = findBinary("ganesha.nfsd") as string;
  const exportPath = await fsp.realpath(options.exportDir);
  const workDir = await fsp.mkdtemp(path.join(os.tmpdir(), "modelshelf-ganesha-"));
  const confFile = path.join(workDir, "ganesha.conf");
  const logFile = path.join(workDir, "ganesha.log");
  const pidFile = path.join(workDir, "ganesha.pid");
  const tag = path.basename(workDir);
  const exports = [exportBlock(1, exportPath, `/${tag}`)];
  for (const [i, extra] of (options.extraExports ?? []).entries()) {
    exports.push(exportBlock(i + 2, await fsp.realpath(extra.dir), `/${tag}-${i + 2}`, extra.clients));
  }

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let nfsPort = 0;
  let mountPort = 0;

  const launch = async (): Promise<void> => {
    await fsp.writeFile(confFile, ganeshaConfig(workDir, nfsPort, mountPort, exports));
    await fsp.writeFile(logFile, "");
    const proc = spawn(binary, ["-F", "-f", confFile, "-L", logFile, "-p", pidFile], { stdio: "ignore" });
    child = proc;
    running.add(proc);
    let gone = false;
    exited = new Promise<void>((resolve) => {
      proc.once("exit", () => {
        gone = true;
        running.delete(proc);
        resolve();
      });
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (gone) throw new Error(`ganesha.nfsd exited during start-up; log ${logFile}:\n${readFileSync(logFile, "utf8").slice(-2000)}`);
      const log = readFileSync(logFile, "utf8");
      if (log.includes("NFS SERVER INITIALIZED") && (await canConnect(nfsPort)) && (await canConnect(mountPort))) return;
      if (Date.now() > deadline) {
        proc.kill("SIGKILL");
        throw new Error(`ganesha.nfsd not ready after ${READY_TIMEOUT_MS} ms; log ${logFile}:\n${log.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const halt = async (): Promise<void> => {
    const proc = child;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill("SIGCONT");
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  await withRegistrationLock(async () => {
    await useRpcbind();
    // A port found free may be taken before ganesha binds it: try fresh ports a few times.
    for (let attempt = 1; ; attempt++) {
      nfsPort = await freePort();
      mountPort = await freePort();
      if (mountPort === nfsPort) continue;
      try {
        await launch();
        return;
      } catch (error) {
        if (attempt >= 3) {
          await releaseRpcbind();
          throw error;
        }
      }
    }
  });

  const withPort = (sub: string, query: string): string => {
    const subPath = sub.split("/").filter(Boolean).map(encodeURIComponent).join("/");
    return `nfs://127.0.0.1${exportPath}${subPath ? `/${subPath}` : ""}?${query}`;
  };
  let stopped = false;

  return {
    host: "127.0.0.1",
    get nfsPort() {
      return nfsPort;
    },
    get mountPort() {
      return mountPort;
    },
    exportPath,
    logFile,
    get pid() {
      return child?.pid ?? 0;
    },
    url(sub = "", query = {}) {
      const extra = Object.entries(query).map(([k, v]) => `&${k}=${encodeURIComponent(String(v))}`);
      return withPort(sub, `nfsport=${nfsPort}&mountport=${mountPort}${extra.join("")}`);
    },
    libnfsUrl(sub = "") {
      return withPort(sub, `version=3&nfsport=${nfsPort}&mountport=${mountPort}`);
    },
    signal(signal) {
      child?.kill(signal);
    },
    async hang() {
      const pid = child?.pid;
      if (pid === undefined) throw new Error("ganesha is not running");
      child?.kill("SIGSTOP");
      const deadline = Date.now() + READY_TIMEOUT_MS;
      while (!(await allThreadsStopped(pid))) {
        if (Date.now() > deadline) throw new Error(`ganesha (pid ${pid}) did not stop`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    resume() {
      child?.kill("SIGCONT");
    },
    async restart() {
      await withRegistrationLock(async () => {
        await halt();
        await launch();
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await withRegistrationLock(async () => {
        await halt();
        await releaseRpcbind();
      });
      await fsp.rm(workDir, { recursive: true, force: true });
    },
    async withPortmap(fn) {
      return withRegistrationLock(async () => {
        if (!(await registeredHere(nfsPort, mountPort))) {
          await halt();
          await launch();
        }
        return fn();
      });
    },
  };
}

/** Whether every thread of `pid` is in state T (stopped), from /proc/<pid>/task/<tid>/stat. */
async function allThreadsStopped(pid: number): Promise<boolean> {
  const tasks = await fsp.readdir(`/proc/${pid}/task`);
  for (const tid of tasks) {
    const stat = await fsp.readFile(`/proc/${pid}/task/${tid}/stat`, "utf8");
    // The state follows the command name in parentheses, which may itself contain spaces.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state !== "T" && state !== "t") return false;
  }
  return true;
}

/** Whether rpcbind maps NFS v3 and MOUNT v3 over TCP to these ports (rpcinfo -p). */
async function registeredHere(nfsPort: number, mountPort: number): Promise<boolean> {
  const rpcinfo = findBinary("rpcinfo");
  if (!rpcinfo) return false;
  const { stdout } = await run(rpcinfo, ["-p", "127.0.0.1"]);
  const has = (program: number, port: number): boolean =>
    stdout.split("\n").some((line) => {
      const [prog, vers, proto, p] = line.trim().split(/\s+/);
      return prog === String(program) && vers === "3" && proto === "tcp" && p === String(port);
    });
  return has(100003, nfsPort) && has(100005, mountPort);
}
