// POST /api/v1/hosts/[id]/assignments – assign a model to the host (body: { model, method? }); DELETE – unassign it (body: { model })
import { z } from "zod";
import { localAdminActor } from "../../../../../../lib/actions/define-action.ts";
import { getDb } from "../../../../../../lib/db/client.ts";
import { setAssignment } from "../../../../../../lib/hosts/host-actions.ts";
import { errorResponse, jsonResponse, parseIdParam, readJsonObject } from "../../../../respond.ts";
import { modelField, parseBody, pushMethodField } from "../../parse-body.ts";

export const dynamic = "force-dynamic";

interface Context {
  params: Promise<{ id: string }>;
}

const assignBodySchema = z.object({ model: modelField, method: pushMethodField }).strict();
const unassignBodySchema = z.object({ model: modelField }).strict();

export async function POST(request: Request, { params }: Context): Promise<Response> {
  try {
    const hostId = parseIdParam((await params).id, "host");
    const body = parseBody(assignBodySchema, await readJsonObject(request));
    const result = await setAssignment({ db: getDb(), actor: localAdminActor() }, { hostId, model: body.model, assigned: true, method: body.method ?? "auto" });
    return jsonResponse(result);
  } catch (error) {
    return errorResponse(error);
  }
}

export async function DELETE(request: Request, { params }: Context): Promise<Response> {
  try {
    const hostId = parseIdParam((await params).id, "host");
    const body = parseBody(unassignBodySchema, await readJsonObject(request));
    const result = await setAssignment({ db: getDb(), actor: localAdminActor() }, { hostId, model: body.model, assigned: false });
    return jsonResponse(result);
  } catch (error) {
    return errorResponse(error);
  }
}
