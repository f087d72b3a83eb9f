// GET /api/v1/hosts/[id] – one host with its models, assignments and drift; PUT – replace its settings; DELETE – stop managing it
import { localAdminActor } from "../../../../../lib/actions/define-action.ts";
import { getDb } from "../../../../../lib/db/client.ts";
import { AppError } from "../../../../../lib/errors.ts";
import { deleteHost, saveHost } from "../../../../../lib/hosts/host-actions.ts";
import { getHost } from "../../../../../lib/hosts/queries.ts";
import { errorResponse, jsonResponse, parseIdParam, readJsonObject } from "../../../respond.ts";
import { checkHostBody } from "../parse-body.ts";

export const dynamic = "force-dynamic";

interface Context {
  params: Promise<{ id: string }>;
}

export async function GET(_request: Request, { params }: Context): Promise<Response> {
  try {
    const id = parseIdParam((await params).id, "host");
    const host = await getHost(getDb(), id);
    if (!host) throw new AppError("not-found", `host ${id} not found`);
    return jsonResponse(host);
  } catch (error) {
    return errorResponse(error);
  }
}

export async function PUT(request: Request, { params }: Context): Promise<Response> {
  try {
    const id = parseIdParam((await params).id, "host");
    const host = checkHostBody(await readJsonObject(request));
    const saved = await saveHost({ db: getDb(), actor: localAdminActor() }, { id, host });
    return jsonResponse({ id: saved.id });
  } catch (error) {
    return errorResponse(error);
  }
}

export async function DELETE(_request: Request, { params }: Context): Promise<Response> {
  try {
    const id = parseIdParam((await params).id, "host");
    await deleteHost({ db: getDb(), actor: localAdminActor() }, { id });
    return jsonResponse({ id, deleted: true });
  } catch (error) {
    return errorResponse(error);
  }
}
