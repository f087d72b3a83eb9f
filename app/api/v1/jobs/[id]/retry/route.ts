// POST /api/v1/jobs/[id]/retry – queue a failed or cancelled job again with fresh attempts
import { localAdminActor } from "../../../../../../lib/actions/define-action.ts";
import { getDb } from "../../../../../../lib/db/client.ts";
import { retryJob } from "../../../../../../lib/jobs/job-actions.ts";
import { errorResponse, jsonResponse, parseIdParam } from "../../../../respond.ts";

export const dynamic = "force-dynamic";

export async function POST(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const jobId = parseIdParam((await params).id, "job");
    const result = await retryJob({ db: getDb(), actor: localAdminActor() }, { jobId });
    return jsonResponse({ jobId, state: result.state }, 202);
  } catch (error) {
    return errorResponse(error);
  }
}
