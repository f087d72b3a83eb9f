// GET /api/v1/integrity – files per verify state, failed verifications, checksum-file problems, coverage, scrub, duplicates
import { getDb } from "../../../../lib/db/client.ts";
import { getIntegritySummary, listDuplicates } from "../../../../lib/hashing/queries.ts";
import { errorResponse, jsonResponse } from "../../respond.ts";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    const db = getDb();
    const [summary, duplicates] = await Promise.all([getIntegritySummary(db), listDuplicates(db)]);
    return jsonResponse({ ...summary, duplicates });
  } catch (error) {
    return errorResponse(error);
  }
}
