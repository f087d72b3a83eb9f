// Fit: which model runs on which machine, and with how much context — the
// catalogue's models and chosen reference models against the saved host
// profiles, with the estimate behind every cell; the profiles are edited below.
import type { Metadata } from "next";
import { listFitModels, listHostProfiles } from "../../lib/plans/queries.ts";
import { getDb } from "../../lib/db/client.ts";
import { FitMatrix, type FitProfile } from "./fit-matrix.tsx";
import { HostProfiles } from "./host-profiles.tsx";
import { toHostProfileView } from "./profile-view.ts";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Fit" };

/** Reference rows named in the address ("qwen2.5-14b:Q4_K_M,…"); more than this is not a hand-made link. */
const MAX_REFERENCE_ROWS = 40;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default async function FitPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = await searchParams;
  const db = getDb();
  const [models, saved] = await Promise.all([listFitModels(db), listHostProfiles(db)]);
  const profiles = saved.map(toHostProfileView);
  const matrixProfiles: FitProfile[] = profiles.map(({ id, name, host, error }) => ({ id, name, host, error }));
  const ctx = Number(first(query.ctx));
  const ref = first(query.ref);
  const references = ref === undefined ? null : ref.split(",").filter((key) => /^[\w.-]{1,60}:[\w]{1,12}$/.test(key)).slice(0, MAX_REFERENCE_ROWS);
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-4">
        <h1 className="text-[17px] font-semibold tracking-tight">Fit</h1>
        <p className="text-neutral-500">Which model runs on which host — GPU, partial offload or CPU — and the largest context that fits</p>
      </div>
      <FitMatrix models={models} profiles={matrixProfiles} initialContext={Number.isFinite(ctx) && ctx > 0 ? ctx : null} initialReferences={references} />
      <HostProfiles profiles={profiles} />
    </div>
  );
}
