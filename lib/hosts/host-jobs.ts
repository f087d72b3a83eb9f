// hosts.* jobs: everything that talks to an inference host or copies model
// bytes runs in the pusher worker (a dead host or a hung share must never
// stall a web request). Declarations only: the web app and CLI enqueue these.
import { z } from "zod";
import { defineJob } from "../jobs/define-job.ts";

const id = z.number().int().positive();
export const pushMethodSchema = z.enum(["upload", "pull", "copy", "preset"]);

export const pollHostJob = defineJob({
  name: "hosts.poll-host",
  schema: z.object({ hostId: id }),
  // A poll is a snapshot; the schedule runs the next one.
  maxAttempts: 1,
  dedupeKey: (p) => `hosts.poll-host:${p.hostId}`,
});

export const pushModelJob = defineJob({
  name: "hosts.push-model",
  schema: z.object({
    hostId: id,
    modelId: id,
    ref: z.string().min(1).max(512),
    method: pushMethodSchema,
    // llama-server: load the model once it is in place (POST /models/load) — proves the host can run it.
    load: z.boolean().default(false),
  }),
  // Transfers fail for transient reasons (host restarted, NAS blip); each retry
  // starts from the host's own state (blob check, destination listing).
  maxAttempts: 4,
  dedupeKey: (p) => `hosts.push-model:${p.hostId}:${p.ref}`,
});

export const removeModelJob = defineJob({
  name: "hosts.remove-model",
  schema: z.object({ hostId: id, hostName: z.string().min(1).max(512) }),
  maxAttempts: 3,
  dedupeKey: (p) => `hosts.remove-model:${p.hostId}:${p.hostName}`,
});

export const reconcileHostJob = defineJob({
  name: "hosts.reconcile-host",
  schema: z.object({ hostId: id }),
  maxAttempts: 2,
  dedupeKey: (p) => `hosts.reconcile-host:${p.hostId}`,
});
