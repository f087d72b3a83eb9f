"use client";
// The NAS check form and the check it started. Submitting queues an
// nfs.probe-nas job (server action); while the job is queued or running the
// panel polls GET /api/v1/nas/probe/:id every second, then shows the result
// and refreshes the server components (the history) — no reload.
import { useRouter } from "next/navigation";
import { useActionState, useCallback, useEffect, useState, type ReactNode } from "react";
import { formatDateTime, formatDuration } from "../../lib/catalog/format.ts";
import type { NasProbeRun } from "../../lib/nfs/queries.ts";
import { Badge } from "../_components/badge.tsx";
import { requestNasProbeAction } from "./actions.ts";
import { nasCheckHref } from "./check-link.ts";
import { initialNasCheckState, type NasCheckField, type NasCheckValues } from "./form-state.ts";
import { ProbeError, ProbeReport, RunRequest, runStateTone } from "./probe-report.tsx";

/** A check takes seconds; one small request a second shows it promptly. */
const POLL_INTERVAL_MS = 1000;
/** Queued longer than this usually means no indexer worker is running. */
const SLOW_START_MS = 8000;

function Field({ name, label, hint, error, className, children }: { name: NasCheckField; label: string; hint: string; error?: string; className?: string; children: ReactNode }) {
  return (
    <div className={`flex flex-col gap-0.5 ${className ?? ""}`}>
      <label htmlFor={`nas-${name}`} className="text-[12px] font-medium text-neutral-700">
        {label}
      </label>
      {children}
      {error ? (
        <p id={`nas-${name}-error`} role="alert" className="text-[12px] text-red-700" data-testid={`nas-error-${name}`}>
          {error}
        </p>
      ) : (
        <p className="text-[11px] text-neutral-500">{hint}</p>
      )}
    </div>
  );
}

function CheckForm({ prefill, autoFocus, onQueued }: { prefill: NasCheckValues; autoFocus: boolean; onQueued: (run: NasProbeRun, values: NasCheckValues) => void }) {
  const [state, formAction, pending] = useActionState(requestNasProbeAction, initialNasCheckState);
  const values = state.values ?? prefill;
  const error = (name: NasCheckField) => state.fieldErrors[name];

  // A queued check replaces the one shown (once per submission: the state object is new each time).
  useEffect(() => {
    if (state.ok && state.run && state.values) onQueued(state.run, state.values);
  }, [state, onQueued]);

  const inputProps = (name: NasCheckField) => ({
    id: `nas-${name}`,
    name,
    defaultValue: values[name],
    autoComplete: "off",
    "aria-invalid": error(name) ? true : undefined,
    "aria-describedby": error(name) ? `nas-${name}-error` : undefined,
  });
  const invalid = (name: NasCheckField) => (error(name) ? "border-red-400" : "");

  return (
    // Keyed by the outcome so each answer re-renders the fields with what was submitted.
    <form key={JSON.stringify(state)} action={formAction} aria-label="NAS check" className="space-y-2 p-3" noValidate>
      <div className="flex flex-wrap items-start gap-x-3 gap-y-2">
        <Field className="w-56" name="host" label="NAS host" hint="Name or IP address." error={error("host")}>
          <input type="text" placeholder="nas.local" aria-required className={`input w-full font-mono ${invalid("host")}`} autoFocus={autoFocus} spellCheck={false} {...inputProps("host")} />
        </Field>
        <Field className="w-72" name="exportPath" label="Export" hint="Empty: the first one listed." error={error("exportPath")}>
          <input type="text" placeholder="/volume1/models" className={`input w-full font-mono ${invalid("exportPath")}`} spellCheck={false} {...inputProps("exportPath")} />
        </Field>
        <Field className="w-24" name="uid" label="uid" hint="0 = root." error={error("uid")}>
          <input type="text" inputMode="numeric" placeholder="0" className={`input w-full ${invalid("uid")}`} {...inputProps("uid")} />
        </Field>
        <Field className="w-24" name="gid" label="gid" hint="AUTH_SYS." error={error("gid")}>
          <input type="text" inputMode="numeric" placeholder="0" className={`input w-full ${invalid("gid")}`} {...inputProps("gid")} />
        </Field>
        <div className="flex flex-col gap-0.5">
          <span className="text-[12px] select-none" aria-hidden>
            &nbsp;
          </span>
          <button type="submit" className="btn btn-primary px-5" disabled={pending}>
            {pending ? "Queuing…" : "Check"}
          </button>
        </div>
        {state.message && !pending ? (
          <p role={state.ok ? "status" : "alert"} className={`mt-6 text-[12px] ${state.ok ? "text-emerald-700" : "text-red-700"}`} data-testid="nas-form-message">
            {state.message}
            {state.fieldErrors.form ? ` ${state.fieldErrors.form}` : ""}
          </p>
        ) : null}
      </div>
      <div className="flex flex-wrap items-start gap-x-3 gap-y-2">
        <Field className="w-40" name="timeoutMs" label="Timeout (ms)" hint="Per call, 500–120000." error={error("timeoutMs")}>
          <input type="text" inputMode="numeric" placeholder="10000" className={`input w-full ${invalid("timeoutMs")}`} {...inputProps("timeoutMs")} />
        </Field>
        <Field className="w-40" name="nfsPort" label="NFS port" hint="Empty: ask port 111." error={error("nfsPort")}>
          <input type="text" inputMode="numeric" placeholder="auto" className={`input w-full ${invalid("nfsPort")}`} {...inputProps("nfsPort")} />
        </Field>
        <Field className="w-40" name="mountPort" label="MOUNT port" hint="Empty: ask port 111." error={error("mountPort")}>
          <input type="text" inputMode="numeric" placeholder="auto" className={`input w-full ${invalid("mountPort")}`} {...inputProps("mountPort")} />
        </Field>
        <Field className="w-40" name="sampleMegabytes" label="Read sample (MiB)" hint="0 = no speed test." error={error("sampleMegabytes")}>
          <input type="text" inputMode="numeric" placeholder="64" className={`input w-full ${invalid("sampleMegabytes")}`} {...inputProps("sampleMegabytes")} />
        </Field>
      </div>
    </form>
  );
}

function RunningPanel({ run }: { run: NasProbeRun }) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), POLL_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, []);
  const since = run.state === "running" && run.startedAt ? run.startedAt : run.createdAt;
  const elapsed = now === null ? null : Math.max(0, now - Date.parse(since));
  return (
    <div className="space-y-1 px-3 py-2 text-sky-950" role="status" data-testid="probe-running">
      <div className="flex items-center gap-2">
        <span className="inline-block h-2 w-2 animate-pulse rounded-full bg-sky-500" aria-hidden />
        <strong className="font-semibold">{run.state === "running" ? `Checking ${run.host}…` : "Queued — waiting for the indexer worker…"}</strong>
        {elapsed === null ? null : <span className="text-[12px] text-sky-800 tabular-nums">{formatDuration(elapsed)}</span>}
      </div>
      {run.state === "queued" && elapsed !== null && elapsed > SLOW_START_MS ? (
        <p className="text-[12px] text-amber-800" data-testid="probe-slow-start">
          Still queued: the check runs in the indexer worker. Is it running? The Jobs page shows what it is doing.
        </p>
      ) : null}
    </div>
  );
}

/** The check being followed: header, then the live state or the result. */
function CurrentRun({ run, stale, latest }: { run: NasProbeRun; stale: boolean; latest: boolean }) {
  return (
    <section className={`card ${!run.active && (run.result === null || run.result.steps.some((s) => !s.ok)) ? "border-red-300" : ""}`} aria-labelledby="current-check-title" data-testid="current-check" data-job-id={run.jobId} data-state={run.state}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-neutral-200 px-3 py-2">
        <h2 id="current-check-title" className="text-[13px] font-semibold">
          {latest ? "Latest check" : "Check"} <span className="font-normal text-neutral-500">#{run.jobId}</span>
        </h2>
        <Badge tone={runStateTone[run.state] ?? "neutral"}>{run.state}</Badge>
        <RunRequest run={run} />
        <span className="ml-auto text-[12px] text-neutral-500">
          {run.finishedAt ? `finished ${formatDateTime(run.finishedAt)}` : `queued ${formatDateTime(run.createdAt)}`}
          {run.durationMs !== null ? ` · took ${formatDuration(run.durationMs)}` : ""}
        </span>
      </div>
      {stale ? (
        <p role="status" className="border-b border-amber-200 bg-amber-50 px-3 py-1 text-[12px] text-amber-900">
          Lost contact with the server; retrying…
        </p>
      ) : null}
      {run.active ? <RunningPanel run={run} /> : run.result ? <ProbeReport result={run.result} /> : <ProbeError run={run} />}
    </section>
  );
}

export function NasCheck({
  prefill,
  initialRun,
  initialIsLatest,
  aside,
}: {
  prefill: NasCheckValues;
  initialRun: NasProbeRun | null;
  /** The check shown before any submission is simply the newest one. */
  initialIsLatest: boolean;
  /** Shown next to the form (the access-mode note). */
  aside: ReactNode;
}) {
  const router = useRouter();
  const [run, setRun] = useState<NasProbeRun | null>(initialRun);
  const [latest, setLatest] = useState(initialIsLatest);
  const [stale, setStale] = useState(false);
  const jobId = run?.jobId;
  const active = run?.active ?? false;

  const onQueued = useCallback((queued: NasProbeRun, values: NasCheckValues) => {
    setRun(queued);
    setLatest(false);
    // The address now names this check and its settings: a reload shows the same thing.
    window.history.replaceState(null, "", nasCheckHref(values, queued.jobId));
  }, []);

  useEffect(() => {
    if (jobId === undefined || !active) return;
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      let again = true;
      try {
        const response = await fetch(`/api/v1/nas/probe/${jobId}`, { cache: "no-store", headers: { accept: "application/json" } });
        if (!response.ok) throw new Error(`GET /api/v1/nas/probe/${jobId} answered ${response.status}`);
        const next = (await response.json()) as NasProbeRun;
        if (stopped) return;
        setRun(next);
        setStale(false);
        if (!next.active) {
          again = false;
          // The history below is server-rendered: fetch it again with this check in it.
          router.refresh();
        }
      } catch (error) {
        // The server restarting or a dropped connection: keep the last state, say so, and try again.
        console.warn("NAS check poll failed", error);
        if (!stopped) setStale(true);
      }
      if (again && !stopped) timer = window.setTimeout(() => void poll(), POLL_INTERVAL_MS);
    };
    timer = window.setTimeout(() => void poll(), POLL_INTERVAL_MS);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [jobId, active, router]);

  return (
    <>
      <div className="grid items-start gap-3 xl:grid-cols-[minmax(0,1fr)_26rem]">
        <section className="card" aria-labelledby="nas-form-title">
          <div className="border-b border-neutral-200 px-3 py-2">
            <h2 id="nas-form-title" className="text-[13px] font-semibold">
              Check a NAS <span className="font-normal text-neutral-500">— asked from the indexer worker, the machine that reads the libraries</span>
            </h2>
          </div>
          <CheckForm prefill={prefill} autoFocus={prefill.host === ""} onQueued={onQueued} />
        </section>
        {aside}
      </div>
      {run ? (
        <CurrentRun run={run} stale={stale} latest={latest} />
      ) : (
        <p className="card px-3 py-6 text-center text-neutral-600" data-testid="no-checks">
          No NAS has been checked yet. Enter its host name above and press Enter.
        </p>
      )}
    </>
  );
}
