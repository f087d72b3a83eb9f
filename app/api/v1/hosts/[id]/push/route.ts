// POST /api/v1/hosts/[id]/push – enqueue a push (body: { model: id or ns/model:tag, method?: auto|upload|pull|copy|preset, load?: boolean })
import { z } from "zod";
import { localAdminActor } from "../../../../../../lib/actions/define-action.ts";
import { getDb } from "../../../../../../lib/db/client.ts";
import { requestPush } from "../../../../../../lib/hosts/host-actions.ts";
import { errorResponse, jsonResponse, parseIdParam, readJsonObject } from "../../../../respond.ts";
import { modelField, parseBody, pushMethodField } from "../../parse-body.ts";

export const dynamic = "force-dynamic";

const pushBodySchema = z.object({ model: modelField, method: pushMethodField, load: z.boolean().optional() }).strict();

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const hostId = parseIdParam((await params).id, "host");
    const body = parseBody(pushBodySchema, await readJsonObject(request));
    const result = await requestPush({ db: getDb(), actor: localAdminActor() }, { hostId, model: body.model, method: body.method ?? "auto", load: body.load ?? false });
    return jsonResponse(result, 202);
  } catch (error) {
    return errorResponse(error);
  }
}
