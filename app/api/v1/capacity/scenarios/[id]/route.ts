// GET /api/v1/capacity/scenarios/[id] – one saved scenario evaluated now, as JSON or CSV (`3.json`, `3.csv` or ?format=)
import { getPlanScenario } from "../../../../../../lib/plans/queries.ts";
import { evaluateScenario, parseScenario, type ScenarioInput } from "../../../../../../lib/capacity/scenario.ts";
import { scenarioCsv, type ScenarioExport } from "../../../../../../lib/capacity/scenario-export.ts";
import { getDb } from "../../../../../../lib/db/client.ts";
import { AppError } from "../../../../../../lib/errors.ts";
import { errorResponse, jsonResponse, parseIdParam } from "../../../../respond.ts";

export const dynamic = "force-dynamic";

const FORMATS = ["json", "csv"] as const;
type Format = (typeof FORMATS)[number];

/** "3.csv" → id "3", csv; a ?format= query wins over no extension and must agree with one. */
function parseTarget(raw: string, query: string | null): { id: string; format: Format } {
  const match = /^(.*?)(?:\.(json|csv))?$/i.exec(raw);
  const id = match?.[1] ?? raw;
  const extension = match?.[2]?.toLowerCase() as Format | undefined;
  const requested = query === null || query === "" ? undefined : query.toLowerCase();
  if (requested !== undefined && !(FORMATS as readonly string[]).includes(requested)) {
    throw new AppError("invalid-input", `format must be json or csv, got "${query?.slice(0, 20)}"`);
  }
  if (requested !== undefined && extension !== undefined && requested !== extension) {
    throw new AppError("invalid-input", `the path asks for ${extension} but format= asks for ${requested}`);
  }
  return { id, format: (requested as Format | undefined) ?? extension ?? "json" };
}

/** A file name from the scenario's name: letters, digits, dot, dash and underscore only. */
function fileName(name: string, id: number, format: Format): string {
  const base = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80) || `scenario-${id}`;
  return `${base}.${format}`;
}

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const target = parseTarget((await params).id, new URL(request.url).searchParams.get("format"));
    const id = parseIdParam(target.id, "scenario");
    const saved = await getPlanScenario(getDb(), id);
    if (!saved) throw new AppError("not-found", `scenario ${id} not found`);
    const now = new Date();
    const exported: ScenarioExport = {
      id: saved.id,
      name: saved.name,
      updatedAt: saved.updatedAt,
      generatedAt: now.toISOString(),
      scenario: saved.scenario as ScenarioInput,
      evaluation: evaluateScenario(parseScenario(saved.scenario), now),
    };
    const disposition = `attachment; filename="${fileName(saved.name, saved.id, target.format)}"`;
    if (target.format === "csv") {
      return new Response(scenarioCsv(exported), {
        headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": disposition, "cache-control": "no-store" },
      });
    }
    const response = jsonResponse(exported);
    response.headers.set("content-disposition", disposition);
    return response;
  } catch (error) {
    return errorResponse(error);
  }
}
