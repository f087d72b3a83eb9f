// GET /api/v1/models/[id] – one model with files, Ollama tags and parsed metadata
import { getModel } from "../../../../../lib/catalog/queries.ts";
import { getDb } from "../../../../../lib/db/client.ts";
import { AppError } from "../../../../../lib/errors.ts";
import { errorResponse, jsonResponse, parseIdParam } from "../../../respond.ts";

export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const id = parseIdParam((await params).id, "model");
    const model = await getModel(getDb(), id);
    if (!model) throw new AppError("not-found", `model ${id} not found`);
    return jsonResponse(model);
  } catch (error) {
    return errorResponse(error);
  }
}
