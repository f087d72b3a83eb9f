// GET /api/v1/capacity/usage – space per library root (statfs / FSSTAT) and catalogue bytes by model, identical content once
import { getCatalogueUsage, getLibraryUsage } from "../../../../../lib/plans/queries.ts";
import { getDb } from "../../../../../lib/db/client.ts";
import { errorResponse, jsonResponse } from "../../../respond.ts";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    const db = getDb();
    const [roots, catalogue] = await Promise.all([getLibraryUsage(db), getCatalogueUsage(db)]);
    return jsonResponse({ ...roots, catalogue, generatedAt: new Date().toISOString() });
  } catch (error) {
    return errorResponse(error);
  }
}
