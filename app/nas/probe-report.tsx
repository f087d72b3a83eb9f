// What one NAS check found: each step with ✓/✗ and, for a failed or noted
// step, the explanation in admin terms; the portmapper's services, the export
// list, and capacity, transfer sizes and read speed of the checked export.
// No hooks, so the live panel (client) and the history (server) share it.
import type { ReactNode } from "react";
import { formatBytes, formatCount, formatDateTime, formatDuration } from "../../lib/catalog/format.ts";
import type { NasProbeRun, NasProbeStepView, NasProbeView } from "../../lib/nfs/queries.ts";
import { Badge, type Tone } from "../_components/badge.tsx";
import { UsageBar } from "../_components/usage-bar.tsx";

/** A hostile or misconfigured server can list thousands of exports; a page shows this many. */
const MAX_EXPORTS_SHOWN = 200;
/** A portmapper lists a dozen services in practice; more rows are noise (or an attack). */
const MAX_SERVICES_SHOWN = 100;
/** Sizes past this are a server saying "no limit" (2^63 or 2^64 − 1). */
const NO_PRACTICAL_LIMIT_BYTES = 2 ** 50;

/** The steps in the order the worker runs them; a check that stopped early lists the rest as not run. */
const stepOrder = ["portmapper", "exports", "mount", "fsstat", "fsinfo", "throughput"] as const;

const stepLabels: Record<string, { title: string; what: string }> = {
  portmapper: { title: "Portmapper", what: "port 111: which RPC services run, NFS and MOUNT versions" },
  exports: { title: "Export list", what: "MOUNT EXPORT: the shared folders and who may mount them" },
  mount: { title: "Mount", what: "MOUNT MNT of the export with this uid/gid" },
  fsstat: { title: "Capacity", what: "FSSTAT: size, free space and files of the export" },
  fsinfo: { title: "Transfer sizes", what: "FSINFO: the largest and preferred read/write sizes" },
  throughput: { title: "Read sample", what: "READ of the largest file near the top of the export" },
};

export const runStateTone: Record<string, Tone> = { queued: "blue", running: "blue", succeeded: "green", failed: "red", cancelled: "neutral" };

export function megabytesPerSecond(value: number): string {
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} MB/s`;
}

function stepTitle(step: string): string {
  return stepLabels[step]?.title ?? step;
}

/** "✗ 1 of 6 steps failed", "✓ every step passed" … for summaries. */
export function stepTally(result: NasProbeView): { failed: NasProbeStepView[]; noted: NasProbeStepView[] } {
  return {
    failed: result.steps.filter((s) => !s.ok),
    noted: result.steps.filter((s) => s.ok && s.explanation),
  };
}

function StepRow({ step }: { step: NasProbeStepView }) {
  const noted = step.ok && step.explanation;
  const tone = !step.ok ? "bg-red-50" : noted ? "bg-amber-50" : "";
  const label = stepLabels[step.step];
  return (
    <li className={`flex gap-2 px-3 py-1.5 ${tone}`} data-testid="probe-step" data-step={step.step} data-ok={String(step.ok)}>
      <span
        aria-label={step.ok ? (noted ? "passed with a note" : "passed") : "failed"}
        className={`w-4 shrink-0 text-center font-bold ${step.ok ? (noted ? "text-amber-600" : "text-emerald-600") : "text-red-600"}`}
      >
        {step.ok ? (noted ? "!" : "✓") : "✗"}
      </span>
      <div className="min-w-0 flex-1">
        <div>
          <span className={`font-medium ${step.ok ? "" : "text-red-900"}`}>{label?.title ?? step.step}</span>
          {label ? <span className="ml-2 text-[12px] text-neutral-500">{label.what}</span> : null}
        </div>
        {step.explanation ? (
          <p className={`mt-0.5 font-medium ${step.ok ? "text-amber-900" : "text-red-800"}`} data-testid="step-explanation">
            {step.explanation}
          </p>
        ) : null}
        {step.error && step.error !== step.explanation ? (
          <p className="mt-0.5 font-mono text-[11px] break-all text-neutral-500">
            <span className="font-sans">server said:</span> {step.error}
          </p>
        ) : null}
      </div>
    </li>
  );
}

function StepList({ result }: { result: NasProbeView }) {
  const seen = new Set(result.steps.map((s) => s.step));
  const notRun = stepOrder.filter((step) => !seen.has(step));
  return (
    <ol className="divide-y divide-neutral-100" data-testid="probe-steps">
      {result.steps.map((step, index) => (
        <StepRow key={`${step.step}:${index}`} step={step} />
      ))}
      {notRun.map((step) => (
        <li key={step} className="flex gap-2 px-3 py-1 text-neutral-400" data-testid="probe-step" data-step={step} data-ok="skipped">
          <span aria-label="not run" className="w-4 shrink-0 text-center">
            –
          </span>
          <span>
            {stepTitle(step)} <span className="text-[12px]">not run</span>
          </span>
        </li>
      ))}
    </ol>
  );
}

function Panel({ title, aside, children, testId }: { title: string; aside?: ReactNode; children: ReactNode; testId: string }) {
  return (
    <div className="min-w-0" data-testid={testId}>
      <h3 className="mb-1 flex items-baseline justify-between gap-2 text-[11px] font-semibold tracking-wide text-neutral-500 uppercase">
        {title}
        {aside ? <span className="font-normal tracking-normal normal-case">{aside}</span> : null}
      </h3>
      {children}
    </div>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex gap-2 py-0.5">
      <dt className="w-28 shrink-0 text-neutral-500">{label}</dt>
      <dd className="min-w-0 break-words tabular-nums">{children}</dd>
    </div>
  );
}

function Versions({ label, versions, wanted }: { label: string; versions: number[]; wanted: number }) {
  return (
    <span className="inline-flex items-center gap-1">
      <span className="text-neutral-500">{label}</span>
      {versions.length === 0 ? (
        <Badge tone="red">none</Badge>
      ) : (
        versions.map((v) => (
          <Badge key={v} tone={v === wanted ? "green" : "neutral"} title={v === wanted ? "the version the built-in client speaks" : undefined}>
            v{v}
          </Badge>
        ))
      )}
    </span>
  );
}

interface ServiceRow {
  program: number;
  name: string;
  protocol: string;
  port: number;
  versions: number[];
}

/** One row per service, protocol and port, its versions together (a portmapper lists each version apart). */
function groupServices(services: NasProbeView["services"]): ServiceRow[] {
  const rows = new Map<string, ServiceRow>();
  for (const s of services) {
    const key = `${s.program}:${s.protocol}:${s.port}:${s.name}`;
    const row = rows.get(key) ?? { program: s.program, name: s.name, protocol: s.protocol, port: s.port, versions: [] };
    if (!row.versions.includes(s.version)) row.versions.push(s.version);
    rows.set(key, row);
  }
  return [...rows.values()]
    .map((row) => ({ ...row, versions: row.versions.sort((a, b) => a - b) }))
    .sort((a, b) => a.program - b.program || a.protocol.localeCompare(b.protocol) || a.port - b.port);
}

function ServicesPanel({ result }: { result: NasProbeView }) {
  const grouped = groupServices(result.services);
  const rows = grouped.slice(0, MAX_SERVICES_SHOWN);
  return (
    <Panel title="Portmapper services" testId="probe-services">
      <div className="mb-1.5 flex flex-wrap gap-x-3 gap-y-1" data-testid="probe-versions">
        <Versions label="NFS" versions={result.nfsVersions} wanted={3} />
        <Versions label="MOUNT" versions={result.mountVersions} wanted={3} />
      </div>
      {rows.length === 0 ? (
        <p className="text-neutral-500">{result.reachable ? "The portmapper listed no services." : "No answer from the portmapper."}</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th>Service</th>
              <th className="text-right">Program</th>
              <th>Versions</th>
              <th>Proto</th>
              <th className="text-right">Port</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={`${s.program}:${s.protocol}:${s.port}:${s.name}`}>
                <td>{s.name || "–"}</td>
                <td className="text-right font-mono text-[12px] text-neutral-500">{s.program}</td>
                <td>{s.versions.map((v) => `v${v}`).join(", ")}</td>
                <td>{s.protocol}</td>
                <td className="text-right font-mono text-[12px]">{s.port}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {grouped.length > rows.length ? <p className="mt-1 text-[12px] text-neutral-500">and {formatCount(grouped.length - rows.length)} more</p> : null}
    </Panel>
  );
}

function ExportsPanel({ result }: { result: NasProbeView }) {
  const exports = result.exports.slice(0, MAX_EXPORTS_SHOWN);
  const checked = result.export?.path;
  return (
    <Panel title={`Exports (${formatCount(result.exports.length)})`} testId="probe-exports">
      {exports.length === 0 ? (
        <p className="text-neutral-500">No export list.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th>Export</th>
              <th>Allowed clients</th>
            </tr>
          </thead>
          <tbody>
            {exports.map((entry, i) => (
              <tr key={`${entry.path}:${i}`} data-testid="probe-export" className={entry.path === checked ? "bg-sky-50/70" : undefined}>
                <td className="font-mono text-[12px] break-all">
                  {entry.path} {entry.path === checked ? <Badge tone="blue">checked</Badge> : null}
                </td>
                <td className="text-[12px] break-words">
                  {entry.groups.length === 0 ? <span className="text-neutral-500">everyone (no client list)</span> : entry.groups.join(", ")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result.exports.length > exports.length ? (
        <p className="mt-1 text-[12px] text-neutral-500">and {formatCount(result.exports.length - exports.length)} more</p>
      ) : null}
    </Panel>
  );
}

function sizeLimit(bytes: number): string {
  return bytes >= NO_PRACTICAL_LIMIT_BYTES ? "no practical limit" : formatBytes(bytes);
}

function ExportDetailPanel({ result }: { result: NasProbeView }) {
  const detail = result.export;
  if (!detail) {
    return (
      <Panel title="Checked export" testId="probe-export-detail">
        <p className="text-neutral-500">No export was mounted, so there are no capacity or speed figures.</p>
      </Panel>
    );
  }
  const { fsstat, fsinfo, throughput } = detail;
  return (
    <Panel title="Checked export" testId="probe-export-detail">
      <p className="mb-1 font-mono text-[12px] break-all">{detail.path}</p>
      <div data-testid="probe-fsstat">
        {fsstat ? (
          <>
            <dl>
              <Row label="Size">{formatBytes(fsstat.totalBytes)}</Row>
              <Row label="Free">{formatBytes(fsstat.freeBytes)}</Row>
              <Row label="Available">
                {formatBytes(fsstat.availableBytes)} <span className="text-neutral-500">(to this user)</span>
              </Row>
              <Row label="Files">
                {fsstat.totalFiles > 0 ? (
                  <>
                    {formatCount(fsstat.totalFiles - fsstat.freeFiles)} used of {formatCount(fsstat.totalFiles)}{" "}
                    <span className="text-neutral-500">({formatCount(fsstat.freeFiles)} free)</span>
                  </>
                ) : (
                  <span className="text-neutral-500">not reported</span>
                )}
              </Row>
            </dl>
            <UsageBar space={fsstat} label="Export space used" testId="probe-usage-bar" />
          </>
        ) : (
          <p className="text-neutral-500">No FSSTAT answer.</p>
        )}
      </div>
      <div className="mt-2 border-t border-neutral-100 pt-1.5" data-testid="probe-fsinfo">
        {fsinfo ? (
          <dl>
            <Row label="Read size">
              {formatBytes(fsinfo.rtpref)} preferred · {formatBytes(fsinfo.rtmax)} max
            </Row>
            <Row label="Write size">
              {formatBytes(fsinfo.wtpref)} preferred · {formatBytes(fsinfo.wtmax)} max
            </Row>
            <Row label="Max file size">{sizeLimit(fsinfo.maxFileSize)}</Row>
          </dl>
        ) : (
          <p className="text-neutral-500">No FSINFO answer.</p>
        )}
      </div>
      <div className="mt-2 border-t border-neutral-100 pt-1.5" data-testid="probe-throughput">
        {throughput ? (
          <dl>
            <Row label="Read speed">
              <strong className="text-[14px] font-semibold">{megabytesPerSecond(throughput.megabytesPerSecond)}</strong>
            </Row>
            <Row label="Sampled">
              {formatBytes(throughput.bytes)} in {formatDuration(throughput.seconds * 1000)}
            </Row>
            <Row label="File">
              <span className="font-mono text-[12px] break-all">{throughput.file}</span>
            </Row>
          </dl>
        ) : (
          <p className="text-neutral-500">No read sample.</p>
        )}
      </div>
    </Panel>
  );
}

/** The whole result of one finished check. */
export function ProbeReport({ result }: { result: NasProbeView }) {
  const { failed } = stepTally(result);
  return (
    <div data-testid="probe-report">
      <div className={`flex flex-wrap items-center gap-x-4 gap-y-1 border-b px-3 py-2 ${result.reachable ? "border-neutral-100" : "border-red-200 bg-red-50"}`}>
        <span data-testid="probe-reachable" className={`font-semibold ${result.reachable ? "text-emerald-700" : "text-red-700"}`}>
          {result.reachable ? "✓" : "✗"} {result.host} {result.reachable ? "answered" : "did not answer"}
        </span>
        <span className={failed.length > 0 ? "font-medium text-red-700" : "text-neutral-600"}>
          {failed.length === 0 ? "every step passed" : `${failed.length} of ${result.steps.length} step${result.steps.length === 1 ? "" : "s"} failed`}
        </span>
        <span className="text-neutral-500">checked {formatDateTime(result.checkedAt)}</span>
      </div>
      <StepList result={result} />
      <div className="grid gap-4 border-t border-neutral-200 p-3 lg:grid-cols-3">
        <ServicesPanel result={result} />
        <ExportsPanel result={result} />
        <ExportDetailPanel result={result} />
      </div>
    </div>
  );
}

/** A check that ended without a result (failed job, cancelled, unreadable row). */
export function ProbeError({ run }: { run: NasProbeRun }) {
  return (
    <div className="px-3 py-2 text-red-900" role="alert" data-testid="probe-error">
      <strong className="font-semibold">{run.state === "succeeded" ? "Result unreadable:" : "The check did not complete:"}</strong> {run.error ?? "no reason recorded"}
      {run.state === "failed" ? <p className="mt-0.5 text-[12px] text-neutral-600">Run it again; if it keeps failing, look at the indexer worker's log.</p> : null}
    </div>
  );
}

/** What was asked: host, export, identity and ports, in one line. */
export function RunRequest({ run }: { run: NasProbeRun }) {
  const input = run.input;
  return (
    <span className="text-neutral-600">
      <span className="font-mono text-[12px] text-neutral-900">
        {run.host}
        {input?.exportPath ? `:${input.exportPath}` : ""}
      </span>
      {input ? (
        <span className="text-[12px]">
          {" "}
          · uid {input.uid} gid {input.gid}
          {input.nfsPort ? ` · nfs port ${input.nfsPort}` : ""}
          {input.mountPort ? ` · mount port ${input.mountPort}` : ""}
        </span>
      ) : null}
    </span>
  );
}

/** One line for the history: the first failure, or that everything passed. */
export function RunOutcome({ run }: { run: NasProbeRun }) {
  if (run.active) return <span className="text-sky-800">{run.state === "running" ? "checking…" : "waiting for the worker"}</span>;
  if (!run.result) return <span className="text-red-800">{run.error ?? run.state}</span>;
  const { failed, noted } = stepTally(run.result);
  const first = failed[0];
  if (first) {
    return (
      <span className="text-red-800">
        ✗ {stepTitle(first.step)}: {first.explanation ?? first.error ?? "failed"}
      </span>
    );
  }
  return (
    <span className="text-emerald-800">
      ✓ {formatCount(run.result.exports.length)} export{run.result.exports.length === 1 ? "" : "s"}
      {run.result.export?.throughput ? ` · ${megabytesPerSecond(run.result.export.throughput.megabytesPerSecond)}` : ""}
      {noted.length > 0 ? <span className="text-amber-800"> · {noted.length} note{noted.length === 1 ? "" : "s"}</span> : null}
    </span>
  );
}
