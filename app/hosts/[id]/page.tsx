// One inference host: its settings and reachability, the models on it (matched
// to catalogue references or extra, loaded, pushed by ModelShelf or not), its
// assignments and drift, a push form, its recent hosts jobs with progress, the
// edit form and delete. Kept live while a job for this host runs.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache, type ReactNode } from "react";
import { formatAge, formatBytes, formatDateTime, shortDigest } from "../../../lib/catalog/format.ts";
import { getDb } from "../../../lib/db/client.ts";
import { allowedPushMethods } from "../../../lib/hosts/drift.ts";
import { getHost, getInventory, type HostDetail, type InventoryModel } from "../../../lib/hosts/queries.ts";
import { listHostProfiles } from "../../../lib/plans/queries.ts";
import { loadModelRefs, primaryRefs } from "../../../lib/registry/model-refs.ts";
import { Badge } from "../../_components/badge.tsx";
import { CardSection } from "../../_components/card-section.tsx";
import { LiveRefresh } from "../../integrity/live-refresh.tsx";
import { ActionButton } from "../../libraries/action-button.tsx";
import { deleteHostAction, pollHostAction, reconcileHostAction, removeModelAction, unassignModelAction } from "../actions.ts";
import { CellBadge, HostStatusBadge, LoadedMark } from "../badges.tsx";
import { hostFormValues } from "../form-state.ts";
import { Drift } from "../host-cards.tsx";
import { HostForm } from "../host-form.tsx";
import { hasActiveHostJobs, listHostJobs } from "../../../lib/hosts/host-jobs-queries.ts";
import { HostJobsTable } from "../host-jobs-table.tsx";
import { AssignForm, PushForm, type PushModelOption } from "../push-form.tsx";

export const dynamic = "force-dynamic";

/** Pushes report progress about once a second; the bars move at that pace. */
const HOST_REFRESH_MS = 1_500;

/** generateMetadata and the page both need the host; cache() makes it one query per request. */
const loadHost = cache(async (rawId: string): Promise<HostDetail | null> => {
  if (!/^\d{1,10}$/.test(rawId)) return null;
  const id = Number(rawId);
  if (id < 1 || id > 2 ** 31 - 1) return null;
  return getHost(getDb(), id);
});

interface PageProps {
  params: Promise<{ id: string }>;
}

export async function generateMetadata({ params }: PageProps): Promise<Metadata> {
  const host = await loadHost((await params).id);
  return { title: host ? host.name : "Host not found" };
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex gap-2 py-0.5">
      <dt className="w-36 shrink-0 text-neutral-500">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </div>
  );
}

const none = <span className="text-neutral-400">–</span>;

function Details({ host, now }: { host: HostDetail; now: number }) {
  return (
    <div className="grid gap-x-8 p-3 lg:grid-cols-2" data-testid="host-details">
      <dl>
        <Fact label="Base URL">
          <span className="font-mono">{host.baseUrl}</span>
        </Fact>
        <Fact label="Kind">{host.kind}</Fact>
        {host.kind === "llama-server" ? (
          <>
            <Fact label="Receives models">{host.delivery === "nas-direct" ? "reads the NAS directly (preset entries)" : "copied into its models directory"}</Fact>
            {host.delivery === "nas-direct" ? (
              <>
                <Fact label="Preset file">{host.presetPath ? <span className="font-mono break-all">{host.presetPath}</span> : none}</Fact>
                <Fact label="Path map">
                  {host.pathMap.length === 0 ? (
                    none
                  ) : (
                    <ul className="space-y-0.5 font-mono text-[12px]">
                      {host.pathMap.map((m) => (
                        <li key={`${m.from}→${m.to}`} className="break-all">
                          {m.from} <span className="text-neutral-400">→</span> {m.to}
                        </li>
                      ))}
                    </ul>
                  )}
                </Fact>
              </>
            ) : (
              <Fact label="Models directory">{host.modelsDir ? <span className="font-mono break-all">{host.modelsDir}</span> : none}</Fact>
            )}
          </>
        ) : null}
        <Fact label="Host profile">
          {host.hostProfile ? (
            <Link href="/fit" className="hover:underline">
              {host.hostProfile.name}
            </Link>
          ) : (
            none
          )}
        </Fact>
        <Fact label="Auto-reconcile">{host.autoReconcile ? "on: drift is repaired after every poll" : "off"}</Fact>
      </dl>
      <dl>
        <Fact label="Status">
          <HostStatusBadge status={host.status} enabled={host.enabled} />
        </Fact>
        <Fact label="Last seen">
          <span title={formatDateTime(host.lastSeenAt)}>{formatAge(host.lastSeenAt, now)}</span>
        </Fact>
        <Fact label="Last polled">
          <span title={formatDateTime(host.lastPolledAt)}>{formatAge(host.lastPolledAt, now)}</span>
        </Fact>
        <Fact label="Version">{host.version ?? none}</Fact>
        <Fact label="Drift">
          <Drift host={host} />
        </Fact>
        {host.lastError ? (
          <Fact label="Last error">
            <span className="font-medium text-red-800" data-testid="host-last-error">
              {host.lastError}
            </span>
          </Fact>
        ) : null}
      </dl>
    </div>
  );
}

function memory(model: HostDetail["models"][number]): string {
  if (!model.loaded) return "";
  const parts = [model.loadedBytes !== null ? formatBytes(model.loadedBytes) : null, model.vramBytes !== null && model.vramBytes > 0 ? `${formatBytes(model.vramBytes)} VRAM` : null].filter(Boolean);
  return parts.join(" · ");
}

function ModelsTable({ host, modelIdByRef, now }: { host: HostDetail; modelIdByRef: Map<string, number>; now: number }) {
  if (host.models.length === 0) {
    return <p className="px-3 py-2 text-neutral-500">{host.lastSeenAt ? "The host reported no models at its last poll." : "Not polled yet: the models appear after the first poll."}</p>;
  }
  return (
    <table className="data-table" data-testid="host-models">
      <thead>
        <tr>
          <th>Name on the host</th>
          <th>Catalogue</th>
          <th className="text-right">Size</th>
          <th>Loaded</th>
          <th>Digest</th>
          <th>Pushed by</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {host.models.map((model) => {
          const modelId = model.ref ? modelIdByRef.get(model.ref) : undefined;
          return (
            <tr key={model.name} data-testid="host-model-row" data-name={model.name}>
              <td className="font-mono text-[12px] break-all">
                {model.name}
                {model.status && model.status !== "present" && model.status !== "loaded" ? <span className="ml-1.5 font-sans text-[11px] text-neutral-500">{model.status}</span> : null}
              </td>
              <td>
                {model.ref ? (
                  modelId !== undefined ? (
                    <Link href={`/models/${modelId}`} className="font-mono text-[12px] text-sky-700 hover:underline">
                      {model.ref}
                    </Link>
                  ) : (
                    <span className="font-mono text-[12px]">{model.ref}</span>
                  )
                ) : (
                  <Badge title="No catalogue reference has this name">extra</Badge>
                )}
              </td>
              <td className="text-right whitespace-nowrap">{formatBytes(model.sizeBytes)}</td>
              <td className="whitespace-nowrap">
                {model.loaded ? (
                  <span className="inline-flex items-center gap-1">
                    <LoadedMark /> <span className="text-emerald-800">loaded</span>
                    <span className="text-[12px] text-neutral-600">{memory(model)}</span>
                  </span>
                ) : (
                  <span className="text-neutral-400">no</span>
                )}
              </td>
              <td className="font-mono text-[12px] text-neutral-600" title={model.digest ?? undefined}>
                {model.digest ? shortDigest(model.digest) : "–"}
              </td>
              <td className="whitespace-nowrap">
                {model.deployedBy ? (
                  <span title={`confirmed ${formatDateTime(model.deployedBy.confirmedAt)}`}>
                    ModelShelf <span className="text-neutral-500">({model.deployedBy.method}, {formatAge(model.deployedBy.confirmedAt, now)})</span>
                  </span>
                ) : (
                  <span className="text-neutral-500">not ModelShelf</span>
                )}
              </td>
              <td className="text-right">
                {host.enabled ? (
                  <ActionButton
                    action={removeModelAction}
                    fields={{ hostId: String(host.id), hostName: model.name }}
                    label="Remove"
                    pendingLabel="Queuing…"
                    variant="danger"
                    confirmText={`Remove ${model.name} from ${host.name}? The host deletes it${model.deployedBy ? "" : " (ModelShelf did not put it there)"}.`}
                    testId="remove-model"
                  />
                ) : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Assignments({ host }: { host: HostDetail }) {
  if (host.assignments.length === 0) return <p className="px-3 py-2 text-neutral-500">Nothing is assigned: a reconcile leaves this host as it is.</p>;
  return (
    <table className="data-table" data-testid="host-assignments">
      <thead>
        <tr>
          <th>Model</th>
          <th>Method</th>
          <th>On the host</th>
          <th>Assigned</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {host.assignments.map((assignment) => (
          <tr key={assignment.modelId} data-testid="assignment-row" data-ref={assignment.ref ?? ""}>
            <td>
              <Link href={`/models/${assignment.modelId}`} className="font-mono text-[12px] text-sky-700 hover:underline">
                {assignment.ref ?? `model #${assignment.modelId}`}
              </Link>
              {assignment.ref === null ? <div className="text-[11px] text-amber-800">no servable file in the catalogue: cannot be pushed</div> : null}
            </td>
            <td>{assignment.method}</td>
            <td>{assignment.state ? <CellBadge cell={{ state: assignment.state, assigned: true, loaded: false, reason: "" }} marks={false} /> : none}</td>
            <td className="whitespace-nowrap text-neutral-600">
              {assignment.createdBy} · {formatDateTime(assignment.createdAt)}
            </td>
            <td className="text-right">
              <ActionButton action={unassignModelAction} fields={{ hostId: String(host.id), model: String(assignment.modelId) }} label="Unassign" pendingLabel="Saving…" testId="unassign" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function optionLabel(model: InventoryModel, state: string | undefined): string {
  const here = state && state !== "missing" ? ` · on the host (${state})` : "";
  return `${model.ref} — ${model.displayName} · ${model.fileType} · ${formatBytes(model.totalBytes)}${here}`;
}

export default async function HostPage({ params }: PageProps) {
  const host = await loadHost((await params).id);
  if (!host) notFound();
  const db = getDb();
  const now = new Date();
  const [inventory, refs, profiles, jobs, active] = await Promise.all([getInventory(db), loadModelRefs(db), listHostProfiles(db), listHostJobs(db, host.id), hasActiveHostJobs(db, host.id, now)]);
  const cells = inventory.cells[host.id] ?? {};
  const modelIdByRef = new Map(inventory.models.map((m) => [m.ref, m.modelId]));
  const pushModels: PushModelOption[] = inventory.models.map((m) => ({ ref: m.ref, label: optionLabel(m, cells[m.ref]?.state) }));
  const assigned = new Set(host.assignments.map((a) => a.modelId));
  const byRef = new Map(inventory.models.map((m) => [m.ref, m]));
  const assignModels: PushModelOption[] = [...primaryRefs(refs).values()]
    .filter((ref) => !assigned.has(ref.modelId) && byRef.has(ref.ref))
    .sort((a, b) => a.ref.localeCompare(b.ref))
    .map((ref) => ({ ref: ref.ref, label: optionLabel(byRef.get(ref.ref)!, cells[ref.ref]?.state) }));
  const methods = allowedPushMethods(host.kind, host.delivery);
  const nowMs = now.getTime();

  return (
    <div className="space-y-3">
      <nav aria-label="Breadcrumb" className="text-neutral-500">
        <Link href="/hosts" className="hover:underline">
          Hosts
        </Link>{" "}
        / <span className="text-neutral-700">{host.name}</span>
      </nav>
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="text-[18px] font-semibold tracking-tight">{host.name}</h1>
        <Badge tone={host.kind === "ollama" ? "violet" : "blue"}>{host.kind}</Badge>
        <HostStatusBadge status={host.status} enabled={host.enabled} />
        {host.version ? <span className="text-neutral-500">version {host.version}</span> : null}
        {host.enabled ? (
          <div className="ml-auto flex flex-wrap items-center gap-1.5">
            <ActionButton action={pollHostAction} fields={{ hostId: String(host.id) }} label="Poll now" pendingLabel="Queuing…" testId="host-poll" />
            <ActionButton action={reconcileHostAction} fields={{ hostId: String(host.id) }} label="Reconcile" pendingLabel="Queuing…" variant="primary" testId="host-reconcile" />
          </div>
        ) : null}
      </div>

      <section aria-label="Host details" className="card">
        <Details host={host} now={nowMs} />
      </section>

      {host.toPush.length + host.toRemove.length > 0 ? (
        <div role="status" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-red-950" data-testid="host-drift-detail">
          <strong className="font-semibold">Drift.</strong> A reconcile would{" "}
          {host.toPush.length > 0 ? (
            <>
              push <span className="font-mono text-[12px]">{host.toPush.map((p) => p.ref).join(", ")}</span>
            </>
          ) : null}
          {host.toPush.length > 0 && host.toRemove.length > 0 ? " and " : null}
          {host.toRemove.length > 0 ? (
            <>
              remove <span className="font-mono text-[12px]">{host.toRemove.map((r) => r.hostName).join(", ")}</span> (pushed by ModelShelf, no longer assigned)
            </>
          ) : null}
          .
        </div>
      ) : null}

      <CardSection anchor="models" titleId="host-models-title" title={`Models on the host (${host.models.length})`} aside={<span className="text-[12px] text-neutral-500">as of the last poll, {formatAge(host.lastSeenAt, nowMs)}</span>}>
        <div className="overflow-x-auto">
          <ModelsTable host={host} modelIdByRef={modelIdByRef} now={nowMs} />
        </div>
      </CardSection>

      <div className="grid gap-3 xl:grid-cols-2">
        <CardSection anchor="assignments" titleId="assignments-title" title={`Assignments (${host.assignments.length})`}>
          <div className="overflow-x-auto">
            <Assignments host={host} />
          </div>
          <div className="border-t border-neutral-200 px-3 py-2">
            {assignModels.length > 0 ? <AssignForm hostId={host.id} methods={methods} models={assignModels} /> : <p className="text-[12px] text-neutral-500">Every servable catalogue model is assigned.</p>}
          </div>
        </CardSection>
        <CardSection anchor="push" titleId="push-title" title="Push a model now">
          <div className="px-3 py-2">
            {!host.enabled ? (
              <p className="text-neutral-500">The host is disabled: enable it to push.</p>
            ) : pushModels.length === 0 ? (
              <p className="text-neutral-500">The catalogue has no model with a complete, indexed file to push.</p>
            ) : (
              <PushForm hosts={[{ id: host.id, name: host.name, methods, enabled: host.enabled, canLoad: host.kind === "llama-server" }]} models={pushModels} />
            )}
            <p className="mt-1.5 text-[11px] text-neutral-500">Only verified files are pushed; the job checks the host&apos;s own copy before it reports success.</p>
          </div>
        </CardSection>
      </div>

      <CardSection anchor="jobs" titleId="host-jobs-title" title="Recent jobs" aside={<span className="text-[12px] text-neutral-500">pushes, removals, reconciles and failed polls</span>}>
        <div className="overflow-x-auto">
          <HostJobsTable jobs={jobs} now={nowMs} />
        </div>
      </CardSection>

      <CardSection anchor="edit" titleId="edit-title" title="Edit host" aside={<ActionButton action={deleteHostAction} fields={{ id: String(host.id) }} label="Delete host" pendingLabel="Deleting…" variant="danger" confirmText={`Delete ${host.name}? ModelShelf stops managing it; the models on the host stay there.`} testId="delete-host" />}>
        <HostForm initial={hostFormValues(host)} profiles={profiles.map((p) => ({ id: p.id, name: p.name }))} />
      </CardSection>

      <LiveRefresh active={active} intervalMs={HOST_REFRESH_MS} />
    </div>
  );
}
