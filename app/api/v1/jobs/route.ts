// GET /api/v1/jobs?state=&limit= – totals per state and the jobs of each state (targets resolved, live progress)
import { getDb } from "../../../../lib/db/client.ts";
import { AppError } from "../../../../lib/errors.ts";
import { listJobs, parseJobListParams } from "../../../../lib/jobs/queries.ts";
import { errorResponse, jsonResponse } from "../../respond.ts";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  try {
    const parsed = parseJobListParams(new URL(request.url).searchParams);
    if (!parsed.success) throw new AppError("invalid-input", parsed.message);
    return jsonResponse(await listJobs(getDb(), parsed.params));
  } catch (error) {
    return errorResponse(error);
  }
}
