// GET /api/health – liveness for monitoring: database reachable and library counts (503 otherwise)
import { getCatalogHealth } from "../../../lib/catalog/queries.ts";
import { getDb } from "../../../lib/db/client.ts";
import { errorMessage } from "../../../lib/errors.ts";
import { jsonResponse } from "../respond.ts";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    const health = await getCatalogHealth(getDb());
    return jsonResponse({ status: "ok", db: "ok", libraries: health.libraries });
  } catch (error) {
    // Logged for the operator; the answer only says that the database is the problem.
    console.error("health check failed", errorMessage(error));
    return jsonResponse({ status: "error", db: "unreachable" }, 503);
  }
}
