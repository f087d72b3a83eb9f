"use server";
// Server actions for jobs: cancel (queued at once, running at its next
// heartbeat) and retry (failed or cancelled). The Jobs page polls for the result.
import { revalidatePath } from "next/cache";
import { localAdminActor } from "../../lib/actions/define-action.ts";
import { getDb } from "../../lib/db/client.ts";
import { toHttp } from "../../lib/errors.ts";
import { cancelJob, retryJob } from "../../lib/jobs/job-actions.ts";
import type { ActionState } from "../libraries/action-state.ts";

function context() {
  return { db: getDb(), actor: localAdminActor() };
}

// Cancel a queued or running job.
export async function cancelJobAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const result = await cancelJob(context(), { jobId: formData.get("jobId") });
    revalidatePath("/", "layout");
    return { ok: true, message: result.state === "cancelling" ? "Cancelling…" : "Cancelled" };
  } catch (error) {
    return { ok: false, message: toHttp(error).body.error.message };
  }
}

// Put a failed or cancelled job back in the queue with fresh attempts.
export async function retryJobAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    await retryJob(context(), { jobId: formData.get("jobId") });
    revalidatePath("/", "layout");
    return { ok: true, message: "Queued again" };
  } catch (error) {
    return { ok: false, message: toHttp(error).body.error.message };
  }
}
