// The `modelshelf` command line. Same code as the worker and the web app;
// exit 0 on success, 1 when the work failed, 2 on usage errors.
import path from "node:path";
import { Command, CommanderError } from "commander";
import { isNfsUrl } from "../catalog/library-path.ts";
import { fitCommand, type FitCommandOptions } from "./fit-command.ts";
import {
  hostsAddCommand,
  hostsAssignCommand,
  hostsDeleteCommand,
  hostsListCommand,
  hostsPollCommand,
  hostsReconcileCommand,
  hostsShowCommand,
  pushCommand,
  removeCommand,
  type HostAddOptions,
} from "./hosts-command.ts";
import { inspectCommand } from "./inspect-command.ts";
import { jobsCommand } from "./jobs-command.ts";
import { nasProbeCommand } from "./nas-command.ts";
import { planCommand } from "./plan-command.ts";
import { verifyCommand } from "./verify-command.ts";
import { modelsCommand } from "./models-command.ts";
import { scanCommand } from "./scan-command.ts";
import { registerServeCommand } from "./serve-command.ts";
import { registerMirrorCommand } from "./mirror-command.ts";

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name("modelshelf")
    .description("ModelShelf: catalogue, verify and plan an offline GGUF model library")
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  let exitCode = 0;
  const run = (fn: () => Promise<number>) => async () => {
    exitCode = await fn();
  };

  program
    .command("inspect")
    .description("print the header of one GGUF file (reads only the header)")
    .argument("<file>", "path to a .gguf file")
    .option("--json", "print JSON")
    .action((file: string, opts: { json?: boolean }) => run(() => inspectCommand(path.resolve(file), { json: Boolean(opts.json) }))());

  program
    .command("scan")
    .description("scan one library root into the catalogue and print a summary")
    .requiredOption("--library <path>", "library root (folder of GGUF files or an Ollama models dir)")
    .option("--db <file>", "SQLite catalogue file (default: MODELSHELF_DB or ./data/modelshelf.db)")
    .option("--stable-ms <ms>", "how long new files must hold still before they are read", "2000")
    .option("--accept-missing", "mark vanished files missing even if the mount-loss guard would stop")
    .option("--json", "print JSON")
    .action((opts: { library: string; db?: string; stableMs: string; acceptMissing?: boolean; json?: boolean }) =>
      run(() =>
        scanCommand({
          library: isNfsUrl(opts.library) ? opts.library : path.resolve(opts.library),
          db: opts.db ? path.resolve(opts.db) : undefined,
          stableMs: Number(opts.stableMs),
          acceptMissing: Boolean(opts.acceptMissing),
          json: Boolean(opts.json),
        }),
      )(),
    );

  program
    .command("models")
    .description("list the catalogue as stored")
    .option("--db <file>", "SQLite catalogue file (default: MODELSHELF_DB or ./data/modelshelf.db)")
    .option("--json", "print JSON")
    .action((opts: { db?: string; json?: boolean }) =>
      run(() => modelsCommand({ db: opts.db ? path.resolve(opts.db) : undefined, json: Boolean(opts.json) }))(),
    );

  program
    .command("verify")
    .description("SHA-256 files and check them against their expected hashes (exit 1 on any mismatch or unreadable file)")
    .argument("[paths...]", "files to verify (catalogued files record their result)")
    .option("--all", "verify every present file in the catalogue")
    .option("--db <file>", "SQLite catalogue file (default: MODELSHELF_DB or ./data/modelshelf.db)")
    .option("--json", "print JSON")
    .action((paths: string[], opts: { all?: boolean; db?: string; json?: boolean }) =>
      run(() => verifyCommand(paths, { all: Boolean(opts.all), json: Boolean(opts.json), db: opts.db ? path.resolve(opts.db) : undefined }))(),
    );

  program
    .command("jobs")
    .description("list background jobs (newest first)")
    .option("--state <state>", "only jobs in this state (queued, running, succeeded, failed, cancelled)")
    .option("--db <file>", "SQLite catalogue file (default: MODELSHELF_DB or ./data/modelshelf.db)")
    .option("--json", "print JSON")
    .action((opts: { state?: string; db?: string; json?: boolean }) =>
      run(() => jobsCommand({ json: Boolean(opts.json), state: opts.state, db: opts.db ? path.resolve(opts.db) : undefined }))(),
    );

  program
    .command("plan")
    .description("NAS capacity plan for a scenario: required vs available space, fill date, what to buy (exit 1 if it does not fit)")
    .argument("<scenario>", "scenario JSON file (format: README, Capacity planning)")
    .option("--now <date>", "evaluate as of this day, YYYY-MM-DD (default: today)")
    .option("--json", "print JSON")
    .action((file: string, opts: { now?: string; json?: boolean }) =>
      run(() => planCommand(path.resolve(file), { json: Boolean(opts.json), now: opts.now }))(),
    );

  program
    .command("fit")
    .description("estimate the memory a model needs at a context and, given a host, whether and how it fits")
    .argument("<model>", "a .gguf file, or a reference model (qwen2.5-7b, \"Llama 3.1 8B Instruct\", qwen2.5:14b, …)")
    .option("--quant <type>", "quantisation of a reference model (default Q4_K_M)")
    .option("--ctx <tokens>", "context length for all sequences together (default: the model's native context)")
    .option("--cache-type <type>", "K and V cache type: f16 (default), q8_0, q4_0, f32, …")
    .option("--cache-type-k <type>", "K cache type (overrides --cache-type)")
    .option("--cache-type-v <type>", "V cache type (overrides --cache-type; quantized V needs --flash-attention)")
    .option("--flash-attention", "assume flash attention (llama-server -fa on)")
    .option("--parallel <n>", "parallel sequences (llama-server --parallel)", undefined)
    .option("--batch <n>", "logical batch size (default 2048)")
    .option("--ubatch <n>", "physical batch size (default 512)")
    .option("--ram <size>", "host RAM, e.g. 16GB (memory units are binary: 16GB = 16 GiB)")
    .option("--vram <sizes>", "GPU VRAM, e.g. 24GB, or 24GB,24GB for two GPUs (needs --ram)")
    .option("--unified", "unified memory (Apple silicon): the GPU uses up to 2/3 (≤ 36 GB) or 3/4 of the RAM")
    .option("--os-reserve <size>", "RAM kept for the OS (default 2GB)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nPrints weightsBytes, kvCacheBytes, computeBytes, overheadBytes and totalBytes with each term's reason;\n" +
        "with --ram (and --vram or --unified) also fits (gpu | partial | cpu | none) and maxContext.\n" +
        "Margins as node-llama-cpp: RAM min(25 %, 1 GiB), VRAM min(8 %, 1.6 GiB).\n" +
        "Exit status: 0 estimate printed (and the model fits, when a host is given); 1 it does not fit,\n" +
        "or the file cannot be read; 2 usage error (bad option, unknown model or quantisation).",
    )
    .action((model: string, opts: FitCommandOptions) => run(() => fitCommand(model, opts))());

  const nas = program.command("nas").description("check an NFS server (NAS) before mounting it or adding it as an nfs:// library");
  nas
    .command("probe")
    .description("reachability, NFS/MOUNT versions, exports, capacity, transfer sizes and a read-throughput sample")
    .argument("<host>", "NAS host name or IP address")
    .option("--export <path>", "export to examine in detail (default: the first one)")
    .option("--uid <n>", "AUTH_SYS user id to present", "0")
    .option("--gid <n>", "AUTH_SYS group id to present", "0")
    .option("--timeout <ms>", "per-call timeout", "10000")
    .option("--nfs-port <port>", "NFS port (default: ask the portmapper)")
    .option("--mount-port <port>", "MOUNT port (default: ask the portmapper)")
    .option("--sample-mb <n>", "megabytes to read for the throughput sample (0 = skip)", "64")
    .option("--json", "print JSON")
    .action((host: string, opts: Record<string, string | boolean | undefined>) =>
      run(() =>
        nasProbeCommand(
          {
            host,
            exportPath: opts.export,
            uid: opts.uid,
            gid: opts.gid,
            timeoutMs: opts.timeout,
            nfsPort: opts.nfsPort,
            mountPort: opts.mountPort,
            sampleMegabytes: opts.sampleMb,
          },
          { json: Boolean(opts.json) },
        ),
      )(),
    );

  registerServeCommand(program, run);
  registerMirrorCommand(program, run);

  const dbOption = "SQLite catalogue file (default: MODELSHELF_DB or ./data/modelshelf.db)";
  const hosts = program.command("hosts").description("inference hosts: the inventory (hosts × models, with drift) and host management");
  hosts
    .command("list", { isDefault: true })
    .description("the inventory: every host with its status, and the hosts × models matrix (the default)")
    .option("--db <file>", dbOption)
    .option("--json", "print JSON")
    .action((opts: { db?: string; json?: boolean }) => run(() => hostsListCommand(opts))());
  hosts
    .command("add")
    .description("register (or update) an Ollama or llama-server host")
    .requiredOption("--name <name>", "host name")
    .requiredOption("--kind <kind>", "ollama | llama-server")
    .requiredOption("--url <url>", "base URL (Ollama API, or a router-mode llama-server)")
    .option("--models-dir <path>", "llama-server: its --models-dir as ModelShelf can write it (path or nfs:// URL)")
    .option("--preset <path>", "llama-server reading the NAS itself: its --models-preset file as ModelShelf can write it")
    .option("--path-map <from=to>", "llama-server preset: library path = path on the host (repeat)", (value: string, all: string[] = []) => [...all, value])
    .option("--profile <name>", "host profile (RAM/VRAM, Fit page) for memory fit and context sizes")
    .option("--auto-reconcile", "push/remove on every poll to match the assignments")
    .option("--disabled", "register without polling or pushing")
    .option("--db <file>", dbOption)
    .option("--json", "print JSON")
    .action((opts: HostAddOptions) => run(() => hostsAddCommand(opts))());
  hosts
    .command("show")
    .description("one host: models present, loaded, assignments")
    .argument("<name>")
    .option("--db <file>", dbOption)
    .option("--json", "print JSON")
    .action((name: string, opts: { db?: string; json?: boolean }) => run(() => hostsShowCommand(name, opts))());
  hosts
    .command("delete")
    .description("forget a host (its models stay on it)")
    .argument("<name>")
    .option("--db <file>", dbOption)
    .action((name: string, opts: { db?: string }) => run(() => hostsDeleteCommand(name, opts))());
  hosts
    .command("poll")
    .description("poll a host now and wait for the result")
    .argument("<name>")
    .option("--db <file>", dbOption)
    .option("--json", "print JSON")
    .action((name: string, opts: { db?: string; json?: boolean }) => run(() => hostsPollCommand(name, opts))());
  hosts
    .command("assign")
    .description("desired state: <model> should be on host <name> (--remove to undo)")
    .argument("<name>")
    .argument("<model>", "catalogue id or namespace/model:tag")
    .option("--method <method>", "upload | pull | copy | preset (default: the host's usual one)")
    .option("--remove", "remove the assignment")
    .option("--db <file>", dbOption)
    .action((name: string, model: string, opts: { db?: string; method?: string; remove?: boolean }) => run(() => hostsAssignCommand(name, model, opts))());
  hosts
    .command("reconcile")
    .description("poll the host, then queue pushes and removals so it matches its assignments")
    .argument("<name>")
    .option("--db <file>", dbOption)
    .option("--json", "print JSON")
    .action((name: string, opts: { db?: string; json?: boolean }) => run(() => hostsReconcileCommand(name, opts))());

  program
    .command("push")
    .description("put a catalogue model on a host and wait until the host confirms it (exit 0 on success)")
    .argument("<model>", "catalogue id or namespace/model:tag")
    .requiredOption("--host <name>", "host name")
    .option("--method <method>", "upload | pull (Ollama), copy | preset (llama-server); default: the host's usual one")
    .option("--load", "llama-server: load the model once it is in place (and fail if the host cannot)")
    .option("--db <file>", dbOption)
    .option("--json", "print JSON")
    .action((model: string, opts: { host: string; method?: string; load?: boolean; db?: string; json?: boolean }) => run(() => pushCommand(model, opts))());

  program
    .command("remove")
    .description("remove a model from a host and wait (Ollama delete; llama-server unload + delete the file or preset entry)")
    .argument("<model>", "the host's name for it, or a catalogue id or namespace/model:tag")
    .requiredOption("--host <name>", "host name")
    .option("--db <file>", dbOption)
    .option("--json", "print JSON")
    .action((model: string, opts: { host: string; db?: string; json?: boolean }) => run(() => removeCommand(model, opts))());

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are not errors.
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
  return exitCode;
}
