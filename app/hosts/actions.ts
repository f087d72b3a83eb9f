"use server";
// Server actions of the Hosts pages. Each parses its form, calls one lib action
// as the local admin (validated, permission-checked, audited there) and
// revalidates the whole tree (the nav shows the drift count); errors come back
// as a message for the form, never as a throw. Nothing here talks to a host:
// polls, pushes, removals and reconciles are queued for the pusher worker.
import { settingsFieldErrors } from "../_components/setting-field.tsx";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import type { z } from "zod";
import { localAdminActor } from "../../lib/actions/define-action.ts";
import { getDb } from "../../lib/db/client.ts";
import { isAppError, toHttp } from "../../lib/errors.ts";
import {
  deleteHost,
  requestPoll,
  requestPush,
  requestReconcile,
  requestRemove,
  saveHost,
  saveHostsSettings,
  setAssignment,
} from "../../lib/hosts/host-actions.ts";
import { hostInputSchema } from "../../lib/hosts/host-schema.ts";
import { listHosts } from "../../lib/hosts/queries.ts";
import { hostsSettingsSchema } from "../../lib/settings/hosts-settings.ts";
import type { SettingsFormState } from "../integrity/settings-state.ts";
import type { ActionState } from "../libraries/action-state.ts";
import type { HostFormState, HostFormValues } from "./form-state.ts";

function field(formData: FormData, name: string): string {
  const value = formData.get(name);
  return typeof value === "string" ? value : "";
}

function context() {
  return { db: getDb(), actor: localAdminActor() };
}

function failure(error: unknown): ActionState {
  // toHttp logs anything that is not an AppError and replaces its message.
  return { ok: false, message: toHttp(error).body.error.message };
}

function done(message: string): ActionState {
  revalidatePath("/", "layout");
  return { ok: true, message };
}

const jobNote = (job: { jobId: number; deduplicated: boolean }) => (job.deduplicated ? `already queued as job #${job.jobId}` : `job #${job.jobId}`);

function hostFormValues(formData: FormData): HostFormValues {
  const from = formData.getAll("pathFrom").map((v) => (typeof v === "string" ? v : ""));
  const to = formData.getAll("pathTo").map((v) => (typeof v === "string" ? v : ""));
  return {
    id: field(formData, "id"),
    name: field(formData, "name"),
    kind: field(formData, "kind"),
    baseUrl: field(formData, "baseUrl"),
    delivery: field(formData, "delivery") || "models-dir",
    modelsDir: field(formData, "modelsDir"),
    presetPath: field(formData, "presetPath"),
    pathMap: from.map((value, i) => ({ from: value, to: to[i] ?? "" })),
    hostProfileId: field(formData, "hostProfileId"),
    enabled: field(formData, "enabled") === "on",
    autoReconcile: field(formData, "autoReconcile") === "on",
  };
}

const blankToUndefined = (text: string) => (text.trim() === "" ? undefined : text);

/**
 * The schema's input from the form. Fields of the other kind or delivery stay in the
 * form (hidden, so switching back keeps them) but are not sent; path-map rows left
 * empty are dropped. `rows` maps the schema's path-map index back to the form's row.
 */
function hostInput(values: HostFormValues): { input: Record<string, unknown>; rows: number[] } {
  const rows = values.pathMap.map((row, index) => ({ ...row, index })).filter((row) => row.from.trim() !== "" || row.to.trim() !== "");
  const common = {
    name: values.name,
    kind: values.kind,
    baseUrl: values.baseUrl,
    hostProfileId: values.hostProfileId === "" ? null : values.hostProfileId,
    enabled: values.enabled,
    autoReconcile: values.autoReconcile,
  };
  if (values.kind !== "llama-server") return { input: common, rows: [] };
  const nasDirect = values.delivery === "nas-direct";
  return {
    input: {
      ...common,
      delivery: values.delivery,
      modelsDir: nasDirect ? undefined : blankToUndefined(values.modelsDir),
      presetPath: nasDirect ? blankToUndefined(values.presetPath) : undefined,
      pathMap: nasDirect ? rows.map(({ from, to }) => ({ from, to })) : [],
    },
    rows: nasDirect ? rows.map((row) => row.index) : [],
  };
}

/** A schema issue's path as the form names its field. */
function fieldKey(issue: z.core.$ZodIssue, rows: number[]): string {
  const [first, index, sub] = issue.path;
  if (first === "pathMap" && typeof index === "number") return `pathMap.${rows[index] ?? index}.${sub === "from" ? "from" : "to"}`;
  return typeof first === "string" ? first : "form";
}

// Add a host, or update the one named by the hidden id field; a saved, enabled host is polled at once.
export async function saveHostAction(_previous: HostFormState, formData: FormData): Promise<HostFormState> {
  const values = hostFormValues(formData);
  const { input, rows } = hostInput(values);
  // Parsed here as well as in the action, to tell each field what is wrong with it.
  const parsed = hostInputSchema.safeParse(input);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[fieldKey(issue, rows)] ??= issue.message;
    return { ok: false, message: "Not saved: fix the highlighted fields.", fieldErrors, values, answeredAt: Date.now() };
  }
  try {
    const id = values.id.trim() === "" ? undefined : values.id;
    const saved = await saveHost(context(), { ...(id === undefined ? {} : { id }), host: input });
    revalidatePath("/", "layout");
    const polling = parsed.data.enabled ? "; polling it now" : " (disabled: not polled)";
    return { ok: true, message: `${saved.created ? "Added" : "Saved"} ${parsed.data.name}${polling}.`, fieldErrors: {}, answeredAt: Date.now() };
  } catch (error) {
    // The two refusals that belong to one field: a taken name, a profile deleted meanwhile.
    if (isAppError(error) && error.code === "conflict") return { ok: false, message: "Not saved.", fieldErrors: { name: error.message }, values, answeredAt: Date.now() };
    if (isAppError(error) && error.code === "not-found" && /profile/.test(error.message)) {
      return { ok: false, message: "Not saved.", fieldErrors: { hostProfileId: error.message }, values, answeredAt: Date.now() };
    }
    return { ok: false, message: toHttp(error).body.error.message, fieldErrors: {}, values, answeredAt: Date.now() };
  }
}

// Stop managing a host (its models stay on it), then go back to the inventory.
export async function deleteHostAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    await deleteHost(context(), { id: field(formData, "id") });
  } catch (error) {
    return failure(error);
  }
  revalidatePath("/", "layout");
  redirect("/hosts");
}

// Ask the pusher to poll one host now.
export async function pollHostAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    return done(`Poll queued (${jobNote(await requestPoll(context(), { hostId: field(formData, "hostId") }))})`);
  } catch (error) {
    return failure(error);
  }
}

// Push what is assigned and missing, remove what ModelShelf pushed and is no longer assigned.
export async function reconcileHostAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    return done(`Reconcile queued (${jobNote(await requestReconcile(context(), { hostId: field(formData, "hostId") }))})`);
  } catch (error) {
    return failure(error);
  }
}

// Reconcile every enabled host with drift.
export async function reconcileAllAction(_previous: ActionState, _formData: FormData): Promise<ActionState> {
  try {
    const hosts = (await listHosts(getDb())).filter((host) => host.enabled && host.driftCount + host.surplusCount > 0);
    if (hosts.length === 0) return { ok: true, message: "No enabled host has drift." };
    for (const host of hosts) await requestReconcile(context(), { hostId: host.id });
    return done(`Reconcile queued for ${hosts.map((h) => h.name).join(", ")}`);
  } catch (error) {
    return failure(error);
  }
}

// Push one catalogue model (by reference) to one host with the chosen method.
export async function pushModelAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const method = field(formData, "method") || "auto";
    const result = await requestPush(context(), { hostId: field(formData, "hostId"), model: field(formData, "model"), method, load: formData.get("load") === "on" });
    return done(`Push of ${result.ref} by ${result.method} queued (${jobNote(result)})`);
  } catch (error) {
    return failure(error);
  }
}

// Remove one model from a host, by the host's own name for it.
export async function removeModelAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const hostName = field(formData, "hostName");
    return done(`Removal of ${hostName} queued (${jobNote(await requestRemove(context(), { hostId: field(formData, "hostId"), hostName }))})`);
  } catch (error) {
    return failure(error);
  }
}

// Say that a model should be on a host (a reconcile pushes it).
export async function assignModelAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const method = field(formData, "method") || "auto";
    const result = await setAssignment(context(), { hostId: field(formData, "hostId"), model: field(formData, "model"), assigned: true, method });
    return done(`Assigned ${result.ref}`);
  } catch (error) {
    return failure(error);
  }
}

// Drop an assignment (the model stays on the host until a reconcile removes what ModelShelf pushed).
export async function unassignModelAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const result = await setAssignment(context(), { hostId: field(formData, "hostId"), model: field(formData, "model"), assigned: false });
    return done(`Unassigned ${result.ref}`);
  } catch (error) {
    return failure(error);
  }
}

// Save the push and poll settings; each invalid field gets its own message.
export async function saveHostsSettingsAction(_previous: SettingsFormState, formData: FormData): Promise<SettingsFormState> {
  const values = {
    pushBandwidthMBps: field(formData, "pushBandwidthMBps"),
    pushConcurrency: field(formData, "pushConcurrency"),
    pollIntervalSeconds: field(formData, "pollIntervalSeconds"),
    requestTimeoutSeconds: field(formData, "requestTimeoutSeconds"),
  };
  // An empty field is a missing number (NaN fails as such), not zero or the default; an empty cap means unlimited.
  const number = (text: string) => (text.trim() === "" ? Number.NaN : text);
  const parsed = hostsSettingsSchema.safeParse({
    pushBandwidthMBps: values.pushBandwidthMBps.trim() === "" ? null : values.pushBandwidthMBps,
    pushConcurrency: number(values.pushConcurrency),
    pollIntervalSeconds: number(values.pollIntervalSeconds),
    requestTimeoutSeconds: number(values.requestTimeoutSeconds),
  });
  if (!parsed.success) {
    return { ok: false, message: "Not saved: fix the highlighted fields.", fieldErrors: settingsFieldErrors(parsed.error.issues), values };
  }
  try {
    await saveHostsSettings(context(), parsed.data);
    revalidatePath("/hosts");
    return { ok: true, message: "Saved. The pusher picks the new settings up within a few seconds.", fieldErrors: {} };
  } catch (error) {
    return { ok: false, message: toHttp(error).body.error.message, fieldErrors: {}, values };
  }
}
