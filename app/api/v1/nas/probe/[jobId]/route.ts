// GET /api/v1/nas/probe/[jobId] – one NAS check: its state, and its result or error once finished
import { getDb } from "../../../../../../lib/db/client.ts";
import { AppError } from "../../../../../../lib/errors.ts";
import { getNasProbe } from "../../../../../../lib/nfs/queries.ts";
import { errorResponse, jsonResponse, parseIdParam } from "../../../../respond.ts";

export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ jobId: string }> }): Promise<Response> {
  try {
    const jobId = parseIdParam((await params).jobId, "job");
    const run = await getNasProbe(getDb(), jobId);
    if (!run) throw new AppError("not-found", `NAS check ${jobId} not found`);
    return jsonResponse({ ...run, generatedAt: new Date().toISOString() });
  } catch (error) {
    return errorResponse(error);
  }
}
