// Real OCI tooling for the registry tests: skopeo (containers/image) with its
// configuration isolated in a temp dir, Debian's `docker-registry` (Docker
// Distribution 2.8) on a free loopback port with temp config and storage, and a
// plain static file server (with Range) for its redirect storage middleware.
// No vitest imports, so scripts can use it too.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/** docker-registry answers /v2/ within ~0.2 s here; 20 s allows for a loaded CI machine. */
const READY_TIMEOUT_MS = 20_000;
const READY_POLL_MS = 50;
/** It stops within a second on SIGTERM; after this it is killed. */
const STOP_TIMEOUT_MS = 5_000;
/** One skopeo call copies a few MB on loopback; this only catches a hang. */
const SKOPEO_TIMEOUT_MS = 120_000;
/** skopeo prints JSON for inspect; a generous cap on what is kept. */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
const SEARCH_DIRS = ["/usr/bin", "/usr/sbin", "/bin", "/sbin", ...(process.env.PATH ?? "").split(":")];
const INSTALL_HINT = "apt-get install -y skopeo docker-registry";

function findBinary(name: string): string | null {
  for (const dir of SEARCH_DIRS) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

export function missingOciTools(): string[] {
  return ["skopeo", "docker-registry"].filter((name) => findBinary(name) === null);
}

/**
 * Why the OCI tool tests must be skipped, or null when they run. They are skipped
 * only when a tool is missing AND this is not CI: in CI a missing tool must fail.
 */
export function ociSkipReason(): string | null {
  const missing = missingOciTools();
  if (missing.length === 0 || process.env.CI) return null;
  return `OCI tool tests skipped: ${missing.join(", ")} not installed (${INSTALL_HINT})`;
}

function requireBinary(name: string): string {
  const found = findBinary(name);
  if (!found) throw new Error(`${name} is not installed (${INSTALL_HINT})`);
  return found;
}

export interface Skopeo {
  /** Runs `skopeo <args>`; rejects with skopeo's stderr when it exits non-zero. */
  run(args: string[]): Promise<{ stdout: string; stderr: string }>;
}

/** skopeo with an accept-anything trust policy and empty registries/auth configuration under `workDir`. */
export async function createSkopeo(workDir: string): Promise<Skopeo> {
  const binary = requireBinary("skopeo");
  await mkdir(workDir, { recursive: true });
  const policy = path.join(workDir, "policy.json");
  const registriesConf = path.join(workDir, "registries.conf");
  const tmp = path.join(workDir, "tmp");
  await mkdir(tmp, { recursive: true });
  await writeFile(policy, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
  await writeFile(registriesConf, "");
  // Every place containers/image reads configuration or credentials from points into workDir.
  const env = {
    ...process.env,
    HOME: workDir,
    TMPDIR: tmp,
    XDG_CONFIG_HOME: path.join(workDir, "config"),
    XDG_RUNTIME_DIR: workDir,
    DOCKER_CONFIG: path.join(workDir, "docker"),
    CONTAINERS_REGISTRIES_CONF: registriesConf,
    REGISTRY_AUTH_FILE: path.join(workDir, "auth.json"),
  };
  return {
    async run(args) {
      try {
        return await run(binary, ["--policy", policy, "--tmpdir", tmp, "--command-timeout", `${SKOPEO_TIMEOUT_MS / 1000}s`, ...args], {
          env,
          timeout: SKOPEO_TIMEOUT_MS,
          maxBuffer: MAX_OUTPUT_BYTES,
        });
      } catch (error) {
        const failed = error as { code?: number; stderr?: string };
        throw new Error(`skopeo ${args.join(" ")} exited with ${failed.code}: ${failed.stderr ?? String(error)}`, { cause: error });
      }
    },
  };
}

export interface DockerRegistry {
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port>, as image references name it. */
  hostPort: string;
  /** The filesystem driver's root directory (what a redirect target serves). */
  storageDir: string;
  /** Access-log lines so far (Apache combined format), when started with accessLog; else empty. */
  accessLog(): string[];
  stop(): Promise<void>;
}

export interface DockerRegistryOptions {
  /**
   * Distribution's `redirect` storage middleware: blob GETs and HEADs answer 307 to
   * <baseurl><storage path> (2.8 keeps only the scheme and host of the base URL).
   */
  redirectBaseUrl?: string;
  /** Keep the access log (written to stdout), to see which requests a client made. */
  accessLog?: boolean;
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Docker Distribution on a free loopback port, storing under `workDir`. */
export async function startDockerRegistry(workDir: string, options: DockerRegistryOptions = {}): Promise<DockerRegistry> {
  const binary = requireBinary("docker-registry");
  const storageDir = path.join(workDir, "storage");
  await mkdir(storageDir, { recursive: true });
  const port = await freeLoopbackPort();
  const config = path.join(workDir, "config.yml");
  // Storage middleware is a top-level `middleware: storage:` list in Distribution 2.8's configuration.
  const middleware = options.redirectBaseUrl
    ? ["middleware:", "  storage:", "    - name: redirect", "      options:", `        baseurl: ${options.redirectBaseUrl}`]
    : [];
  await writeFile(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "  accesslog:",
      `    disabled: ${options.accessLog ? "false" : "true"}`,
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${storageDir}`,
      "  maintenance:",
      "    uploadpurging:",
      "      enabled: false",
      ...middleware,
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "  secret: modelshelf-test-only",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(binary, ["serve", config], { stdio: ["ignore", options.accessLog ? "pipe" : "ignore", "pipe"] });
  const accessLog: string[] = [];
  let partialLine = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const lines = (partialLine + chunk.toString()).split("\n");
    partialLine = lines.pop() ?? "";
    accessLog.push(...lines.filter((line) => line.trim() !== ""));
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8192);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode}) before it was ready: ${stderr}`);
    const ready = await fetch(`${url}/v2/`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`docker-registry did not answer on ${url} within ${READY_TIMEOUT_MS} ms: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  return {
    url,
    hostPort: `127.0.0.1:${port}`,
    storageDir,
    accessLog: () => [...accessLog],
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface StaticFileServer {
  /** http://<host>:<port> */
  url: string;
  /** Every request in arrival order. */
  requests: { method: string; path: string; range: string | null; status: number }[];
  close(): Promise<void>;
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range (all a blob client sends). */
const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * A plain static file server over `root` (GET and HEAD, single Range requests),
 * standing in for the storage host a registry redirects blob downloads to (an S3
 * bucket, a CDN, nginx over the storage directory). Bind it to another loopback
 * address (127.0.0.2) so clients see a different host than the registry's.
 */
export async function startStaticFileServer(root: string, host: string): Promise<StaticFileServer> {
  const requests: StaticFileServer["requests"] = [];
  const server = http.createServer((req, res) => {
    const range = typeof req.headers.range === "string" ? req.headers.range : null;
    const urlPath = (req.url ?? "/").split("?")[0]!;
    res.on("finish", () => requests.push({ method: req.method ?? "", path: urlPath, range, status: res.statusCode }));
    void serveFile(root, urlPath, range, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://${host}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serveFile(root: string, urlPath: string, range: string | null, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD" }).end();
    return;
  }
  const file = path.resolve(root, `.${decodeURIComponent(urlPath)}`);
  const info = file.startsWith(path.resolve(root) + path.sep) ? await stat(file).catch(() => null) : null;
  if (!info?.isFile()) {
    res.writeHead(404).end();
    return;
  }
  let start = 0;
  let end = info.size - 1;
  if (range !== null) {
    const match = SINGLE_RANGE.exec(range);
    if (match && match[1] === "" && match[2] !== "") {
      start = Math.max(0, info.size - Number(match[2]));
    } else if (match && match[1] !== "") {
      start = Number(match[1]);
      if (match[2] !== "") end = Math.min(end, Number(match[2]));
    }
    if (!match || (match[1] === "" && match[2] === "") || start > end) {
      res.writeHead(416, { "Content-Range": `bytes */${info.size}` }).end();
      return;
    }
  }
  const headers: http.OutgoingHttpHeaders = { "Content-Type": "application/octet-stream", "Content-Length": end - start + 1, "Accept-Ranges": "bytes" };
  if (range !== null) headers["Content-Range"] = `bytes ${start}-${end}/${info.size}`;
  res.writeHead(range !== null ? 206 : 200, headers);
  if (req.method === "HEAD" || end < start) {
    res.end();
    return;
  }
  await pipeline(createReadStream(file, { start, end }), res);
}
