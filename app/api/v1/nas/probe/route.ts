// POST /api/v1/nas/probe – queue a NAS check (body: { host, exportPath?, uid?, gid?, timeoutMs?, nfsPort?, mountPort?, sampleMegabytes? })
import { localAdminActor } from "../../../../../lib/actions/define-action.ts";
import { getDb } from "../../../../../lib/db/client.ts";
import { requestNasProbe } from "../../../../../lib/nfs/nas-actions.ts";
import { errorResponse, jsonResponse, readJsonObject } from "../../../respond.ts";

export const dynamic = "force-dynamic";

export async function POST(request: Request): Promise<Response> {
  try {
    const job = await requestNasProbe({ db: getDb(), actor: localAdminActor() }, await readJsonObject(request));
    return jsonResponse({ jobId: job.id, deduplicated: job.deduplicated }, 202);
  } catch (error) {
    return errorResponse(error);
  }
}
