// POST /api/v1/jobs/[id]/cancel – cancel a queued job now, a running one at its next heartbeat
import { localAdminActor } from "../../../../../../lib/actions/define-action.ts";
import { getDb } from "../../../../../../lib/db/client.ts";
import { cancelJob } from "../../../../../../lib/jobs/job-actions.ts";
import { errorResponse, jsonResponse, parseIdParam } from "../../../../respond.ts";

export const dynamic = "force-dynamic";

export async function POST(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const jobId = parseIdParam((await params).id, "job");
    const result = await cancelJob({ db: getDb(), actor: localAdminActor() }, { jobId });
    return jsonResponse({ jobId, state: result.state }, 202);
  } catch (error) {
    return errorResponse(error);
  }
}
