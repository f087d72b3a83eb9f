// GET /api/v1/capacity/scenarios – every saved scenario document, by name
import { listPlanScenarios } from "../../../../../lib/plans/queries.ts";
import { getDb } from "../../../../../lib/db/client.ts";
import { errorResponse, jsonResponse } from "../../../respond.ts";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    return jsonResponse({ scenarios: await listPlanScenarios(getDb()) });
  } catch (error) {
    return errorResponse(error);
  }
}
