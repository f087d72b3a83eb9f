"use server";
// Server actions for library roots. Each parses its form, calls one lib action
// as the local admin (validated, permission-checked, audited there) and
// revalidates; errors come back as a message for the form, never as a throw.
import { revalidatePath } from "next/cache";
import { localAdminActor } from "../../lib/actions/define-action.ts";
import { addLibrary, removeLibrary, requestLibraryScan, setLibraryEnabled } from "../../lib/catalog/library-actions.ts";
import { getDb } from "../../lib/db/client.ts";
import { toHttp } from "../../lib/errors.ts";
import type { ActionState } from "./action-state.ts";

/** A text field of the form; files and missing fields read as undefined. */
function field(formData: FormData, name: string): string | undefined {
  const value = formData.get(name);
  return typeof value === "string" ? value : undefined;
}

function failure(error: unknown, values?: Record<string, string>): ActionState {
  // toHttp logs anything that is not an AppError and replaces its message.
  return { ok: false, message: toHttp(error).body.error.message, values };
}

function context() {
  return { db: getDb(), actor: localAdminActor() };
}

/** The banners in the layout show library status too, so the whole tree is revalidated. */
function revalidateLibraries() {
  revalidatePath("/", "layout");
}

// Add a library root (path + optional label) and queue its first scan.
export async function addLibraryAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const values = { path: field(formData, "path") ?? "", label: field(formData, "label") ?? "" };
  try {
    const library = await addLibrary(context(), { path: values.path, label: values.label.trim() === "" ? undefined : values.label });
    revalidateLibraries();
    return { ok: true, message: `Added ${library.path}; the first scan is queued.` };
  } catch (error) {
    return failure(error, values);
  }
}

// Queue a scan of one library now; with acceptMissing, let it mark vanished files missing.
export async function scanLibraryAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const job = await requestLibraryScan(context(), {
      libraryId: field(formData, "libraryId"),
      acceptMissing: field(formData, "acceptMissing") === "true",
    });
    revalidateLibraries();
    return { ok: true, message: job.deduplicated ? `Already queued (job #${job.id})` : `Scan queued (job #${job.id})` };
  } catch (error) {
    return failure(error);
  }
}

// Enable or disable a library (disabled roots are not scanned or watched).
export async function setLibraryEnabledAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const library = await setLibraryEnabled(context(), {
      libraryId: field(formData, "libraryId"),
      enabled: field(formData, "enabled") === "true",
    });
    revalidateLibraries();
    return { ok: true, message: library.enabled ? "Enabled" : "Disabled" };
  } catch (error) {
    return failure(error);
  }
}

// Remove a UI-added library from the catalogue (files on the share are untouched).
export async function removeLibraryAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    await removeLibrary(context(), { libraryId: field(formData, "libraryId") });
    revalidateLibraries();
    return { ok: true, message: "Removed" };
  } catch (error) {
    return failure(error);
  }
}
