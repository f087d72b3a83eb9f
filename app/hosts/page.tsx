// Hosts: the inference hosts (Ollama, llama-server) ModelShelf pushes models
// to — what is on each compared with the catalogue (the inventory matrix),
// drift against the assignments, each host's reachability, and the forms to
// add a host and to tune pushing and polling. Kept live while hosts jobs run.
import type { Metadata } from "next";
import { getDb } from "../../lib/db/client.ts";
import { getInventory } from "../../lib/hosts/queries.ts";
import { listHostProfiles } from "../../lib/plans/queries.ts";
import { readHostsSettings } from "../../lib/settings/hosts-settings.ts";
import { CardSection } from "../_components/card-section.tsx";
import { LiveRefresh } from "../integrity/live-refresh.tsx";
import { ActionButton } from "../libraries/action-button.tsx";
import { reconcileAllAction } from "./actions.ts";
import { emptyHostValues } from "./form-state.ts";
import { HostCard } from "./host-cards.tsx";
import { HostForm } from "./host-form.tsx";
import { hasActiveHostJobs } from "../../lib/hosts/host-jobs-queries.ts";
import { ExtraModels, InventoryMatrixTable, InventoryTotals } from "./inventory-matrix.tsx";
import { HostsSettingsForm } from "./settings-form.tsx";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Hosts" };

/** A poll answers in a second or two and a push reports progress every second; every two seconds is live enough. */
const HOSTS_REFRESH_MS = 2_000;

export default async function HostsPage() {
  const db = getDb();
  const now = new Date();
  const [inventory, profiles, settings, active] = await Promise.all([getInventory(db), listHostProfiles(db), readHostsSettings(db), hasActiveHostJobs(db, undefined, now)]);
  const withDrift = inventory.hosts.filter((host) => host.enabled && host.driftCount + host.surplusCount > 0).length;
  const extraCount = inventory.totals.extra;

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-baseline gap-3">
          <h1 className="text-[17px] font-semibold tracking-tight">Hosts</h1>
          <p className="text-neutral-500">Ollama and llama-server hosts: what each has, what it should have, and pushes from the library.</p>
        </div>
        {withDrift > 0 ? (
          <ActionButton
            action={reconcileAllAction}
            fields={{}}
            label={`Reconcile all with drift (${withDrift})`}
            pendingLabel="Queuing…"
            variant="primary"
            confirmText={`Reconcile ${withDrift} host${withDrift === 1 ? "" : "s"}: push what is assigned and missing, remove what ModelShelf pushed and is no longer assigned?`}
            testId="reconcile-all"
          />
        ) : null}
      </div>

      <InventoryTotals totals={inventory.totals} />

      <CardSection anchor="inventory" titleId="inventory-title" title={`Inventory (${inventory.models.length} models × ${inventory.hosts.length} hosts)`}>
        <InventoryMatrixTable inventory={inventory} />
      </CardSection>

      {inventory.hosts.length > 0 ? (
        <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4" data-testid="host-cards">
          {inventory.hosts.map((host) => (
            <HostCard key={host.id} host={host} now={now.getTime()} />
          ))}
        </div>
      ) : null}

      {inventory.hosts.length > 0 ? (
        <CardSection anchor="extra" titleId="extra-title" title={`Not in the catalogue (${extraCount})`}>
          <ExtraModels inventory={inventory} />
        </CardSection>
      ) : null}

      <CardSection anchor="add-host" titleId="add-host-title" title="Add a host">
        <HostForm initial={emptyHostValues} profiles={profiles.map((p) => ({ id: p.id, name: p.name }))} />
      </CardSection>

      <CardSection anchor="settings" titleId="hosts-settings-title" title="Push and poll settings">
        <HostsSettingsForm settings={settings} />
      </CardSection>

      <LiveRefresh active={active} intervalMs={HOSTS_REFRESH_MS} />
    </div>
  );
}
