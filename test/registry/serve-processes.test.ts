// The registry as its own processes: `modelshelf serve` and workers/registry.ts,
// started as a user or `npm start` would, serving the catalogue until SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../helpers/oci-tools.ts";
import { REFS, buildRegistryFixture, get, type RegistryFixture } from "./registry-fixture.ts";

const root = path.resolve(import.meta.dirname, "..", "..");
/** A child with tsx starts in 1-2 s here; allow a loaded CI machine. */
const START_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 15_000;

let fixture: RegistryFixture;
let harness: string;

beforeAll(async () => {
  fixture = await buildRegistryFixture();
  // main.ts's wiring of the command (its `run` records the exit status), as the CLI will have it.
  harness = path.join(fixture.temp.dir, "cli-harness.mts");
  await writeFile(
    harness,
    [
      `import { Command, CommanderError } from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve("commander")).href)};`,
      `import { registerServeCommand } from ${JSON.stringify(path.join(root, "lib/cli/serve-command.ts"))};`,
      `let exitCode = 0;`,
      `const run = (fn) => async () => { exitCode = await fn(); };`,
      `const program = new Command().name("modelshelf").exitOverride();`,
      `registerServeCommand(program, run);`,
      `try { await program.parseAsync(process.argv.slice(2), { from: "user" }); } catch (error) { if (!(error instanceof CommanderError)) throw error; exitCode = error.exitCode === 0 ? 0 : 2; }`,
      `process.exitCode = exitCode;`,
    ].join("\n"),
  );
}, 120_000);

afterAll(async () => {
  await fixture?.cleanup();
});

interface Child {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    cwd: root,
    env: {
      ...process.env,
      MODELSHELF_DATA_DIR: path.join(fixture.temp.dir, "data"),
      MODELSHELF_DB: fixture.temp.dbFile,
      MODELSHELF_DEMO: "off",
      MODELSHELF_LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { process: child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function waitFor<T>(probe: () => T | null | undefined | Promise<T | null | undefined>, what: string, child: Child): Promise<T> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (child.process.exitCode !== null) throw new Error(`${what}: the process exited with ${child.process.exitCode}: ${child.stderr()}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${START_TIMEOUT_MS} ms; stderr: ${child.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(child: Child): Promise<number | null> {
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), EXIT_TIMEOUT_MS);
  const code = await child.exited;
  clearTimeout(timer);
  return code;
}

const repositories = async (url: string) => (JSON.parse((await get(url, "/v2/_catalog")).body.toString()) as { repositories: string[] }).repositories;

describe("modelshelf serve", () => {
  it("serves the catalogue in the foreground and exits 0 on SIGTERM", async () => {
    const child = start([harness, "serve", "--port", "0", "--host", "127.0.0.1", "--db", fixture.temp.dbFile]);
    const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(child.stdout())?.[1], "listening line", child);
    expect(child.stdout()).toMatch(/ollama pull \S+:\d+\/<namespace>\/<model>:<tag> --insecure/);
    expect(await repositories(url)).toContain(REFS.chat.repository);
    expect((await get(url, `/v2/${REFS.chat.repository}/manifests/${REFS.chat.tag}`)).status).toBe(200);
    expect(await stop(child)).toBe(0);
  });

  it("exits 1 with a message when the port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const child = start([harness, "serve", "--port", String(port), "--host", "127.0.0.1", "--db", fixture.temp.dbFile]);
      expect(await child.exited).toBe(1);
      expect(child.stderr()).toContain("cannot listen");
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("exits 2 on a port that is not a number", async () => {
    const child = start([harness, "serve", "--port", "http", "--db", fixture.temp.dbFile]);
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toContain("--port");
  });
});

describe("the registry worker", () => {
  it("serves on MODELSHELF_REGISTRY_HOST:PORT until SIGTERM, then stops cleanly", async () => {
    const port = await freeLoopbackPort();
    const child = start(["workers/registry.ts"], { MODELSHELF_REGISTRY_PORT: String(port), MODELSHELF_REGISTRY_HOST: "127.0.0.1" });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(() => get(url, "/v2/").then((r) => r.status === 200, () => false), "registry answering", child);
    expect(await repositories(url)).toContain(REFS.ollama.repository);
    expect(await stop(child)).toBe(0);
    expect(child.stderr()).toContain('"msg":"registry stopped"');
  });

  it("idles without listening when the registry is disabled, and stops on SIGTERM", async () => {
    const child = start(["workers/registry.ts"], { MODELSHELF_REGISTRY_PORT: "0" });
    await waitFor(() => child.stderr().includes("registry disabled"), "disabled message", child);
    expect(await stop(child)).toBe(0);
  });
});
