// Integrity: files that failed verification first (mismatch, unreadable), then
// problems in checksum files, the scrub (schedule, progress, coverage), the
// hashing settings, per-library verification and duplicated content.
import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { formatAge, formatBytes, formatCount, formatDateTime, formatFraction, formatRelative, percent, shortDigest, verifySourceLabel, wholePercent } from "../../lib/catalog/format.ts";
import { getDb } from "../../lib/db/client.ts";
import {
  getIntegritySummary,
  listDuplicates,
  verifyStates,
  type Coverage,
  type DuplicateList,
  type IntegrityProblem,
  type IntegritySummary,
  type ScrubRunView,
} from "../../lib/hashing/queries.ts";
import { Badge } from "../_components/badge.tsx";
import { CardSection } from "../_components/card-section.tsx";
import { ActionButton } from "../libraries/action-button.tsx";
import { verifyEverythingAction, verifyFileAction, verifyLibraryAction } from "./actions.ts";
import { LiveRefresh } from "./live-refresh.tsx";
import { SettingsForm } from "./settings-form.tsx";
import { VerifyBadge } from "./verify-badge.tsx";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Integrity" };

/** The scrub moves slowly (one file takes minutes); a refresh every few seconds is live enough. */
const SCRUB_REFRESH_MS = 5_000;

const stateTileTone: Record<string, string> = {
  mismatch: "text-red-700",
  unreadable: "text-red-700",
  hashing: "text-sky-700",
  queued: "text-sky-700",
  unverified: "text-neutral-600",
  verified: "text-emerald-700",
};

function StateTiles({ counts }: { counts: IntegritySummary["counts"] }) {
  return (
    <div className="grid grid-cols-3 gap-2 sm:grid-cols-6" data-testid="verify-counts">
      {verifyStates.map((state) => {
        const count = counts[state];
        const alarming = (state === "mismatch" || state === "unreadable") && count.files > 0;
        return (
          <div
            key={state}
            className={`card px-2.5 py-1.5 ${alarming ? (state === "mismatch" ? "border-red-600 bg-red-600 text-white" : "border-red-300 bg-red-50") : ""}`}
            data-testid={`count-${state}`}
          >
            <div className={`text-[10px] tracking-wide uppercase ${alarming && state === "mismatch" ? "text-red-100" : "text-neutral-500"}`}>{state}</div>
            <div className={`text-[18px] leading-6 font-semibold tabular-nums ${alarming ? (state === "mismatch" ? "" : "text-red-700") : count.files > 0 ? stateTileTone[state] : "text-neutral-300"}`}>
              {formatCount(count.files)}
            </div>
            <div className={`text-[11px] tabular-nums ${alarming && state === "mismatch" ? "text-red-100" : "text-neutral-500"}`}>{formatBytes(count.bytes)}</div>
          </div>
        );
      })}
    </div>
  );
}

function Hash({ value, tone }: { value: string | null; tone?: "bad" | "good" }) {
  if (!value) return <span className="text-neutral-400">–</span>;
  return (
    <span
      className={`font-mono text-[12px] break-all ${tone === "bad" ? "text-red-800" : tone === "good" ? "text-emerald-800" : ""}`}
      title={value}
    >
      {value}
    </span>
  );
}

/** What a failed verification means, in admin terms (the stored message repeats the hashes shown beside it). */
function explainProblem(problem: IntegrityProblem): string | null {
  if (problem.verifyState === "unreadable") return problem.error;
  if (problem.expected?.source === "first-seen") {
    return "The content changed since it was first hashed although size and modification time did not: silent corruption.";
  }
  return "Does not match the published checksum: damaged in transfer or on disk, or not the file the checksum is for.";
}

function ProblemsTable({ problems, now }: { problems: IntegrityProblem[]; now: number }) {
  return (
    <table className="data-table" data-testid="problems-table">
      <thead>
        <tr>
          <th>State</th>
          <th>File</th>
          <th className="w-[30rem]">Expected / actual SHA-256</th>
          <th>Expected from</th>
          <th>When</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {problems.map((problem) => (
          <tr key={problem.fileId} data-testid="problem-row" data-file-id={problem.fileId} className={problem.verifyState === "mismatch" ? "bg-red-50/60" : undefined}>
            <td>
              <VerifyBadge state={problem.verifyState} />
            </td>
            <td className="min-w-64">
              <div className="font-mono text-[12px] break-all">{problem.relPath}</div>
              <div className="text-[12px] text-neutral-500">
                {problem.libraryLabel ?? problem.libraryPath} · {formatBytes(problem.sizeBytes)}
                {problem.modelId !== null ? (
                  <>
                    {" · "}
                    <Link href={`/models/${problem.modelId}`} className="text-sky-700 hover:underline">
                      {problem.modelName}
                    </Link>
                  </>
                ) : null}
              </div>
              {explainProblem(problem) ? (
                <div className="mt-0.5 text-[12px] font-medium text-red-800" title={problem.error ?? undefined}>
                  {explainProblem(problem)}
                </div>
              ) : null}
            </td>
            <td>
              {problem.verifyState === "mismatch" ? (
                <div className="space-y-0.5">
                  <div className="flex gap-2">
                    <span className="w-14 shrink-0 text-right text-[11px] text-neutral-500">expected</span>
                    <Hash value={problem.expected?.sha256 ?? null} tone="good" />
                  </div>
                  <div className="flex gap-2">
                    <span className="w-14 shrink-0 text-right text-[11px] text-neutral-500">actual</span>
                    <Hash value={problem.actualSha256} tone="bad" />
                  </div>
                </div>
              ) : (
                <span className="text-neutral-500">not read to the end: no hash</span>
              )}
            </td>
            <td className="min-w-48 text-[12px]">
              {problem.expected ? (
                <>
                  <div>{verifySourceLabel(problem.expected.source)}</div>
                  {problem.expected.sourcePath ? <div className="font-mono break-all text-neutral-500">{problem.expected.sourcePath}</div> : null}
                </>
              ) : (
                <span className="text-neutral-400">–</span>
              )}
            </td>
            <td className="whitespace-nowrap text-neutral-600" title={formatDateTime(problem.verifiedAt)}>
              {formatAge(problem.verifiedAt, now)}
            </td>
            <td>
              <ActionButton action={verifyFileAction} fields={{ fileId: String(problem.fileId) }} label="Verify again" pendingLabel="Queuing…" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ChecksumProblems({ summary }: { summary: IntegritySummary }) {
  if (summary.checksumProblems.length === 0) {
    return <p className="px-3 py-2 text-neutral-500">Every SHA256SUMS file and .sha256 sidecar was read without problems.</p>;
  }
  return (
    <table className="data-table" data-testid="checksum-problems">
      <thead>
        <tr>
          <th>Checksum file</th>
          <th>Library</th>
          <th className="text-right">Line</th>
          <th>Problem</th>
        </tr>
      </thead>
      <tbody>
        {summary.checksumProblems.map((problem, i) => (
          <tr key={`${problem.checksumFileId}:${i}`}>
            <td className="font-mono text-[12px] break-all">
              {problem.relPath} <span className="font-sans text-neutral-500">({problem.kind === "sidecar" ? "sidecar" : `${formatCount(problem.entries)} entries`})</span>
            </td>
            <td className="whitespace-nowrap">{problem.libraryLabel ?? problem.libraryPath}</td>
            <td className="text-right font-mono text-[12px]">{problem.line ?? "–"}</td>
            <td className="text-amber-900">{problem.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex gap-2 py-0.5">
      <dt className="w-36 shrink-0 text-neutral-500">{label}</dt>
      <dd className="min-w-0 tabular-nums">{children}</dd>
    </div>
  );
}

function ScrubRunPanel({ run, label, now }: { run: ScrubRunView; label: string; now: number }) {
  const share = run.bytesTotal > 0 ? run.bytesDone / run.bytesTotal : run.filesTotal > 0 ? run.filesDone / run.filesTotal : 0;
  const running = run.status === "running";
  return (
    <div className="space-y-1" data-testid={running ? "scrub-current" : "scrub-last"}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <span>
          <strong className="font-semibold">{label}</strong> · started {formatDateTime(run.startedAt)} ({formatAge(run.startedAt, now)})
          {run.finishedAt ? ` · finished ${formatDateTime(run.finishedAt)}` : ""}
        </span>
        <Badge tone={running ? "blue" : run.mismatches + run.unreadable > 0 ? "red" : "green"}>{run.status}</Badge>
      </div>
      <div
        className="h-2 overflow-hidden rounded-sm bg-neutral-200"
        role="progressbar"
        aria-label={`${label} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={wholePercent(share)}
      >
        <div className={`h-full ${running ? "bg-sky-600" : "bg-neutral-500"}`} style={{ width: `${percent(share, 1)}%` }} />
      </div>
      <div className="text-[12px] text-neutral-600 tabular-nums">
        {formatCount(run.filesDone)} / {formatCount(run.filesTotal)} files · {formatBytes(run.bytesDone)} / {formatBytes(run.bytesTotal)} ({formatFraction(share)}) ·{" "}
        <span className={run.mismatches > 0 ? "font-semibold text-red-700" : undefined}>
          {formatCount(run.mismatches)} mismatch{run.mismatches === 1 ? "" : "es"}
        </span>{" "}
        ·{" "}
        <span className={run.unreadable > 0 ? "font-semibold text-red-700" : undefined}>{formatCount(run.unreadable)} unreadable</span>
      </div>
    </div>
  );
}

function ScrubPanel({ summary, now }: { summary: IntegritySummary; now: number }) {
  const { settings, schedule } = summary;
  return (
    <div className="space-y-3 p-3" data-testid="scrub">
      <dl>
        <Row label="Scrub">
          {settings.scrubEnabled ? <Badge tone="green">enabled</Badge> : <Badge tone="amber">disabled</Badge>}{" "}
          <span className="text-neutral-600">re-verifies every file older than {formatCount(settings.scrubIntervalDays)} days, oldest first</span>
        </Row>
        <Row label="Window">
          {schedule.anyTime ? (
            "any time"
          ) : (
            <>
              <span className="font-mono">{schedule.window}</span> <span className="text-neutral-500">(server time)</span>
            </>
          )}
        </Row>
        <Row label={schedule.openNow ? "Window" : "Next window"}>
          <span data-testid="next-window">
            {schedule.anyTime
              ? "always open"
              : schedule.openNow
                ? `open now, until ${formatDateTime(schedule.closesAt)} (${formatRelative(schedule.closesAt, now)})`
                : `opens ${formatDateTime(schedule.nextStart)} (${formatRelative(schedule.nextStart, now)})`}
          </span>
        </Row>
        <Row label="Throughput">
          {formatCount(settings.concurrency)} file{settings.concurrency === 1 ? "" : "s"} at once ·{" "}
          {settings.bandwidthMBps === null ? "no read cap" : `capped at ${settings.bandwidthMBps} MB/s`}
        </Row>
      </dl>
      {summary.currentScrub ? <ScrubRunPanel run={summary.currentScrub} label="Current scrub" now={now} /> : null}
      {summary.lastScrub ? <ScrubRunPanel run={summary.lastScrub} label="Last scrub" now={now} /> : null}
      {!summary.currentScrub && !summary.lastScrub ? <p className="text-neutral-500">No scrub has run yet.</p> : null}
    </div>
  );
}

const coverageParts = [
  { key: "fresh", label: "verified within interval", bar: "bg-emerald-600", dot: "bg-emerald-600" },
  { key: "stale", label: "stale (older than interval)", bar: "bg-amber-400", dot: "bg-amber-400" },
  { key: "never", label: "never verified", bar: "bg-neutral-300", dot: "bg-neutral-300" },
] as const;

function CoverageBar({ coverage, measure }: { coverage: Coverage; measure: "files" | "bytes" }) {
  const total = coverage.total[measure];
  return (
    <div className="flex items-center gap-2">
      <span className="w-10 shrink-0 text-[11px] text-neutral-500">{measure === "files" ? "Files" : "Bytes"}</span>
      <div className="flex h-3 flex-1 overflow-hidden rounded-sm bg-neutral-100" role="img" aria-label={`Coverage by ${measure}: ${coverageParts.map((p) => `${p.label} ${formatFraction(total > 0 ? coverage[p.key][measure] / total : 0)}`).join(", ")}`}>
        {coverageParts.map((part) => {
          const share = percent(coverage[part.key][measure], total);
          return share > 0 ? <div key={part.key} className={`h-full ${part.bar}`} style={{ width: `${share}%` }} title={`${part.label}: ${share.toFixed(1)} %`} /> : null;
        })}
      </div>
    </div>
  );
}

function CoveragePanel({ coverage }: { coverage: Coverage }) {
  return (
    <div className="space-y-2 p-3" data-testid="coverage">
      <CoverageBar coverage={coverage} measure="files" />
      <CoverageBar coverage={coverage} measure="bytes" />
      <table className="data-table mt-1">
        <thead>
          <tr>
            <th />
            <th className="text-right">Files</th>
            <th className="text-right">Size</th>
            <th className="text-right">Share of bytes</th>
          </tr>
        </thead>
        <tbody>
          {coverageParts.map((part) => (
            <tr key={part.key} data-testid={`coverage-${part.key}`}>
              <td>
                <span className={`mr-1.5 inline-block h-2.5 w-2.5 rounded-sm align-middle ${part.dot}`} aria-hidden />
                {part.label}
              </td>
              <td className="text-right">{formatCount(coverage[part.key].files)}</td>
              <td className="text-right whitespace-nowrap">{formatBytes(coverage[part.key].bytes)}</td>
              <td className="text-right">{formatFraction(coverage.total.bytes > 0 ? coverage[part.key].bytes / coverage.total.bytes : 0)}</td>
            </tr>
          ))}
          <tr className="font-medium">
            <td>present files</td>
            <td className="text-right">{formatCount(coverage.total.files)}</td>
            <td className="text-right whitespace-nowrap">{formatBytes(coverage.total.bytes)}</td>
            <td />
          </tr>
        </tbody>
      </table>
      <p className="text-[11px] text-neutral-500">Interval: {formatCount(coverage.intervalDays)} days. A file counts as covered by its last verification, whatever the verdict.</p>
    </div>
  );
}

function LibrariesTable({ summary }: { summary: IntegritySummary }) {
  if (summary.libraries.length === 0) return <p className="px-3 py-2 text-neutral-500">No libraries.</p>;
  return (
    <table className="data-table" data-testid="library-verification">
      <thead>
        <tr>
          <th>Library</th>
          <th className="text-right">Files</th>
          <th className="text-right">Size</th>
          <th className="text-right">Verified</th>
          <th className="text-right">Problems</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {summary.libraries.map((library) => (
          <tr key={library.id} data-library-id={library.id}>
            <td>
              <Link href={`/libraries#library-${library.id}`} className="hover:underline">
                {library.label ?? library.path}
              </Link>
              {library.label ? <span className="ml-1.5 font-mono text-[12px] text-neutral-500">{library.path}</span> : null}
              {library.status === "unavailable" ? <span className="ml-1.5"><Badge tone="red">unavailable</Badge></span> : null}
              {library.enabled ? null : <span className="ml-1.5"><Badge tone="amber">disabled</Badge></span>}
            </td>
            <td className="text-right">{formatCount(library.files)}</td>
            <td className="text-right whitespace-nowrap">{formatBytes(library.bytes)}</td>
            <td className="text-right">{formatFraction(library.files > 0 ? library.verified / library.files : 0)}</td>
            <td className={`text-right ${library.problems > 0 ? "font-semibold text-red-700" : "text-neutral-400"}`}>{formatCount(library.problems)}</td>
            <td className="text-right">
              {library.enabled && library.files > 0 ? (
                <ActionButton action={verifyLibraryAction} fields={{ libraryId: String(library.id) }} label="Verify library" pendingLabel="Queuing…" testId="verify-library" />
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DuplicatesTable({ duplicates }: { duplicates: DuplicateList }) {
  if (duplicates.groups.length === 0) {
    return <p className="px-3 py-2 text-neutral-500">No content is stored more than once.</p>;
  }
  return (
    <table className="data-table" data-testid="duplicates-table">
      <thead>
        <tr>
          <th>Model</th>
          <th className="text-right">Copies</th>
          <th className="text-right">Size</th>
          <th className="text-right">Wasted</th>
          <th>Identical by</th>
          <th>Where</th>
        </tr>
      </thead>
      <tbody>
        {duplicates.groups.map((group) => (
          <tr key={group.key} data-testid="duplicate-row">
            <td>
              {group.modelId !== null ? (
                <Link href={`/models/${group.modelId}`} className="font-medium text-neutral-900 hover:text-sky-700 hover:underline">
                  {group.modelName}
                </Link>
              ) : (
                <span className="text-neutral-500">no model</span>
              )}
            </td>
            <td className="text-right">{formatCount(group.copies)}</td>
            <td className="text-right whitespace-nowrap">{formatBytes(group.sizeBytes)}</td>
            <td className="text-right font-medium whitespace-nowrap text-amber-800">{formatBytes(group.wastedBytes)}</td>
            <td>
              {group.basis === "sha256" ? (
                <span title={group.files[0]?.sha256 ?? undefined}>
                  SHA-256 <span className="font-mono text-[12px] text-neutral-500">{shortDigest(group.files[0]?.sha256)}</span>
                </span>
              ) : (
                <span className="text-neutral-600" title="Same size and header bytes; not every copy is hashed yet">
                  header (not all hashed)
                </span>
              )}
            </td>
            <td>
              <ul className="space-y-0.5">
                {group.files.map((file) => (
                  <li key={file.id} className="flex min-w-0 items-center gap-1">
                    {file.role === "ollama-blob" ? <Badge tone="violet">Ollama</Badge> : null}
                    <span className="shrink-0 text-neutral-500">{file.libraryLabel ?? file.libraryPath}:</span>
                    <span className="truncate font-mono text-[12px]" title={file.relPath}>
                      {file.relPath}
                    </span>
                  </li>
                ))}
              </ul>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default async function IntegrityPage() {
  const db = getDb();
  const now = new Date();
  const [summary, duplicates] = await Promise.all([getIntegritySummary(db, now), listDuplicates(db)]);
  const nowMs = now.getTime();
  const mismatches = summary.counts.mismatch.files;
  const unreadable = summary.counts.unreadable.files;
  const inProgress = summary.currentScrub !== null || summary.counts.hashing.files > 0;

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-baseline gap-3">
          <h1 className="text-[17px] font-semibold tracking-tight">Integrity</h1>
          <p className="text-neutral-500">
            SHA-256 of every library file, checked against Ollama blob names, SHA256SUMS and .sha256 sidecars, or our own first hash.
          </p>
        </div>
        <ActionButton action={verifyEverythingAction} fields={{}} label="Verify everything" pendingLabel="Queuing…" variant="primary" testId="verify-everything" />
      </div>

      <StateTiles counts={summary.counts} />

      <CardSection
        anchor="problems"
        titleId="problems-title"
        tone={summary.problemTotal > 0 ? "red" : undefined}
        title={
          summary.problemTotal > 0
            ? `Failed verification: ${formatCount(mismatches)} mismatch${mismatches === 1 ? "" : "es"}, ${formatCount(unreadable)} unreadable`
            : "Failed verification"
        }
        aside={
          summary.problemTotal > summary.problems.length ? (
            <span className="text-[12px] text-red-800">showing {formatCount(summary.problems.length)} of {formatCount(summary.problemTotal)}</span>
          ) : null
        }
      >
        {summary.problems.length > 0 ? (
          <div className="overflow-x-auto">
            <ProblemsTable problems={summary.problems} now={nowMs} />
          </div>
        ) : (
          <p className="px-3 py-2 text-emerald-800" data-testid="no-problems">
            No present file is in mismatch or unreadable.
          </p>
        )}
      </CardSection>

      <CardSection anchor="checksum-files" titleId="checksum-files-title" title={`Checksum-file problems (${formatCount(summary.checksumProblems.length)})`}>
        <div className="overflow-x-auto">
          <ChecksumProblems summary={summary} />
        </div>
      </CardSection>

      <div className="grid gap-3 xl:grid-cols-2">
        <CardSection anchor="scrub" titleId="scrub-title" title="Scrub">
          <ScrubPanel summary={summary} now={nowMs} />
        </CardSection>
        <CardSection anchor="coverage" titleId="coverage-title" title="Coverage">
          <CoveragePanel coverage={summary.coverage} />
        </CardSection>
      </div>

      <CardSection anchor="libraries" titleId="libraries-title" title="Libraries">
        <div className="overflow-x-auto">
          <LibrariesTable summary={summary} />
        </div>
      </CardSection>

      <CardSection anchor="settings" titleId="settings-title" title="Hashing settings">
        <SettingsForm settings={summary.settings} />
      </CardSection>

      <CardSection
        anchor="duplicates"
        titleId="duplicates-title"
        title={`Duplicates (${formatCount(duplicates.totalGroups)})`}
        aside={
          duplicates.totalGroups > 0 ? (
            <span className="text-[12px] text-neutral-600" data-testid="duplicates-wasted">
              {formatBytes(duplicates.totalWastedBytes)} in extra copies
              {duplicates.totalGroups > duplicates.groups.length ? ` · biggest ${formatCount(duplicates.groups.length)} shown` : ""}
            </span>
          ) : null
        }
      >
        <div className="overflow-x-auto">
          <DuplicatesTable duplicates={duplicates} />
        </div>
      </CardSection>

      <LiveRefresh active={inProgress} intervalMs={SCRUB_REFRESH_MS} />
    </div>
  );
}
