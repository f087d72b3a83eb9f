"use server";
// Server action of the NAS check form: validates each field (the job's own
// schema), queues the check for the indexer worker and hands the queued job
// back, which the page then polls. Errors come back for the form, never as a throw.
import { revalidatePath } from "next/cache";
import type { z } from "zod";
import { localAdminActor } from "../../lib/actions/define-action.ts";
import { getDb } from "../../lib/db/client.ts";
import { toHttp } from "../../lib/errors.ts";
import { requestNasProbe } from "../../lib/nfs/nas-actions.ts";
import { nasProbeInputSchema } from "../../lib/nfs/probe-nas-job.ts";
import { getNasProbe } from "../../lib/nfs/queries.ts";
import { nasCheckFields, type NasCheckFormState, type NasCheckValues } from "./form-state.ts";

/** A text field of the form; files and missing fields read as "". */
function field(formData: FormData, name: string): string {
  const value = formData.get(name);
  return typeof value === "string" ? value : "";
}

/** zod's default wording for numbers ("Too small: expected number to be >=1") in the form's words. */
function fieldMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") return "must be a whole number";
  if (issue.code === "too_small" && issue.origin === "number") return `must be at least ${String(issue.minimum)}`;
  if (issue.code === "too_big" && issue.origin === "number") return `must be at most ${String(issue.maximum)}`;
  if (issue.code === "too_big" && issue.origin === "string") return `too long (at most ${String(issue.maximum)} characters)`;
  return issue.message;
}

// Queue a NAS check with the form's settings; empty optional fields take the schema's defaults.
export async function requestNasProbeAction(_previous: NasCheckFormState, formData: FormData): Promise<NasCheckFormState> {
  const values = Object.fromEntries(nasCheckFields.map((name) => [name, field(formData, name)])) as NasCheckValues;
  const input = Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== ""));
  const parsed = nasProbeInputSchema.safeParse(input);
  if (!parsed.success) {
    const fieldErrors: NasCheckFormState["fieldErrors"] = {};
    for (const issue of parsed.error.issues) {
      const key = (nasCheckFields as readonly string[]).includes(String(issue.path[0])) ? (String(issue.path[0]) as keyof typeof fieldErrors) : "form";
      fieldErrors[key] ??= fieldMessage(issue);
    }
    return { ok: false, message: "Not checked: fix the highlighted fields.", fieldErrors, values };
  }
  try {
    const db = getDb();
    const job = await requestNasProbe({ db, actor: localAdminActor() }, parsed.data);
    revalidatePath("/nas");
    const run = await getNasProbe(db, job.id);
    return { ok: true, message: `Check queued (job #${job.id})`, fieldErrors: {}, values, ...(run ? { run } : {}) };
  } catch (error) {
    // toHttp logs anything that is not an AppError and replaces its message.
    return { ok: false, message: toHttp(error).body.error.message, fieldErrors: {}, values };
  }
}
