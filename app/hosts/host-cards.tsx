// One card per host on the inventory page: reachability (last seen, last
// error), version, models and how many are loaded, drift, and the buttons an
// admin reaches for first (Poll, Reconcile, open the host).
import Link from "next/link";
import type { ReactNode } from "react";
import { formatAge, formatCount, formatDateTime } from "../../lib/catalog/format.ts";
import type { HostSummary } from "../../lib/hosts/queries.ts";
import { Badge } from "../_components/badge.tsx";
import { ActionButton } from "../libraries/action-button.tsx";
import { pollHostAction, reconcileHostAction } from "./actions.ts";
import { HostStatusBadge } from "./badges.tsx";

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex gap-2">
      <dt className="w-20 shrink-0 text-neutral-500">{label}</dt>
      <dd className="min-w-0 tabular-nums">{children}</dd>
    </div>
  );
}

export function Drift({ host }: { host: Pick<HostSummary, "driftCount" | "surplusCount"> }) {
  if (host.driftCount + host.surplusCount === 0) return <span className="text-emerald-700">none</span>;
  return (
    <span className="font-medium text-red-700" data-testid="host-drift">
      {[host.driftCount > 0 ? `${formatCount(host.driftCount)} to push` : null, host.surplusCount > 0 ? `${formatCount(host.surplusCount)} to remove` : null].filter(Boolean).join(", ")}
    </span>
  );
}

export function HostCard({ host, now }: { host: HostSummary; now: number }) {
  const drift = host.driftCount + host.surplusCount;
  return (
    <article className={`card flex min-w-0 flex-col ${drift > 0 && host.enabled ? "border-red-200" : ""}`} aria-labelledby={`host-card-${host.id}`} data-testid="host-card" data-host={host.name}>
      <header className="flex flex-wrap items-center gap-1.5 border-b border-neutral-200 px-3 py-1.5">
        <h3 id={`host-card-${host.id}`} className="min-w-0 truncate text-[13px] font-semibold">
          <Link href={`/hosts/${host.id}`} className="hover:text-sky-700 hover:underline">
            {host.name}
          </Link>
        </h3>
        <Badge tone={host.kind === "ollama" ? "violet" : "blue"}>{host.kind}</Badge>
        <HostStatusBadge status={host.status} enabled={host.enabled} />
        {host.autoReconcile ? <Badge title="Drift is repaired after every poll">auto-reconcile</Badge> : null}
      </header>
      <dl className="flex-1 space-y-0.5 px-3 py-2 text-[12px]">
        <Row label="URL">
          <span className="block truncate font-mono" title={host.baseUrl}>
            {host.baseUrl}
          </span>
        </Row>
        <Row label="Last seen">
          <span title={host.lastSeenAt ? formatDateTime(host.lastSeenAt) : undefined}>{formatAge(host.lastSeenAt, now)}</span>
          {host.lastPolledAt && host.lastPolledAt !== host.lastSeenAt ? <span className="text-neutral-500"> · polled {formatAge(host.lastPolledAt, now)}</span> : null}
        </Row>
        <Row label="Version">{host.version ?? <span className="text-neutral-400">–</span>}</Row>
        <Row label="Models">
          {formatCount(host.modelCount)}
          <span className="text-neutral-500"> · {formatCount(host.loadedCount)} loaded</span>
          {host.extraCount > 0 ? <span className="text-neutral-500"> · {formatCount(host.extraCount)} extra</span> : null}
        </Row>
        <Row label="Drift">
          <Drift host={host} />
        </Row>
        {host.hostProfile ? (
          <Row label="Profile">
            <Link href="/fit" className="hover:underline">
              {host.hostProfile.name}
            </Link>
          </Row>
        ) : null}
        {host.lastError ? (
          <div className="mt-1 rounded border border-red-200 bg-red-50 px-1.5 py-1 break-words text-red-800" data-testid="host-last-error">
            {host.lastError}
          </div>
        ) : null}
      </dl>
      <footer className="flex flex-wrap items-center gap-1.5 border-t border-neutral-100 px-3 py-1.5">
        {host.enabled ? (
          <>
            <ActionButton action={pollHostAction} fields={{ hostId: String(host.id) }} label="Poll" pendingLabel="Queuing…" testId="host-poll" />
            <ActionButton action={reconcileHostAction} fields={{ hostId: String(host.id) }} label="Reconcile" pendingLabel="Queuing…" testId="host-reconcile" />
          </>
        ) : null}
        <Link href={`/hosts/${host.id}`} className="ml-auto text-[12px] text-sky-700 hover:underline">
          Open →
        </Link>
      </footer>
    </article>
  );
}
