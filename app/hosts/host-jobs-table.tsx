// A host's recent hosts.* jobs: state, what each pushes or removes, progress
// drawn as the Jobs page draws it (its ProgressBar is private to that page),
// and the error of a failed one. Server component; the page's live refresh
// moves the bars.
import Link from "next/link";
import { formatAge, formatBytes, formatCount, formatDateTime, formatFraction, formatRate, wholePercent } from "../../lib/catalog/format.ts";
import { Badge, type Tone } from "../_components/badge.tsx";
import type { HostJobRow } from "../../lib/hosts/host-jobs-queries.ts";

const stateTone: Record<string, Tone> = { running: "blue", queued: "neutral", succeeded: "green", failed: "red", cancelled: "amber" };

function amount(value: number, unit: string | null): string {
  return unit === "bytes" ? formatBytes(value) : `${formatCount(Math.round(value))}${unit ? ` ${unit}` : ""}`;
}

function JobProgress({ job }: { job: HostJobRow }) {
  const progress = job.progress;
  if (!progress) {
    if (job.state !== "running") return null;
    return (
      <div className="flex items-center gap-2 text-[12px] text-neutral-500">
        <span className="inline-block h-2 w-2 animate-pulse rounded-full bg-sky-500" aria-hidden /> starting…
      </div>
    );
  }
  const running = job.state === "running";
  return (
    <div className="min-w-64 space-y-0.5">
      <div
        className={`h-2.5 overflow-hidden rounded-sm ${running ? "bg-sky-100" : "bg-neutral-100"}`}
        role="progressbar"
        aria-label={`Job ${job.id} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={wholePercent(progress.fraction)}
        data-testid="host-job-progress"
      >
        <div className={`h-full transition-[width] duration-500 ${running ? "bg-sky-600" : "bg-neutral-400"}`} style={{ width: `${progress.fraction * 100}%` }} />
      </div>
      <div className="flex justify-between gap-3 text-[12px] text-neutral-600 tabular-nums">
        <span>
          {amount(progress.done, progress.unit)} / {amount(progress.total, progress.unit)} · <strong className="font-semibold text-neutral-800">{formatFraction(progress.fraction)}</strong>
        </span>
        {running && progress.rate !== null && progress.unit === "bytes" ? <span>{formatRate(progress.rate)}</span> : null}
      </div>
    </div>
  );
}

export function HostJobsTable({ jobs, now }: { jobs: HostJobRow[]; now: number }) {
  if (jobs.length === 0) return <p className="px-3 py-2 text-neutral-500">No pushes, removals or reconciles yet.</p>;
  return (
    <table className="data-table" data-testid="host-jobs">
      <thead>
        <tr>
          <th>Job</th>
          <th>State</th>
          <th>Progress / result</th>
          <th>When</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id} data-testid="host-job-row" data-job-name={job.name} data-state={job.state}>
            <td className="min-w-72">
              <div className="flex items-center gap-1.5 whitespace-nowrap">
                <span className="text-neutral-400 tabular-nums">#{job.id}</span>
                <span className="font-medium">{job.title}</span>
              </div>
              {job.detail ? <div className="font-mono text-[12px] text-neutral-600 [overflow-wrap:anywhere]">{job.detail}</div> : null}
            </td>
            <td className="whitespace-nowrap">
              <Badge tone={stateTone[job.state] ?? "neutral"}>{job.cancelRequested && job.state === "running" ? "cancelling" : job.state}</Badge>
              {job.attempts > 1 ? (
                <div className="text-[11px] text-amber-700">
                  attempt {job.attempts} of {job.maxAttempts}
                </div>
              ) : null}
            </td>
            <td className="w-full">
              <JobProgress job={job} />
              {job.lastError && job.state !== "succeeded" ? <div className={`text-[12px] break-all ${job.state === "failed" ? "text-red-800" : "text-neutral-600"}`}>{job.lastError}</div> : null}
            </td>
            <td className="whitespace-nowrap text-neutral-600" title={formatDateTime(job.finishedAt ?? job.startedAt ?? job.createdAt)}>
              {job.finishedAt ? `finished ${formatAge(job.finishedAt, now)}` : job.startedAt ? `started ${formatAge(job.startedAt, now)}` : `queued ${formatAge(job.createdAt, now)}`}
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td colSpan={4} className="border-b-0 text-[12px]">
            <Link href="/jobs" className="text-sky-700 hover:underline">
              All jobs (cancel, retry) →
            </Link>
          </td>
        </tr>
      </tfoot>
    </table>
  );
}
