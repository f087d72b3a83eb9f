// POST /api/v1/libraries/[id]/scan – enqueue a scan of one library (body: { acceptMissing? })
import { z } from "zod";
import { localAdminActor } from "../../../../../../lib/actions/define-action.ts";
import { requestLibraryScan } from "../../../../../../lib/catalog/library-actions.ts";
import { getDb } from "../../../../../../lib/db/client.ts";
import { AppError } from "../../../../../../lib/errors.ts";
import { errorResponse, jsonResponse, parseIdParam, readJsonObject } from "../../../../respond.ts";

export const dynamic = "force-dynamic";

const scanBodySchema = z.object({ acceptMissing: z.boolean().optional() }).strict();

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const libraryId = parseIdParam((await params).id, "library");
    const body = scanBodySchema.safeParse(await readJsonObject(request));
    if (!body.success) {
      throw new AppError("invalid-input", body.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
    }
    const job = await requestLibraryScan(
      { db: getDb(), actor: localAdminActor() },
      { libraryId, acceptMissing: body.data.acceptMissing ?? false },
    );
    return jsonResponse({ jobId: job.id, deduplicated: job.deduplicated }, 202);
  } catch (error) {
    return errorResponse(error);
  }
}
