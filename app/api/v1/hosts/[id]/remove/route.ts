// POST /api/v1/hosts/[id]/remove – enqueue removing a model from the host (body: { hostName: the host's own name for it })
import { z } from "zod";
import { localAdminActor } from "../../../../../../lib/actions/define-action.ts";
import { getDb } from "../../../../../../lib/db/client.ts";
import { requestRemove } from "../../../../../../lib/hosts/host-actions.ts";
import { errorResponse, jsonResponse, parseIdParam, readJsonObject } from "../../../../respond.ts";
import { parseBody } from "../../parse-body.ts";

export const dynamic = "force-dynamic";

const removeBodySchema = z.object({ hostName: z.string().trim().min(1, "the host's name for the model, as GET /api/v1/hosts/[id] lists it").max(512) }).strict();

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const hostId = parseIdParam((await params).id, "host");
    const body = parseBody(removeBodySchema, await readJsonObject(request));
    const job = await requestRemove({ db: getDb(), actor: localAdminActor() }, { hostId, hostName: body.hostName });
    return jsonResponse(job, 202);
  } catch (error) {
    return errorResponse(error);
  }
}
