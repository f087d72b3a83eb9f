// Admin actions on inference hosts: register/edit/delete hosts, assignments
// (desired state), and requests for work the pusher worker does (poll, push,
// remove, reconcile). Each is a defineAction: validated, role-checked, audited.
// Nothing here talks to a host or the share; work is queued as jobs.
import { z } from "zod";
import { defineAction } from "../actions/define-action.ts";
import type { Db } from "../db/client.ts";
import { AppError } from "../errors.ts";
import { enqueueJob } from "../jobs/enqueue-job.ts";
import { resolveModelArg } from "../registry/model-refs.ts";
import { hostsSettingsSchema, writeHostsSettings } from "../settings/hosts-settings.ts";
import { allowedPushMethods, defaultPushMethod } from "./drift.ts";
import { hostInputSchema } from "./host-schema.ts";
import { pollHostJob, pushModelJob, reconcileHostJob, removeModelJob } from "./host-jobs.ts";
import { loadPushSource } from "./push-source.ts";
import type { HostKind, PushMethod } from "./types.ts";

const idSchema = z.coerce.number().int().positive().max(2 ** 31 - 1);
/** Admin requests run before scheduled polls and reconciles. */
const ADMIN_PRIORITY = 10;

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "P2002";
}

async function requireHost(db: Db, hostId: number) {
  const host = await db.inferenceHost.findUnique({ where: { id: hostId } });
  if (!host) throw new AppError("not-found", `host ${hostId} not found`);
  return host;
}

export const saveHost = defineAction({
  name: "hosts.save-host",
  permission: "hosts.manage",
  schema: z.object({ id: idSchema.optional(), host: hostInputSchema }),
  target: (input) => (input.id === undefined ? `host-name:${input.host.name}` : `host:${input.id}`),
  async run({ db }, { id, host }) {
    if (host.hostProfileId !== null && (await db.hostProfile.count({ where: { id: host.hostProfileId } })) === 0) {
      throw new AppError("not-found", `host profile ${host.hostProfileId} not found`);
    }
    const data = {
      name: host.name,
      kind: host.kind,
      baseUrl: host.baseUrl,
      delivery: host.delivery,
      modelsDir: host.modelsDir,
      presetPath: host.presetPath,
      pathMapJson: JSON.stringify(host.pathMap),
      hostProfileId: host.hostProfileId,
      enabled: host.enabled,
      autoReconcile: host.autoReconcile,
    };
    try {
      const row =
        id === undefined
          ? await db.inferenceHost.create({ data })
          : await db.inferenceHost.update({ where: { id: (await requireHost(db, id)).id }, data: { ...data, status: "unknown" } });
      // A new or changed host is polled at once so the inventory fills in.
      if (row.enabled) await enqueueJob(db, pollHostJob.name, { hostId: row.id }, { priority: ADMIN_PRIORITY });
      return { id: row.id, created: id === undefined };
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError("conflict", `a host named "${host.name}" already exists`, { cause: error });
      throw error;
    }
  },
});

export const deleteHost = defineAction({
  name: "hosts.delete-host",
  permission: "hosts.manage",
  schema: z.object({ id: idSchema }),
  target: (input) => `host:${input.id}`,
  async run({ db }, { id }) {
    await requireHost(db, id);
    // Models stay on the host: deleting the record only stops ModelShelf managing it.
    await db.inferenceHost.delete({ where: { id } });
    return { id };
  },
});

function chooseMethod(kind: HostKind, delivery: string | null, requested: PushMethod | "auto" | undefined): PushMethod {
  const allowed = allowedPushMethods(kind, delivery);
  const method = requested === undefined || requested === "auto" ? defaultPushMethod(kind, delivery) : requested;
  if (!allowed.includes(method)) {
    throw new AppError("invalid-input", `${kind === "ollama" ? "an Ollama" : `a llama-server${delivery ? ` (${delivery})` : ""}`} host receives models by ${allowed.join(" or ")}, not ${method}`);
  }
  return method;
}

const methodSchema = z.enum(["auto", "upload", "pull", "copy", "preset"]).default("auto");

export const setAssignment = defineAction({
  name: "hosts.set-assignment",
  permission: "hosts.manage",
  schema: z.object({ hostId: idSchema, model: z.string().trim().min(1).max(512), assigned: z.boolean(), method: methodSchema }),
  target: (input) => `host:${input.hostId}`,
  async run({ db, actor }, input) {
    const host = await requireHost(db, input.hostId);
    const ref = await resolveModelArg(db, input.model);
    if (!input.assigned) {
      await db.assignment.deleteMany({ where: { hostId: host.id, modelId: ref.modelId } });
      return { ref: ref.ref, assigned: false };
    }
    const method = input.method === "auto" ? "auto" : chooseMethod(host.kind as HostKind, host.delivery, input.method);
    await db.assignment.upsert({
      where: { modelId_hostId: { modelId: ref.modelId, hostId: host.id } },
      create: { modelId: ref.modelId, hostId: host.id, method, createdBy: actor.id },
      update: { method },
    });
    return { ref: ref.ref, assigned: true };
  },
});

export const requestPush = defineAction({
  name: "hosts.push-model",
  permission: "hosts.manage",
  schema: z.object({ hostId: idSchema, model: z.string().trim().min(1).max(512), method: methodSchema, load: z.boolean().default(false) }),
  target: (input) => `host:${input.hostId}`,
  async run({ db, actor }, input) {
    const host = await requireHost(db, input.hostId);
    if (!host.enabled) throw new AppError("conflict", `host ${host.name} is disabled`);
    const ref = await resolveModelArg(db, input.model);
    const method = chooseMethod(host.kind as HostKind, host.delivery, input.method);
    // Refuse now, with the reason, rather than queue a job that cannot succeed.
    await loadPushSource(db, ref);
    if (input.load && host.kind !== "llama-server") throw new AppError("invalid-input", "load after push is for llama-server hosts (Ollama loads a model on its first request)");
    const job = await enqueueJob(db, pushModelJob.name, { hostId: host.id, modelId: ref.modelId, ref: ref.ref, method, load: input.load }, { priority: ADMIN_PRIORITY });
    // What an admin pushes becomes desired state: a reconcile keeps it there instead of
    // removing it as "pushed by ModelShelf, not assigned".
    await db.assignment.upsert({
      where: { modelId_hostId: { modelId: ref.modelId, hostId: host.id } },
      create: { modelId: ref.modelId, hostId: host.id, method, createdBy: actor.id },
      update: {},
    });
    return { jobId: job.id, deduplicated: job.deduplicated, ref: ref.ref, method };
  },
});

export const requestRemove = defineAction({
  name: "hosts.remove-model",
  permission: "hosts.manage",
  schema: z.object({ hostId: idSchema, hostName: z.string().trim().min(1).max(512) }),
  target: (input) => `host:${input.hostId}`,
  async run({ db }, input) {
    const host = await requireHost(db, input.hostId);
    const job = await enqueueJob(db, removeModelJob.name, { hostId: host.id, hostName: input.hostName }, { priority: ADMIN_PRIORITY });
    // Removing is the opposite desired state: a reconcile must not push it back.
    const deployment = await db.deployment.findUnique({ where: { hostId_hostName: { hostId: host.id, hostName: input.hostName } }, select: { modelId: true } });
    const modelId = deployment?.modelId ?? (await resolveModelArg(db, input.hostName).then((ref) => ref.modelId, () => null));
    if (modelId !== null) await db.assignment.deleteMany({ where: { hostId: host.id, modelId } });
    return { jobId: job.id, deduplicated: job.deduplicated };
  },
});

export const requestPoll = defineAction({
  name: "hosts.poll-host",
  permission: "hosts.manage",
  schema: z.object({ hostId: idSchema }),
  target: (input) => `host:${input.hostId}`,
  async run({ db }, input) {
    const host = await requireHost(db, input.hostId);
    const job = await enqueueJob(db, pollHostJob.name, { hostId: host.id }, { priority: ADMIN_PRIORITY });
    return { jobId: job.id, deduplicated: job.deduplicated };
  },
});

export const requestReconcile = defineAction({
  name: "hosts.reconcile-host",
  permission: "hosts.manage",
  schema: z.object({ hostId: idSchema }),
  target: (input) => `host:${input.hostId}`,
  async run({ db }, input) {
    const host = await requireHost(db, input.hostId);
    if (!host.enabled) throw new AppError("conflict", `host ${host.name} is disabled`);
    const job = await enqueueJob(db, reconcileHostJob.name, { hostId: host.id }, { priority: ADMIN_PRIORITY });
    return { jobId: job.id, deduplicated: job.deduplicated };
  },
});

export const saveHostsSettings = defineAction({
  name: "hosts.save-settings",
  permission: "hosts.manage",
  schema: hostsSettingsSchema,
  target: () => "settings:hosts",
  async run({ db }, settings) {
    await writeHostsSettings(db, settings);
    return settings;
  },
});
