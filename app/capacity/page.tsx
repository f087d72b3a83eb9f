// Capacity: how full the library roots are today (statfs / NFS FSSTAT) and
// which models take the space, then the storage planner — a NAS, the planned
// models and growth, evaluated live — with saved scenarios and their export.
import type { Metadata } from "next";
import { getCatalogueUsage, getLibraryUsage, listPlanScenarios } from "../../lib/plans/queries.ts";
import { parseScenario } from "../../lib/capacity/scenario.ts";
import { getDb } from "../../lib/db/client.ts";
import { errorMessage } from "../../lib/errors.ts";
import { BiggestModels, RootUsageList } from "./current-usage.tsx";
import { ScenarioEditor, type SavedScenarioView } from "./scenario-editor.tsx";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Capacity" };

function scenarioProblem(scenario: unknown): string | null {
  try {
    parseScenario(scenario);
    return null;
  } catch (error) {
    return `stored scenario is invalid: ${errorMessage(error)}`;
  }
}

export default async function CapacityPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = await searchParams;
  const db = getDb();
  const [roots, catalogue, scenarios] = await Promise.all([getLibraryUsage(db), getCatalogueUsage(db), listPlanScenarios(db)]);
  const saved: SavedScenarioView[] = scenarios.map((s) => ({ id: s.id, name: s.name, updatedAt: s.updatedAt, scenario: s.scenario, error: scenarioProblem(s.scenario) }));
  const raw = Array.isArray(query.scenario) ? query.scenario[0] : query.scenario;
  const initialId = raw && /^\d{1,9}$/.test(raw) ? Number(raw) : null;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-4">
        <h1 className="text-[17px] font-semibold tracking-tight">Capacity</h1>
        <p className="text-neutral-500">Space used today, and how big the NAS must be for the models you plan to keep</p>
      </div>
      <div className="grid items-start gap-3 xl:grid-cols-2">
        <RootUsageList usage={roots} />
        <BiggestModels usage={catalogue} />
      </div>
      <ScenarioEditor now={new Date().toISOString()} currentBytes={catalogue.uniqueBytes} saved={saved} initialId={initialId} />
    </div>
  );
}
