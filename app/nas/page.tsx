// NAS check: ask an NFS server (from the indexer worker) whether it answers,
// which NFS/MOUNT versions and exports it offers, and the capacity, transfer
// sizes and read speed of one export — with failures explained in admin
// terms; below, the recent checks and when to mount versus use nfs:// URLs.
import type { Metadata } from "next";
import Link from "next/link";
import { formatAge, formatDateTime, formatDuration } from "../../lib/catalog/format.ts";
import { getDb } from "../../lib/db/client.ts";
import { getNasProbe, listNasProbes, type NasProbeRun } from "../../lib/nfs/queries.ts";
import { Badge } from "../_components/badge.tsx";
import { CardSection } from "../_components/card-section.tsx";
import { nasCheckHref, nasCheckValuesFromQuery } from "./check-link.ts";
import { NasCheck } from "./nas-check.tsx";
import { ProbeError, ProbeReport, RunOutcome, RunRequest, runStateTone } from "./probe-report.tsx";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "NAS check" };

/** Past checks listed under the form. */
const HISTORY_LIMIT = 15;

function AccessModes() {
  return (
    <aside className="card px-3 py-2 text-[12px] leading-5 text-neutral-700" aria-labelledby="access-modes-title" data-testid="access-modes">
      <h2 id="access-modes-title" className="mb-1 text-[13px] font-semibold text-neutral-900">
        When to use which access mode
      </h2>
      <p>
        <strong className="font-semibold text-neutral-900">Kernel NFS mount</strong> (library path{" "}
        <code className="font-mono">/mnt/nas/models</code>) — use it when you can: the kernel caches attributes and pages,{" "}
        <code className="font-mono">hard</code> mounts ride out a NAS reboot, and <code className="font-mono">rsize=1048576</code> streams big
        models fast; new files are noticed by watching.
      </p>
      <p className="mt-1.5">
        <strong className="font-semibold text-neutral-900">Built-in NFSv3 client</strong> (library{" "}
        <code className="font-mono">nfs://nas.local/volume1/models?uid=1026&amp;gid=100</code>) — when ModelShelf runs unprivileged or in a
        container and cannot mount, or to check a NAS before mounting it. Read-only, over TCP, as the uid/gid in the URL; changes are
        found by rescans (no file watching).
      </p>
    </aside>
  );
}

function RecentChecks({ runs, now }: { runs: NasProbeRun[]; now: number }) {
  if (runs.length === 0) return <p className="px-3 py-2 text-neutral-500">No checks yet.</p>;
  return (
    <ul className="divide-y divide-neutral-100" data-testid="probe-history">
      {runs.map((run) => (
        <li key={run.jobId}>
          <details className="group" data-testid="probe-history-item" data-job-id={run.jobId} data-state={run.state}>
            <summary className="flex cursor-pointer list-none flex-wrap items-baseline gap-x-3 gap-y-0.5 px-3 py-1.5 select-none hover:bg-neutral-50">
              <span className="w-3 text-neutral-400 group-open:rotate-90" aria-hidden>
                ▸
              </span>
              <span className="w-10 font-mono text-[12px] text-neutral-500">#{run.jobId}</span>
              <span className="w-20">
                <Badge tone={runStateTone[run.state] ?? "neutral"}>{run.state}</Badge>
              </span>
              <span className="w-96 truncate">
                <RunRequest run={run} />
              </span>
              <span className="min-w-0 flex-1 truncate">
                <RunOutcome run={run} />
              </span>
              <span className="text-[12px] whitespace-nowrap text-neutral-500" title={formatDateTime(run.finishedAt ?? run.createdAt)}>
                {formatAge(run.finishedAt ?? run.createdAt, now)}
                {run.durationMs !== null ? ` · ${formatDuration(run.durationMs)}` : ""}
              </span>
            </summary>
            <div className="border-t border-neutral-100 bg-neutral-50/50">
              {run.result ? <ProbeReport result={run.result} /> : run.active ? null : <ProbeError run={run} />}
              <div className="flex gap-3 px-3 py-1.5 text-[12px]">
                {run.input ? (
                  <Link href={nasCheckHref(run.input)} className="text-sky-700 hover:underline">
                    Check again with these settings
                  </Link>
                ) : null}
                <Link href={nasCheckHref(run.input ?? {}, run.jobId)} className="text-sky-700 hover:underline">
                  Show above
                </Link>
              </div>
            </div>
          </details>
        </li>
      ))}
    </ul>
  );
}

export default async function NasPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = await searchParams;
  const db = getDb();
  const runs = await listNasProbes(db, HISTORY_LIMIT);
  const rawJob = Array.isArray(query.job) ? query.job[0] : query.job;
  const jobId = rawJob && /^\d{1,9}$/.test(rawJob) ? Number(rawJob) : null;
  // ?job= names a check (after a submission, or "Show above"); otherwise the newest one is shown.
  const selected = jobId === null ? null : (runs.find((r) => r.jobId === jobId) ?? (await getNasProbe(db, jobId)));
  const shown = selected ?? runs[0] ?? null;
  const now = Date.now();
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-4">
        <h1 className="text-[17px] font-semibold tracking-tight">NAS check</h1>
        <p className="text-neutral-500">Reachability, NFS versions, exports, capacity and read speed of an NFS server, with failures explained</p>
      </div>
      <NasCheck prefill={nasCheckValuesFromQuery(query)} initialRun={shown} initialIsLatest={selected === null} aside={<AccessModes />} />
      <CardSection titleId="history-title" testId="recent-checks" title={`Recent checks (${runs.length})`}>
        <RecentChecks runs={runs} now={now} />
      </CardSection>
    </div>
  );
}
