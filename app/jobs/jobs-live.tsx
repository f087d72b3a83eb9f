"use client";
// The Jobs page body: totals, running jobs with live progress, the queue,
// failures, cancellations and recent successes. It polls GET /api/v1/jobs
// about once a second (paused while the tab is hidden) and re-renders in place;
// Cancel and Retry are server actions, after which it polls at once.
import Link from "next/link";
import { useActionState, useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { formatAge, formatBytes, formatCount, formatDateTime, formatDuration, formatFraction, formatRate, formatRelative, wholePercent } from "../../lib/catalog/format.ts";
import type { JobList, JobRow, JobState } from "../../lib/jobs/queries.ts";
import { CardSection } from "../_components/card-section.tsx";
import { initialActionState, type ActionState } from "../libraries/action-state.ts";
import { cancelJobAction, retryJobAction } from "./actions.ts";

/** Hashing a big file takes minutes; once a second shows the bar moving and costs SQLite nothing. */
const POLL_INTERVAL_MS = 1000;

function JobButton({
  action,
  jobId,
  label,
  onDone,
  variant = "default",
}: {
  action: (previous: ActionState, formData: FormData) => Promise<ActionState>;
  jobId: number;
  label: string;
  onDone: () => void;
  variant?: "default" | "danger";
}) {
  const [state, formAction, pending] = useActionState(action, initialActionState);
  const reported = useRef(state);
  useEffect(() => {
    if (state !== reported.current) {
      reported.current = state;
      onDone();
    }
  }, [state, onDone]);
  return (
    <form action={formAction} className="inline-flex items-center gap-1.5">
      <input type="hidden" name="jobId" value={jobId} />
      <button type="submit" className={variant === "danger" ? "btn btn-danger" : "btn"} disabled={pending} data-testid={`job-${label.toLowerCase()}`}>
        {pending ? `${label}…` : label}
      </button>
      {state.message && !pending && !state.ok ? (
        <span role="alert" className="max-w-64 text-[12px] text-red-700">
          {state.message}
        </span>
      ) : null}
    </form>
  );
}

function amount(value: number, unit: string | null): string {
  return unit === "bytes" ? formatBytes(value) : `${formatCount(Math.round(value))}${unit ? ` ${unit}` : ""}`;
}

function rate(value: number | null, unit: string | null): string {
  if (value === null) return "–";
  return unit === "bytes" ? formatRate(value) : `${value < 10 ? value.toFixed(1) : formatCount(Math.round(value))} ${unit ?? "units"}/s`;
}

function Trigger({ trigger }: { trigger: string | null }) {
  if (!trigger) return null;
  const tone = trigger === "manual" ? "border-sky-300 bg-sky-50 text-sky-800" : "border-neutral-300 bg-neutral-50 text-neutral-600";
  return <span className={`rounded border px-1 text-[10px] leading-4 font-medium uppercase ${tone}`}>{trigger}</span>;
}

function JobName({ job }: { job: JobRow }) {
  return (
    <div className="min-w-0">
      <div className="flex items-center gap-1.5 whitespace-nowrap">
        <span className="text-neutral-400 tabular-nums">#{job.id}</span>
        <span className="font-medium">{job.title}</span>
        <Trigger trigger={job.trigger} />
      </div>
    </div>
  );
}

function Target({ job }: { job: JobRow }) {
  const { target } = job;
  if (target.kind === "none") return <span className="text-neutral-400">–</span>;
  if (target.kind === "host" && target.hostId !== null && !target.gone) {
    return (
      <Link href={`/hosts/${target.hostId}`} className="font-mono text-[12px] break-all text-sky-700 hover:underline" title={target.label} data-testid="job-target-host">
        {target.label}
      </Link>
    );
  }
  return (
    <div className="min-w-0">
      <div className={`font-mono text-[12px] break-all ${target.gone ? "text-neutral-400" : ""}`} title={target.label}>
        {target.label}
      </div>
      {target.modelId !== null ? (
        <Link href={`/models/${target.modelId}`} className="text-[12px] text-sky-700 hover:underline">
          {target.modelName}
        </Link>
      ) : null}
    </div>
  );
}

function ProgressBar({ job }: { job: JobRow }) {
  const progress = job.progress;
  if (!progress) {
    return (
      <div className="flex items-center gap-2 text-[12px] text-neutral-500">
        <span className="inline-block h-2 w-2 animate-pulse rounded-full bg-sky-500" aria-hidden /> starting…
      </div>
    );
  }
  const pct = wholePercent(progress.fraction);
  return (
    <div className="min-w-72 space-y-0.5">
      <div
        className="h-2.5 overflow-hidden rounded-sm bg-sky-100"
        role="progressbar"
        aria-label={`Job ${job.id} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        data-testid="job-progress"
      >
        <div className="h-full bg-sky-600 transition-[width] duration-500" style={{ width: `${progress.fraction * 100}%` }} />
      </div>
      <div className="flex justify-between gap-3 text-[12px] text-neutral-600 tabular-nums">
        <span data-testid="job-progress-text">
          {amount(progress.done, progress.unit)} / {amount(progress.total, progress.unit)} · <strong className="font-semibold text-neutral-800">{formatFraction(progress.fraction)}</strong>
        </span>
      </div>
    </div>
  );
}

interface JobColumn {
  /** Empty for the actions column. */
  label: string;
  /** Numbers line up on the right. */
  right?: boolean;
}

/** One state's jobs: a titled card with a table whose rows start with the job and its target; `cells` adds the state's own columns. */
function JobSection({
  state,
  title,
  total,
  jobs,
  empty,
  columns,
  cells,
  note,
  rowClassName,
  footer,
}: {
  state: JobState;
  title: string;
  total: number;
  /** The rows shown; fewer than `total` when the page cuts the list at its limit. */
  jobs: JobRow[];
  empty: string;
  columns: JobColumn[];
  cells: (job: JobRow) => ReactNode;
  /** Shown under the job's name. */
  note?: (job: JobRow) => ReactNode;
  rowClassName?: (job: JobRow) => string | undefined;
  /** Below the table, e.g. a link to older rows. */
  footer?: ReactNode;
}) {
  return (
    <CardSection
      titleId={`jobs-${state}`}
      testId={`jobs-${state}`}
      title={
        <>
          {title} <span className="font-normal text-neutral-500">({formatCount(total)})</span>
        </>
      }
      aside={total > jobs.length ? <span className="text-[12px] text-neutral-500">showing {formatCount(jobs.length)}</span> : null}
    >
      {jobs.length === 0 ? (
        <p className="px-3 py-2 text-neutral-500">{empty}</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="data-table">
            <thead>
              <tr>
                <th>Job</th>
                <th>Target</th>
                {columns.map((column, index) => (
                  <th key={index} className={column.right ? "text-right" : undefined}>
                    {column.label || null}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => (
                <tr key={job.id} data-testid="job-row" data-job-id={job.id} data-state={job.state} className={rowClassName?.(job)}>
                  <td>
                    <JobName job={job} />
                    {note?.(job)}
                  </td>
                  <td className="max-w-[28rem]">
                    <Target job={job} />
                  </td>
                  {cells(job)}
                </tr>
              ))}
            </tbody>
          </table>
          {footer}
        </div>
      )}
    </CardSection>
  );
}

/** How long ago `at` was, with the exact time on hover. */
function AgeCell({ at, now }: { at: string | null; now: number }) {
  return (
    <td className="whitespace-nowrap text-neutral-600" title={formatDateTime(at)}>
      {formatAge(at, now)}
    </td>
  );
}

/** The row's last cell: Cancel for running and queued jobs (or that a cancel was asked for), Retry for failed and cancelled ones. */
function ActionCell({ action, jobId, onDone, cancelling = false }: { action: "cancel" | "retry"; jobId: number; onDone: () => void; cancelling?: boolean }) {
  return (
    <td className="text-right">
      {cancelling ? (
        <span className="text-[12px] text-amber-800" data-testid="job-cancelling">
          cancelling…
        </span>
      ) : action === "cancel" ? (
        <JobButton action={cancelJobAction} jobId={jobId} label="Cancel" variant="danger" onDone={onDone} />
      ) : (
        <JobButton action={retryJobAction} jobId={jobId} label="Retry" onDone={onDone} />
      )}
    </td>
  );
}

const totalTiles: Array<{ state: JobState; label: string; tone: string }> = [
  { state: "running", label: "Running", tone: "text-sky-700" },
  { state: "queued", label: "Queued", tone: "text-neutral-800" },
  { state: "failed", label: "Failed", tone: "text-red-700" },
  { state: "cancelled", label: "Cancelled", tone: "text-neutral-600" },
  { state: "succeeded", label: "Succeeded", tone: "text-emerald-700" },
];

export function JobsLive({ initial, limit, moreHref }: { initial: JobList; limit: number; moreHref: string | null }) {
  const [list, setList] = useState(initial);
  const [stale, setStale] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  const inFlight = useRef(false);

  const poll = useCallback(async () => {
    window.clearTimeout(timer.current);
    if (document.visibilityState !== "visible") return;
    if (!inFlight.current) {
      inFlight.current = true;
      try {
        const response = await fetch(`/api/v1/jobs?limit=${limit}`, { cache: "no-store", headers: { accept: "application/json" } });
        if (!response.ok) throw new Error(`GET /api/v1/jobs answered ${response.status}`);
        setList((await response.json()) as JobList);
        setStale(false);
      } catch (error) {
        // The server restarting or a dropped connection: keep the last state, say so, and try again.
        console.warn("jobs poll failed", error);
        setStale(true);
      } finally {
        inFlight.current = false;
      }
    }
    timer.current = window.setTimeout(() => void poll(), POLL_INTERVAL_MS);
  }, [limit]);

  useEffect(() => {
    timer.current = window.setTimeout(() => void poll(), POLL_INTERVAL_MS);
    const onVisibility = () => {
      if (document.visibilityState === "visible") void poll();
      else window.clearTimeout(timer.current);
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      window.clearTimeout(timer.current);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [poll]);

  const refresh = useCallback(() => void poll(), [poll]);
  // Relative times use the answer's own clock, so the server render and hydration agree.
  const now = Date.parse(list.generatedAt);
  const { jobs, totals } = list;

  return (
    <div className="space-y-3">
      <div className="grid grid-cols-5 gap-2" data-testid="job-totals">
        {totalTiles.map((tile) => (
          <div key={tile.state} className="card px-2.5 py-1.5" data-testid={`total-${tile.state}`}>
            <div className="text-[10px] tracking-wide text-neutral-500 uppercase">{tile.label}</div>
            <div className={`text-[18px] leading-6 font-semibold tabular-nums ${totals[tile.state] > 0 ? tile.tone : "text-neutral-300"}`}>
              {formatCount(totals[tile.state])}
            </div>
          </div>
        ))}
      </div>
      {stale ? (
        <p role="status" className="text-[12px] text-amber-800">
          Lost contact with the server; showing the state of {formatDateTime(list.generatedAt)}. Retrying…
        </p>
      ) : null}

      <JobSection
        state="running"
        title="Running"
        total={totals.running}
        jobs={jobs.running}
        empty="Nothing is running."
        columns={[{ label: "Progress" }, { label: "Speed", right: true }, { label: "ETA", right: true }, { label: "Started" }, { label: "" }]}
        note={(job) => (job.attempts > 1 ? <div className="text-[11px] text-amber-700">attempt {job.attempts} of {job.maxAttempts}</div> : null)}
        cells={(job) => (
          <>
            <td>
              <ProgressBar job={job} />
            </td>
            <td className="text-right whitespace-nowrap tabular-nums" data-testid="job-rate">
              {rate(job.progress?.rate ?? null, job.progress?.unit ?? null)}
            </td>
            <td className="text-right whitespace-nowrap tabular-nums">
              {job.progress?.etaSeconds === null || job.progress?.etaSeconds === undefined ? "–" : formatDuration(job.progress.etaSeconds * 1000)}
            </td>
            <AgeCell at={job.startedAt} now={now} />
            <ActionCell action="cancel" jobId={job.id} onDone={refresh} cancelling={job.cancelRequested} />
          </>
        )}
      />

      <JobSection
        state="queued"
        title="Queued"
        total={totals.queued}
        jobs={jobs.queued}
        empty="The queue is empty."
        columns={[{ label: "Priority", right: true }, { label: "Runs" }, { label: "Note" }, { label: "" }]}
        rowClassName={(job) => (job.deferred ? "text-neutral-600" : undefined)}
        cells={(job) => (
          <>
            <td className="text-right tabular-nums">{job.priority}</td>
            <td className="whitespace-nowrap">
              {job.deferred ? (
                <span title={formatDateTime(job.runAfter)}>
                  not before {formatDateTime(job.runAfter)} <span className="text-neutral-500">({formatRelative(job.runAfter, now)})</span>
                </span>
              ) : (
                <span className="text-neutral-600">when a worker is free</span>
              )}
            </td>
            <td className="max-w-96 text-[12px] text-neutral-600">
              {job.lastError ?? ""}
              {job.attempts > 0 ? <div className="text-amber-700">{job.attempts} of {job.maxAttempts} attempts used</div> : null}
            </td>
            <ActionCell action="cancel" jobId={job.id} onDone={refresh} />
          </>
        )}
      />

      <JobSection
        state="failed"
        title="Failed"
        total={totals.failed}
        jobs={jobs.failed}
        empty="No failed jobs."
        columns={[{ label: "Error" }, { label: "Attempts", right: true }, { label: "Failed" }, { label: "" }]}
        cells={(job) => (
          <>
            <td className="max-w-[32rem] text-red-800">{job.lastError ?? "–"}</td>
            <td className="text-right tabular-nums">
              {job.attempts} / {job.maxAttempts}
            </td>
            <AgeCell at={job.finishedAt} now={now} />
            <ActionCell action="retry" jobId={job.id} onDone={refresh} />
          </>
        )}
      />

      <JobSection
        state="cancelled"
        title="Cancelled"
        total={totals.cancelled}
        jobs={jobs.cancelled}
        empty="No cancelled jobs."
        columns={[{ label: "Got to" }, { label: "Cancelled" }, { label: "" }]}
        cells={(job) => (
          <>
            <td className="whitespace-nowrap text-neutral-600">
              {job.progress ? `${amount(job.progress.done, job.progress.unit)} of ${amount(job.progress.total, job.progress.unit)} (${formatFraction(job.progress.fraction)})` : "not started"}
            </td>
            <AgeCell at={job.finishedAt} now={now} />
            <ActionCell action="retry" jobId={job.id} onDone={refresh} />
          </>
        )}
      />

      <JobSection
        state="succeeded"
        title="Finished"
        total={totals.succeeded}
        jobs={jobs.succeeded}
        empty="Nothing has finished yet."
        columns={[{ label: "Took", right: true }, { label: "Work", right: true }, { label: "Finished" }]}
        cells={(job) => (
          <>
            <td className="text-right whitespace-nowrap tabular-nums">{formatDuration(job.durationMs)}</td>
            <td className="text-right whitespace-nowrap text-neutral-600 tabular-nums">
              {job.progress ? amount(job.progress.total, job.progress.unit) : "–"}
              {job.progress && job.durationMs ? ` · ${rate(job.progress.total / (job.durationMs / 1000), job.progress.unit)}` : ""}
            </td>
            <AgeCell at={job.finishedAt} now={now} />
          </>
        )}
        footer={
          moreHref && totals.succeeded > jobs.succeeded.length ? (
            <div className="border-t border-neutral-100 px-3 py-1.5 text-[12px]">
              <Link href={moreHref} className="text-sky-700 hover:underline" data-testid="jobs-more">
                Show more ({formatCount(totals.succeeded - jobs.succeeded.length)} older)
              </Link>
            </div>
          ) : null
        }
      />
    </div>
  );
}
