// modelshelf hosts … and modelshelf push / remove: register inference hosts,
// print the inventory, push and remove models. Mutations go through the same
// actions as the web app (validated, audited); work that talks to a host runs as
// a job, which these commands run to the end in-process when no pusher worker
// has picked it up (so they work with or without `npm start` running).
import { localAdminActor } from "../actions/define-action.ts";
import { getConfig } from "../config.ts";
import type { Db } from "../db/client.ts";
import { AppError, errorMessage, isAppError } from "../errors.ts";
import { deleteHost, requestPoll, requestPush, requestReconcile, requestRemove, saveHost, setAssignment } from "../hosts/host-actions.ts";
import { hostJobHandlers } from "../hosts/hosts-runtime.ts";
import { findHostByName, getHost, getInventory } from "../hosts/queries.ts";
import { runJobToEnd } from "../jobs/run-jobs.ts";
import { resolveModelArg } from "../registry/model-refs.ts";
import { formatBytes } from "./format.ts";
import { jsonReplacer } from "./inspect-command.ts";
import { openCliDb } from "./open-cli-db.ts";

/** How often a waiting command prints progress (stderr, only on a terminal or with --progress). */
const PROGRESS_PRINT_MS = 1_000;

export interface HostAddOptions {
  name: string;
  kind: string;
  url: string;
  modelsDir?: string;
  preset?: string;
  pathMap?: string[];
  profile?: string;
  autoReconcile?: boolean;
  disabled?: boolean;
  db?: string;
  json?: boolean;
}

async function withDb(dbFile: string | undefined, body: (db: Db) => Promise<number>): Promise<number> {
  const db = await openCliDb(dbFile);
  try {
    return await body(db);
  } catch (error) {
    if (isAppError(error) && (error.code === "invalid-input" || error.code === "not-found" || error.code === "conflict")) {
      process.stderr.write(`modelshelf: ${error.message}\n`);
      return error.code === "invalid-input" ? 2 : 1;
    }
    throw error;
  } finally {
    await db.$disconnect();
  }
}

async function hostIdByName(db: Db, name: string): Promise<number> {
  const host = await findHostByName(db, name);
  if (!host) throw new AppError("not-found", `no host named "${name}" (see modelshelf hosts)`);
  return host.id;
}

function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, jsonReplacer, 2)}\n` : text());
}

export function hostsAddCommand(options: HostAddOptions): Promise<number> {
  return withDb(options.db, async (db) => {
    const pathMap = (options.pathMap ?? []).map((entry) => {
      const eq = entry.indexOf("=");
      if (eq <= 0) throw new AppError("invalid-input", `--path-map wants <library path>=<path on the host>, got "${entry}"`);
      return { from: entry.slice(0, eq), to: entry.slice(eq + 1) };
    });
    let hostProfileId: number | null = null;
    if (options.profile) {
      const profile = await db.hostProfile.findUnique({ where: { name: options.profile } });
      if (!profile) throw new AppError("not-found", `no host profile named "${options.profile}" (create it on the Fit page)`);
      hostProfileId = profile.id;
    }
    const existing = await findHostByName(db, options.name);
    const result = await saveHost({ db, actor: localAdminActor() }, {
      id: existing?.id,
      host: {
        name: options.name,
        kind: options.kind,
        baseUrl: options.url,
        modelsDir: options.modelsDir ?? null,
        presetPath: options.preset ?? null,
        pathMap,
        hostProfileId,
        enabled: !options.disabled,
        autoReconcile: Boolean(options.autoReconcile),
      },
    });
    print(Boolean(options.json), result, () => `${result.created ? "added" : "updated"} host ${options.name} (id ${result.id}); it is polled by the pusher worker (or: modelshelf hosts poll ${options.name})\n`);
    return 0;
  });
}

export function hostsDeleteCommand(name: string, options: { db?: string }): Promise<number> {
  return withDb(options.db, async (db) => {
    await deleteHost({ db, actor: localAdminActor() }, { id: await hostIdByName(db, name) });
    process.stdout.write(`deleted host ${name} (models on it are left in place)\n`);
    return 0;
  });
}

const STATE_MARK: Record<string, string> = { present: "●", missing: "·", different: "≠", unmanaged: "○" };

export function hostsListCommand(options: { db?: string; json?: boolean }): Promise<number> {
  return withDb(options.db, async (db) => {
    const inventory = await getInventory(db);
    if (options.json) {
      print(true, inventory, () => "");
      return 0;
    }
    if (inventory.hosts.length === 0) {
      process.stdout.write("no hosts; add one with: modelshelf hosts add --name <n> --kind ollama|llama-server --url <u>\n");
      return 0;
    }
    for (const host of inventory.hosts) {
      const seen = host.lastSeenAt ? `seen ${host.lastSeenAt}` : "never seen";
      process.stdout.write(
        `${host.name.padEnd(16)} ${host.kind.padEnd(12)} ${host.status.padEnd(11)} ${(host.version ?? "-").padEnd(10)} ${String(host.modelCount).padStart(3)} models  ${host.loadedCount} loaded  drift ${host.driftCount + host.surplusCount}  extra ${host.extraCount}  ${seen}  ${host.baseUrl}${host.lastError ? `\n${" ".repeat(17)}! ${host.lastError}` : ""}\n`,
      );
    }
    process.stdout.write(`\n${"model".padEnd(48)} ${inventory.hosts.map((h) => h.name.slice(0, 10).padEnd(10)).join(" ")}\n`);
    for (const model of inventory.models) {
      const marks = inventory.hosts.map((h) => {
        const cell = inventory.cells[h.id]?.[model.ref];
        const mark = cell ? STATE_MARK[cell.state]! : " ";
        return `${mark}${cell?.assigned ? "*" : " "}${cell?.loaded ? "L" : " "}`.padEnd(10);
      });
      process.stdout.write(`${model.ref.slice(0, 48).padEnd(48)} ${marks.join(" ")}\n`);
    }
    for (const host of inventory.hosts) {
      const extra = inventory.extra[host.id] ?? [];
      if (extra.length > 0) process.stdout.write(`\nextra on ${host.name}: ${extra.map((m) => m.name).join(", ")}\n`);
    }
    process.stdout.write("\n● present  · missing  ≠ different version  ○ same name, not pushed by ModelShelf  * assigned  L loaded\n");
    return 0;
  });
}

export function hostsShowCommand(name: string, options: { db?: string; json?: boolean }): Promise<number> {
  return withDb(options.db, async (db) => {
    const host = await getHost(db, await hostIdByName(db, name));
    if (!host) throw new AppError("not-found", `no host named "${name}"`);
    print(Boolean(options.json), host, () => {
      const lines = [`${host.name}  ${host.kind}  ${host.baseUrl}  ${host.status}${host.version ? ` (version ${host.version})` : ""}`];
      if (host.lastError) lines.push(`  last error: ${host.lastError}`);
      for (const m of host.models) {
        lines.push(`  ${m.loaded ? "L" : " "} ${m.name.padEnd(48)} ${m.sizeBytes === null ? "" : formatBytes(m.sizeBytes).padStart(10)}  ${m.ref ? `= ${m.ref}` : "(extra)"}${m.deployedBy ? `  pushed by ${m.deployedBy.method}` : ""}`);
      }
      for (const a of host.assignments) lines.push(`  assigned: ${a.ref ?? `model ${a.modelId}`} (${a.method}) — ${a.state ?? "unknown"}`);
      return `${lines.join("\n")}\n`;
    });
    return 0;
  });
}

export function hostsAssignCommand(name: string, model: string, options: { db?: string; method?: string; remove?: boolean }): Promise<number> {
  return withDb(options.db, async (db) => {
    const result = await setAssignment({ db, actor: localAdminActor() }, { hostId: await hostIdByName(db, name), model, assigned: !options.remove, method: options.method ?? "auto" });
    process.stdout.write(`${result.ref} ${result.assigned ? "assigned to" : "no longer assigned to"} ${name}; reconcile with: modelshelf hosts reconcile ${name}\n`);
    return 0;
  });
}

/** Runs the job to the end (in-process unless a worker has it) and prints its progress; exit 0 only on success. */
async function waitForJob(db: Db, jobId: number, json: boolean): Promise<{ ok: boolean; result: unknown; error: string | null }> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once("SIGINT", onSigint);
  const showProgress = !json && process.stderr.isTTY;
  const timer = showProgress
    ? setInterval(() => {
        void db.job.findUnique({ where: { id: jobId } }).then((row) => {
          if (!row || row.progressTotal === null) return;
          const done = row.progressDone ?? 0;
          const text = row.progressUnit === "bytes" ? `${formatBytes(done)} / ${formatBytes(row.progressTotal)}` : `${done} / ${row.progressTotal}`;
          process.stderr.write(`\r  job ${jobId}: ${row.state} ${((100 * done) / Math.max(1, row.progressTotal)).toFixed(0)}% ${text}   `);
        });
      }, PROGRESS_PRINT_MS)
    : undefined;
  try {
    const end = await runJobToEnd({ db, jobId, jobs: hostJobHandlers(), leaseMs: getConfig().jobLeaseMs, signal: controller.signal });
    return { ok: end.state === "succeeded", result: end.resultJson ? (JSON.parse(end.resultJson) as unknown) : null, error: end.lastError };
  } finally {
    clearInterval(timer);
    if (showProgress) process.stderr.write("\n");
    process.off("SIGINT", onSigint);
  }
}

async function reportJob(db: Db, jobId: number, json: boolean, what: string): Promise<number> {
  try {
    const outcome = await waitForJob(db, jobId, json);
    print(json, { jobId, ...outcome }, () => (outcome.ok ? `${what}: done (job ${jobId})\n` : `${what}: FAILED (job ${jobId}): ${outcome.error ?? "unknown error"}\n`));
    return outcome.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`${what}: interrupted (job ${jobId} continues in the pusher worker if one runs): ${errorMessage(error)}\n`);
    return 1;
  }
}

export function hostsPollCommand(name: string, options: { db?: string; json?: boolean }): Promise<number> {
  return withDb(options.db, async (db) => {
    const job = await requestPoll({ db, actor: localAdminActor() }, { hostId: await hostIdByName(db, name) });
    return reportJob(db, job.jobId, Boolean(options.json), `poll ${name}`);
  });
}

export function hostsReconcileCommand(name: string, options: { db?: string; json?: boolean }): Promise<number> {
  return withDb(options.db, async (db) => {
    const job = await requestReconcile({ db, actor: localAdminActor() }, { hostId: await hostIdByName(db, name) });
    return reportJob(db, job.jobId, Boolean(options.json), `reconcile ${name}`);
  });
}

export function pushCommand(model: string, options: { host: string; method?: string; load?: boolean; db?: string; json?: boolean }): Promise<number> {
  return withDb(options.db, async (db) => {
    const hostId = await hostIdByName(db, options.host);
    const job = await requestPush({ db, actor: localAdminActor() }, { hostId, model, method: options.method ?? "auto", load: Boolean(options.load) });
    if (!options.json) process.stdout.write(`pushing ${job.ref} to ${options.host} by ${job.method} (job ${job.jobId})\n`);
    return reportJob(db, job.jobId, Boolean(options.json), `push ${job.ref} to ${options.host}`);
  });
}

/** `<model>` is a host-side name, or a catalogue model whose host name is looked up in the inventory. */
export function removeCommand(model: string, options: { host: string; db?: string; json?: boolean }): Promise<number> {
  return withDb(options.db, async (db) => {
    const hostId = await hostIdByName(db, options.host);
    const host = await getHost(db, hostId);
    let hostName = host?.models.find((m) => m.name === model)?.name;
    if (!hostName) {
      const ref = await resolveModelArg(db, model).catch(() => null);
      hostName = ref ? host?.models.find((m) => m.ref === ref.ref)?.name : undefined;
    }
    if (!hostName) throw new AppError("not-found", `${options.host} has no model "${model}" as of its last poll (see modelshelf hosts show ${options.host})`);
    const job = await requestRemove({ db, actor: localAdminActor() }, { hostId, hostName });
    return reportJob(db, job.jobId, Boolean(options.json), `remove ${hostName} from ${options.host}`);
  });
}

