"use server";
// Server actions for verification and the hashing settings. Each parses its
// form, calls one lib action as the local admin (validated, permission-checked,
// audited there) and revalidates the whole tree (the layout shows the mismatch
// banner); errors come back as a message for the form, never as a throw.
import { settingsFieldErrors } from "../_components/setting-field.tsx";
import { revalidatePath } from "next/cache";
import { localAdminActor } from "../../lib/actions/define-action.ts";
import { getDb } from "../../lib/db/client.ts";
import { toHttp } from "../../lib/errors.ts";
import { updateHashingSettings, verifyEverything, verifyFileNow, verifyLibrary, verifyModel } from "../../lib/hashing/verify-actions.ts";
import { hashingSettingsSchema } from "../../lib/settings/hashing-settings.ts";
import type { ActionState } from "../libraries/action-state.ts";
import type { SettingsFormState } from "./settings-state.ts";

function field(formData: FormData, name: string): string | undefined {
  const value = formData.get(name);
  return typeof value === "string" ? value : undefined;
}

function context() {
  return { db: getDb(), actor: localAdminActor() };
}

function failure(error: unknown): ActionState {
  // toHttp logs anything that is not an AppError and replaces its message.
  return { ok: false, message: toHttp(error).body.error.message };
}

function queuedMessage(result: { files: number; queued: number }): string {
  if (result.files === 0) return "Nothing to verify";
  const already = result.files - result.queued;
  const files = `${result.files} file${result.files === 1 ? "" : "s"}`;
  return already === 0 ? `Queued ${files}` : `Queued ${files} (${already} already waiting)`;
}

// Hash one file now (outranks the scrub).
export async function verifyFileAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const result = await verifyFileNow(context(), { fileId: field(formData, "fileId") });
    revalidatePath("/", "layout");
    return { ok: true, message: queuedMessage(result) };
  } catch (error) {
    return failure(error);
  }
}

// Hash every present file of a model now.
export async function verifyModelAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const result = await verifyModel(context(), { modelId: field(formData, "modelId") });
    revalidatePath("/", "layout");
    return { ok: true, message: queuedMessage(result) };
  } catch (error) {
    return failure(error);
  }
}

// Hash every present file of one library now.
export async function verifyLibraryAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const result = await verifyLibrary(context(), { libraryId: field(formData, "libraryId") });
    revalidatePath("/", "layout");
    return { ok: true, message: queuedMessage(result) };
  } catch (error) {
    return failure(error);
  }
}

// Hash every present file of every enabled library now.
export async function verifyEverythingAction(_previous: ActionState, _formData: FormData): Promise<ActionState> {
  try {
    const result = await verifyEverything(context(), {});
    revalidatePath("/", "layout");
    return { ok: true, message: queuedMessage(result) };
  } catch (error) {
    return failure(error);
  }
}

// Save the hashing and scrub settings; each invalid field gets its own message.
export async function updateHashingSettingsAction(_previous: SettingsFormState, formData: FormData): Promise<SettingsFormState> {
  const values = {
    concurrency: field(formData, "concurrency") ?? "",
    bandwidthMBps: field(formData, "bandwidthMBps") ?? "",
    scrubWindow: field(formData, "scrubWindow") ?? "",
    scrubIntervalDays: field(formData, "scrubIntervalDays") ?? "",
    scrubEnabled: field(formData, "scrubEnabled") === "on",
    verifyNewFiles: field(formData, "verifyNewFiles") === "on",
  };
  // Parsed here as well as in the action, to tell each field what is wrong with it.
  const parsed = hashingSettingsSchema.safeParse({
    ...values,
    // An empty field is a missing number (NaN fails as such), not zero or the default.
    concurrency: values.concurrency.trim() === "" ? Number.NaN : values.concurrency,
    scrubIntervalDays: values.scrubIntervalDays.trim() === "" ? Number.NaN : values.scrubIntervalDays,
    // An empty cap means unlimited.
    bandwidthMBps: values.bandwidthMBps.trim() === "" ? null : values.bandwidthMBps,
  });
  if (!parsed.success) {
    return { ok: false, message: "Not saved: fix the highlighted fields.", fieldErrors: settingsFieldErrors(parsed.error.issues), values };
  }
  try {
    await updateHashingSettings(context(), parsed.data);
    revalidatePath("/", "layout");
    return { ok: true, message: "Saved. The hasher picks the new settings up within a few seconds.", fieldErrors: {} };
  } catch (error) {
    return { ok: false, message: toHttp(error).body.error.message, fieldErrors: {}, values };
  }
}
