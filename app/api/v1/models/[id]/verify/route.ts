// POST /api/v1/models/[id]/verify – queue every present file of a model for hashing ahead of the scrub
import { localAdminActor } from "../../../../../../lib/actions/define-action.ts";
import { getDb } from "../../../../../../lib/db/client.ts";
import { verifyModel } from "../../../../../../lib/hashing/verify-actions.ts";
import { errorResponse, jsonResponse, parseIdParam } from "../../../../respond.ts";

export const dynamic = "force-dynamic";

export async function POST(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const modelId = parseIdParam((await params).id, "model");
    const result = await verifyModel({ db: getDb(), actor: localAdminActor() }, { modelId });
    return jsonResponse({ files: result.files, queued: result.queued }, 202);
  } catch (error) {
    return errorResponse(error);
  }
}
