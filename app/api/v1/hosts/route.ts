// GET /api/v1/hosts – the hosts × models inventory with drift; POST /api/v1/hosts – add a host (polled at once)
import { localAdminActor } from "../../../../lib/actions/define-action.ts";
import { getDb } from "../../../../lib/db/client.ts";
import { saveHost } from "../../../../lib/hosts/host-actions.ts";
import { getInventory } from "../../../../lib/hosts/queries.ts";
import { errorResponse, jsonResponse, readJsonObject } from "../../respond.ts";
import { checkHostBody } from "./parse-body.ts";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    return jsonResponse(await getInventory(getDb()));
  } catch (error) {
    return errorResponse(error);
  }
}

export async function POST(request: Request): Promise<Response> {
  try {
    const host = checkHostBody(await readJsonObject(request));
    const saved = await saveHost({ db: getDb(), actor: localAdminActor() }, { host });
    return jsonResponse({ id: saved.id }, 201);
  } catch (error) {
    return errorResponse(error);
  }
}
