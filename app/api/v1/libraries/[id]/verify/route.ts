// POST /api/v1/libraries/[id]/verify – queue every present file of a library for hashing ahead of the scrub
import { localAdminActor } from "../../../../../../lib/actions/define-action.ts";
import { getDb } from "../../../../../../lib/db/client.ts";
import { verifyLibrary } from "../../../../../../lib/hashing/verify-actions.ts";
import { errorResponse, jsonResponse, parseIdParam } from "../../../../respond.ts";

export const dynamic = "force-dynamic";

export async function POST(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const libraryId = parseIdParam((await params).id, "library");
    const result = await verifyLibrary({ db: getDb(), actor: localAdminActor() }, { libraryId });
    return jsonResponse({ files: result.files, queued: result.queued }, 202);
  } catch (error) {
    return errorResponse(error);
  }
}
