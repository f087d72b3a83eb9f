// GET /api/v1/libraries – library roots with status, mount facts, last and running scans
import { listLibraries } from "../../../../lib/catalog/queries.ts";
import { getDb } from "../../../../lib/db/client.ts";
import { errorResponse, jsonResponse } from "../../respond.ts";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    return jsonResponse({ libraries: await listLibraries(getDb()) });
  } catch (error) {
    return errorResponse(error);
  }
}
