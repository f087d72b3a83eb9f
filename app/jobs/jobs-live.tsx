"use client";
// The Jobs page body: totals, running jobs with live progress, the queue,
// failures, cancellations and recent successes. It polls GET /api/v1/jobs
// about once a second (paused while the tab is hidden) and re-renders in place;
// Cancel and Retry are server actions, after which it polls at once.
import Link from "next/link";
import { useActionState, useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { formatAge, formatBytes, formatCount, formatDateTime, formatDuration, formatFraction, formatRate, formatRelative, wholePercent } from "../../lib/catalog/format.ts";
import type { JobList, JobRow, JobState } from "../../lib/jobs/queries.ts";
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

function Section({ state, title, count, shown, children, empty }: { state: JobState; title: string; count: number; shown: number; children: ReactNode; empty: string }) {
  return (
    <section aria-labelledby={`jobs-${state}`} className="card" data-testid={`jobs-${state}`}>
      <div className="flex items-center justify-between border-b border-neutral-200 px-3 py-2">
        <h2 id={`jobs-${state}`} className="text-[13px] font-semibold">
          {title} <span className="font-normal text-neutral-500">({formatCount(count)})</span>
        </h2>
        {count > shown ? <span className="text-[12px] text-neutral-500">showing {formatCount(shown)}</span> : null}
      </div>
      {shown === 0 ? <p className="px-3 py-2 text-neutral-500">{empty}</p> : <div className="overflow-x-auto">{children}</div>}
    </section>
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

      <Section state="running" title="Running" count={totals.running} shown={jobs.running.length} empty="Nothing is running.">
        <table className="data-table">
          <thead>
            <tr>
              <th>Job</th>
              <th>Target</th>
              <th>Progress</th>
              <th className="text-right">Speed</th>
              <th className="text-right">ETA</th>
              <th>Started</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {jobs.running.map((job) => (
              <tr key={job.id} data-testid="job-row" data-job-id={job.id} data-state={job.state}>
                <td>
                  <JobName job={job} />
                  {job.attempts > 1 ? <div className="text-[11px] text-amber-700">attempt {job.attempts} of {job.maxAttempts}</div> : null}
                </td>
                <td className="max-w-[28rem]">
                  <Target job={job} />
                </td>
                <td>
                  <ProgressBar job={job} />
                </td>
                <td className="text-right whitespace-nowrap tabular-nums" data-testid="job-rate">
                  {rate(job.progress?.rate ?? null, job.progress?.unit ?? null)}
                </td>
                <td className="text-right whitespace-nowrap tabular-nums">
                  {job.progress?.etaSeconds === null || job.progress?.etaSeconds === undefined ? "–" : formatDuration(job.progress.etaSeconds * 1000)}
                </td>
                <td className="whitespace-nowrap text-neutral-600" title={formatDateTime(job.startedAt)}>
                  {formatAge(job.startedAt, now)}
                </td>
                <td className="text-right">
                  {job.cancelRequested ? (
                    <span className="text-[12px] text-amber-800" data-testid="job-cancelling">
                      cancelling…
                    </span>
                  ) : (
                    <JobButton action={cancelJobAction} jobId={job.id} label="Cancel" variant="danger" onDone={refresh} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <Section state="queued" title="Queued" count={totals.queued} shown={jobs.queued.length} empty="The queue is empty.">
        <table className="data-table">
          <thead>
            <tr>
              <th>Job</th>
              <th>Target</th>
              <th className="text-right">Priority</th>
              <th>Runs</th>
              <th>Note</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {jobs.queued.map((job) => (
              <tr key={job.id} data-testid="job-row" data-job-id={job.id} data-state={job.state} className={job.deferred ? "text-neutral-600" : undefined}>
                <td>
                  <JobName job={job} />
                </td>
                <td className="max-w-[28rem]">
                  <Target job={job} />
                </td>
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
                <td className="text-right">
                  <JobButton action={cancelJobAction} jobId={job.id} label="Cancel" variant="danger" onDone={refresh} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <Section state="failed" title="Failed" count={totals.failed} shown={jobs.failed.length} empty="No failed jobs.">
        <table className="data-table">
          <thead>
            <tr>
              <th>Job</th>
              <th>Target</th>
              <th>Error</th>
              <th className="text-right">Attempts</th>
              <th>Failed</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {jobs.failed.map((job) => (
              <tr key={job.id} data-testid="job-row" data-job-id={job.id} data-state={job.state}>
                <td>
                  <JobName job={job} />
                </td>
                <td className="max-w-[28rem]">
                  <Target job={job} />
                </td>
                <td className="max-w-[32rem] text-red-800">{job.lastError ?? "–"}</td>
                <td className="text-right tabular-nums">
                  {job.attempts} / {job.maxAttempts}
                </td>
                <td className="whitespace-nowrap text-neutral-600" title={formatDateTime(job.finishedAt)}>
                  {formatAge(job.finishedAt, now)}
                </td>
                <td className="text-right">
                  <JobButton action={retryJobAction} jobId={job.id} label="Retry" onDone={refresh} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <Section state="cancelled" title="Cancelled" count={totals.cancelled} shown={jobs.cancelled.length} empty="No cancelled jobs.">
        <table className="data-table">
          <thead>
            <tr>
              <th>Job</th>
              <th>Target</th>
              <th>Got to</th>
              <th>Cancelled</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {jobs.cancelled.map((job) => (
              <tr key={job.id} data-testid="job-row" data-job-id={job.id} data-state={job.state}>
                <td>
                  <JobName job={job} />
                </td>
                <td className="max-w-[28rem]">
                  <Target job={job} />
                </td>
                <td className="whitespace-nowrap text-neutral-600">
                  {job.progress ? `${amount(job.progress.done, job.progress.unit)} of ${amount(job.progress.total, job.progress.unit)} (${formatFraction(job.progress.fraction)})` : "not started"}
                </td>
                <td className="whitespace-nowrap text-neutral-600" title={formatDateTime(job.finishedAt)}>
                  {formatAge(job.finishedAt, now)}
                </td>
                <td className="text-right">
                  <JobButton action={retryJobAction} jobId={job.id} label="Retry" onDone={refresh} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <Section state="succeeded" title="Finished" count={totals.succeeded} shown={jobs.succeeded.length} empty="Nothing has finished yet.">
        <table className="data-table">
          <thead>
            <tr>
              <th>Job</th>
              <th>Target</th>
              <th className="text-right">Took</th>
              <th className="text-right">Work</th>
              <th>Finished</th>
            </tr>
          </thead>
          <tbody>
            {jobs.succeeded.map((job) => (
              <tr key={job.id} data-testid="job-row" data-job-id={job.id} data-state={job.state}>
                <td>
                  <JobName job={job} />
                </td>
                <td className="max-w-[28rem]">
                  <Target job={job} />
                </td>
                <td className="text-right whitespace-nowrap tabular-nums">{formatDuration(job.durationMs)}</td>
                <td className="text-right whitespace-nowrap text-neutral-600 tabular-nums">
                  {job.progress ? amount(job.progress.total, job.progress.unit) : "–"}
                  {job.progress && job.durationMs ? ` · ${rate(job.progress.total / (job.durationMs / 1000), job.progress.unit)}` : ""}
                </td>
                <td className="whitespace-nowrap text-neutral-600" title={formatDateTime(job.finishedAt)}>
                  {formatAge(job.finishedAt, now)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {moreHref && totals.succeeded > jobs.succeeded.length ? (
          <div className="border-t border-neutral-100 px-3 py-1.5 text-[12px]">
            <Link href={moreHref} className="text-sky-700 hover:underline" data-testid="jobs-more">
              Show more ({formatCount(totals.succeeded - jobs.succeeded.length)} older)
            </Link>
          </div>
        ) : null}
      </Section>
    </div>
  );
}
