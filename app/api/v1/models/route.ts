// GET /api/v1/models – list models (search, filters, sort, paging, facets)
import { listModels, parseModelListParams } from "../../../../lib/catalog/queries.ts";
import { getDb } from "../../../../lib/db/client.ts";
import { AppError } from "../../../../lib/errors.ts";
import { errorResponse, jsonResponse } from "../../respond.ts";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  try {
    const parsed = parseModelListParams(new URL(request.url).searchParams);
    if (!parsed.success) throw new AppError("invalid-input", parsed.message, { details: { issues: parsed.issues } });
    return jsonResponse(await listModels(getDb(), parsed.params));
  } catch (error) {
    return errorResponse(error);
  }
}
