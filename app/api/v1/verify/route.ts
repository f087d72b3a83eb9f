// POST /api/v1/verify – queue every present file of every enabled library for hashing
import { localAdminActor } from "../../../../lib/actions/define-action.ts";
import { getDb } from "../../../../lib/db/client.ts";
import { AppError } from "../../../../lib/errors.ts";
import { verifyEverything } from "../../../../lib/hashing/verify-actions.ts";
import { errorResponse, jsonResponse, readJsonObject } from "../../respond.ts";

export const dynamic = "force-dynamic";

export async function POST(request: Request): Promise<Response> {
  try {
    // No options yet: an unexpected key is a caller's mistake, not something to ignore.
    const body = await readJsonObject(request);
    const unknown = Object.keys(body);
    if (unknown.length > 0) throw new AppError("invalid-input", `unknown option(s): ${unknown.slice(0, 5).join(", ")}`);
    const result = await verifyEverything({ db: getDb(), actor: localAdminActor() }, {});
    return jsonResponse({ files: result.files, queued: result.queued }, 202);
  } catch (error) {
    return errorResponse(error);
  }
}
