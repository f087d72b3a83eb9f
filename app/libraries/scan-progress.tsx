"use client";
// Live scan progress. While any library has a running scan or a queued scan
// job, one poller reads GET /api/v1/libraries every second and feeds the
// progress bars; when a scan starts or finishes it refreshes the server
// components (router.refresh(), no full reload) so counts and banners update.
import { useRouter } from "next/navigation";
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { formatBytes, formatCount, formatDuration, percent } from "../../lib/catalog/format.ts";
import type { LibrarySummary, PendingScanJob, ScanRunSummary } from "../../lib/catalog/queries.ts";

/** Scans take minutes; one request a second is live enough and cheap for SQLite. */
const POLL_INTERVAL_MS = 1000;

export interface LiveScan {
  libraryId: number;
  runningScan: ScanRunSummary | null;
  pendingScanJob: PendingScanJob | null;
}

const LiveScans = createContext<readonly LiveScan[]>([]);

/** What, when it changes, needs the server-rendered page to be fetched again. */
function signature(scans: readonly LiveScan[]): string {
  return scans
    .map((s) => `${s.libraryId}:${s.runningScan?.id ?? "-"}:${s.pendingScanJob ? `${s.pendingScanJob.id}/${s.pendingScanJob.state}` : "-"}`)
    .sort()
    .join("|");
}

const isActive = (scan: LiveScan) => scan.runningScan !== null || scan.pendingScanJob !== null;

export function ScanMonitor({ initial, children }: { initial: LiveScan[]; children: ReactNode }) {
  const router = useRouter();
  const [live, setLive] = useState<readonly LiveScan[]>(initial);
  const initialSignature = signature(initial);
  const anyActive = initial.some(isActive);
  const refreshRequested = useRef(false);

  // New server props (after a refresh or a server action) replace the polled state.
  useEffect(() => {
    setLive(initial);
    refreshRequested.current = false;
  }, [initial]);

  useEffect(() => {
    if (!anyActive) return;
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      try {
        const response = await fetch("/api/v1/libraries", { cache: "no-store", headers: { accept: "application/json" } });
        if (response.ok && !stopped) {
          const body = (await response.json()) as { libraries: LibrarySummary[] };
          const next = body.libraries.map((l) => ({ libraryId: l.id, runningScan: l.runningScan, pendingScanJob: l.pendingScanJob }));
          setLive(next);
          if (signature(next) !== initialSignature && !refreshRequested.current) {
            refreshRequested.current = true;
            router.refresh();
          }
        }
      } catch (error) {
        // The server restarting or a dropped connection: keep the last state and try again.
        console.warn("scan progress poll failed", error);
      }
      if (!stopped) timer = window.setTimeout(poll, POLL_INTERVAL_MS);
    };
    timer = window.setTimeout(poll, POLL_INTERVAL_MS);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [anyActive, initialSignature, router]);

  return <LiveScans.Provider value={live}>{children}</LiveScans.Provider>;
}

export function ScanProgress({ libraryId }: { libraryId: number }) {
  const scan = useContext(LiveScans).find((s) => s.libraryId === libraryId);
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), POLL_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, []);
  if (!scan || !isActive(scan)) return null;

  const run = scan.runningScan;
  if (!run) {
    const job = scan.pendingScanJob;
    return (
      <div className="flex items-center gap-2 rounded border border-sky-200 bg-sky-50 px-3 py-2 text-sky-900" role="status" data-testid="scan-pending">
        <span className="inline-block h-2 w-2 animate-pulse rounded-full bg-sky-500" aria-hidden />
        {job?.state === "running" ? "Scan starting" : "Scan queued"}
        {job ? ` (job #${job.id}${job.acceptMissing ? ", accepting missing files" : ""})` : ""} — waiting for the worker…
      </div>
    );
  }
  const determinate = run.progressTotal > 0;
  const share = determinate ? percent(run.progressDone, run.progressTotal) : 0;
  const elapsed = now === null ? null : now - new Date(run.startedAt).getTime();
  return (
    <div className="space-y-1.5 rounded border border-sky-200 bg-sky-50 px-3 py-2 text-sky-950" role="status" data-testid="scan-progress">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <span>
          <strong className="font-semibold">Scanning</strong> · {run.phase}
          {determinate ? ` · ${formatCount(run.progressDone)} / ${formatCount(run.progressTotal)}` : ""}
        </span>
        <span className="text-[12px] text-sky-800">
          {run.trigger} · {elapsed === null ? "" : formatDuration(elapsed)}
        </span>
      </div>
      <div
        className="h-2 overflow-hidden rounded-sm bg-sky-100"
        role="progressbar"
        aria-label="Scan progress"
        aria-valuemin={0}
        aria-valuemax={determinate ? run.progressTotal : undefined}
        aria-valuenow={determinate ? run.progressDone : undefined}
      >
        <div className={`h-full bg-sky-600 transition-[width] ${determinate ? "" : "w-full animate-pulse opacity-40"}`} style={determinate ? { width: `${share}%` } : undefined} />
      </div>
      <div className="text-[12px] text-sky-900 tabular-nums">
        {formatCount(run.filesSeen)} seen · {formatCount(run.added)} added · {formatCount(run.changed)} changed ·{" "}
        {formatCount(run.unchanged)} unchanged · {formatCount(run.missing)} missing · {formatCount(run.errors)} errors ·{" "}
        {formatBytes(run.bytesRead)} read
      </div>
    </div>
  );
}
