"use server";
// Server actions of the Fit page's host-profile form. Each parses its form,
// calls one lib action as the local admin (validated, permission-checked,
// audited there) and revalidates the page; errors come back for the form,
// never as a throw.
import { revalidatePath } from "next/cache";
import type { z } from "zod";
import { localAdminActor } from "../../lib/actions/define-action.ts";
import { hostProfileSchema, resolveHostProfile, type HostProfileInput } from "../../lib/capacity/host-profile.ts";
import { deleteHostProfile, saveHostProfile } from "../../lib/plans/plan-actions.ts";
import { getDb } from "../../lib/db/client.ts";
import { errorMessage, toHttp } from "../../lib/errors.ts";
import type { ActionState } from "../libraries/action-state.ts";
import type { HostProfileFormState, HostProfileFormValues } from "./form-state.ts";

function field(formData: FormData, name: string): string {
  const value = formData.get(name);
  return typeof value === "string" ? value : "";
}

function context() {
  return { db: getDb(), actor: localAdminActor() };
}

/** "" → undefined (the field was left empty); anything else must be a number. */
function parseNumber(text: string, key: string, errors: Record<string, string>): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const value = Number(trimmed);
  if (!Number.isFinite(value)) {
    errors[key] = "must be a number";
    return undefined;
  }
  return value;
}

/** A schema issue's path in the form's field names. */
function fieldKey(issue: z.core.$ZodIssue): string {
  const [first, index, sub] = issue.path;
  if (first === "ramBytes" || first === "ramGB") return "ramGB";
  if (first === "osReserveBytes" || first === "osReserveGB") return "osReserveGB";
  if (first === "usableShare") return "usableSharePercent";
  if (first === "gpus" && typeof index === "number") return `gpus.${index}.${sub === "name" ? "name" : "vramGB"}`;
  return typeof first === "string" ? first : "form";
}

function formValues(formData: FormData): HostProfileFormValues {
  const names = formData.getAll("gpuName").map((v) => (typeof v === "string" ? v : ""));
  const vram = formData.getAll("gpuVramGB").map((v) => (typeof v === "string" ? v : ""));
  return {
    id: field(formData, "id"),
    name: field(formData, "name"),
    ramGB: field(formData, "ramGB"),
    unifiedMemory: field(formData, "unifiedMemory") === "on",
    usableSharePercent: field(formData, "usableSharePercent"),
    osReserveGB: field(formData, "osReserveGB"),
    gpus: names.map((name, i) => ({ name, vramGB: vram[i] ?? "" })),
  };
}

// Add a host profile, or update the one named by the hidden id field.
export async function saveHostProfileAction(_previous: HostProfileFormState, formData: FormData): Promise<HostProfileFormState> {
  const values = formValues(formData);
  const fieldErrors: Record<string, string> = {};
  const ramGB = parseNumber(values.ramGB, "ramGB", fieldErrors);
  if (values.ramGB.trim() === "") fieldErrors.ramGB = "required: the RAM in GB";
  const sharePercent = values.unifiedMemory ? parseNumber(values.usableSharePercent, "usableSharePercent", fieldErrors) : undefined;
  if (sharePercent !== undefined && !(sharePercent > 0 && sharePercent <= 100)) fieldErrors.usableSharePercent = "must be more than 0 and at most 100 %";
  const osReserveGB = parseNumber(values.osReserveGB, "osReserveGB", fieldErrors);
  // A row with neither a name nor a size is an empty row the admin added and did not fill: left out.
  const rows = values.gpus.map((gpu, index) => ({ ...gpu, index })).filter((gpu) => gpu.name.trim() !== "" || gpu.vramGB.trim() !== "");
  const gpus = rows.map((gpu) => {
    if (values.unifiedMemory) return { name: gpu.name };
    const vramGB = parseNumber(gpu.vramGB, `gpus.${gpu.index}.vramGB`, fieldErrors);
    if (gpu.vramGB.trim() === "") fieldErrors[`gpus.${gpu.index}.vramGB`] = "required: the VRAM in GB";
    return { name: gpu.name, ...(vramGB === undefined ? {} : { vramGB }) };
  });
  const profile: HostProfileInput = {
    name: values.name,
    ...(ramGB === undefined ? {} : { ramGB }),
    gpus,
    unifiedMemory: values.unifiedMemory,
    ...(sharePercent === undefined ? {} : { usableShare: sharePercent / 100 }),
    ...(osReserveGB === undefined ? {} : { osReserveGB }),
  };
  // Parsed here as well as in the action, to tell each field what is wrong with it.
  const parsed = hostProfileSchema.safeParse(profile);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = fieldKey(issue);
      // GPU rows were filtered: map the schema's row index back to the form's.
      const mapped = key.startsWith("gpus.") ? key.replace(/^gpus\.(\d+)/, (_m, i: string) => `gpus.${rows[Number(i)]?.index ?? i}`) : key;
      fieldErrors[mapped] ??= issue.message;
    }
  } else if (Object.keys(fieldErrors).length === 0) {
    try {
      resolveHostProfile(parsed.data);
    } catch (error) {
      // The only check beyond the schema: the OS reserve must leave some RAM.
      fieldErrors.osReserveGB = /osReserve/.test(errorMessage(error)) ? "must be less than the RAM" : errorMessage(error);
    }
  }
  if (Object.keys(fieldErrors).length > 0) {
    return { ok: false, message: "Not saved: fix the highlighted fields.", fieldErrors, values };
  }
  try {
    const id = values.id.trim() === "" ? undefined : values.id;
    const saved = await saveHostProfile(context(), { ...(id === undefined ? {} : { id }), profile });
    revalidatePath("/fit");
    return { ok: true, message: saved.created ? `Added ${saved.name}.` : `Saved ${saved.name}.`, fieldErrors: {}, savedId: saved.id };
  } catch (error) {
    // toHttp logs anything that is not an AppError and replaces its message.
    return { ok: false, message: toHttp(error).body.error.message, fieldErrors: {}, values };
  }
}

// Delete one host profile.
export async function deleteHostProfileAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const deleted = await deleteHostProfile(context(), { id: field(formData, "id") });
    revalidatePath("/fit");
    return { ok: true, message: `Deleted ${deleted.name}` };
  } catch (error) {
    return { ok: false, message: toHttp(error).body.error.message };
  }
}
