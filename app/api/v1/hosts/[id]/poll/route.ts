// POST /api/v1/hosts/[id]/poll – enqueue a poll of the host now (no body)
import { z } from "zod";
import { localAdminActor } from "../../../../../../lib/actions/define-action.ts";
import { getDb } from "../../../../../../lib/db/client.ts";
import { requestPoll } from "../../../../../../lib/hosts/host-actions.ts";
import { errorResponse, jsonResponse, parseIdParam, readJsonObject } from "../../../../respond.ts";
import { parseBody } from "../../parse-body.ts";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const hostId = parseIdParam((await params).id, "host");
    parseBody(z.object({}).strict(), await readJsonObject(request));
    const job = await requestPoll({ db: getDb(), actor: localAdminActor() }, { hostId });
    return jsonResponse(job, 202);
  } catch (error) {
    return errorResponse(error);
  }
}
