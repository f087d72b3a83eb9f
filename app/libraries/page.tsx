// Library roots: status, mount facts, the last scan and its problem files,
// live progress of running scans, and the admin actions.
import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { formatAge, formatBytes, formatCount, formatDateTime, formatDuration } from "../../lib/catalog/format.ts";
import { isNfsUrl } from "../../lib/catalog/library-path.ts";
import { listLibraries, type LibrarySummary, type ScanRunSummary } from "../../lib/catalog/queries.ts";
import { getDb } from "../../lib/db/client.ts";
import { Badge, LibraryStatusBadge } from "../_components/badge.tsx";
import { UsageBar } from "../_components/usage-bar.tsx";
import { verifyLibraryAction } from "../integrity/actions.ts";
import { ActionButton } from "./action-button.tsx";
import { removeLibraryAction, scanLibraryAction, setLibraryEnabledAction } from "./actions.ts";
import { AddLibraryForm } from "./add-library-form.tsx";
import { nfsOptionsSummary, nfsRootFacts, NfsRootPanel } from "./nfs-root.tsx";
import { ScanMonitor, ScanProgress } from "./scan-progress.tsx";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Libraries" };

const kindLabel: Record<string, string> = { "gguf-dir": "GGUF folder", ollama: "Ollama store", auto: "not yet detected" };

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex gap-2 py-0.5">
      <dt className="w-28 shrink-0 text-neutral-500">{label}</dt>
      <dd className="min-w-0 break-words tabular-nums">{children}</dd>
    </div>
  );
}

function Panel({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <div className="min-w-0" data-testid={testId}>
      <h3 className="mb-1 text-[11px] font-semibold tracking-wide text-neutral-500 uppercase">{title}</h3>
      {children}
    </div>
  );
}

function MountPanel({ library }: { library: LibrarySummary }) {
  // nfs:// roots have no kernel mount: the built-in client's facts instead.
  const nfs = isNfsUrl(library.path) ? nfsRootFacts(library.path) : null;
  if (nfs) return <NfsRootPanel library={library} facts={nfs} />;
  const mount = library.mount;
  if (!mount) {
    return (
      <Panel title="Mount" testId="mount-details">
        <p className="text-neutral-500">Not checked yet: the worker records mount facts on the first scan.</p>
      </Panel>
    );
  }
  const sizes = mount.rsize !== null || mount.wsize !== null ? `${mount.rsize === null ? "–" : formatBytes(mount.rsize)} / ${mount.wsize === null ? "–" : formatBytes(mount.wsize)}` : null;
  return (
    <Panel title="Mount" testId="mount-details">
      <dl>
        <Row label="Source">
          <span className="font-mono text-[12px]">{mount.source ?? "–"}</span>
        </Row>
        {mount.serverAddress ? (
          <Row label="Server">
            <span className="font-mono text-[12px]">{mount.serverAddress}</span>
          </Row>
        ) : null}
        <Row label="Filesystem">
          {mount.fsType ?? "–"}
          {mount.nfsVersion ? ` · NFS v${mount.nfsVersion}` : ""}
          {mount.isNetwork ? " · network" : mount.isNetwork === false ? " · local" : ""}
          {mount.readOnly ? " · read-only" : ""}
        </Row>
        {mount.mountPoint && mount.mountPoint !== library.path ? (
          <Row label="Mounted at">
            <span className="font-mono text-[12px]">{mount.mountPoint}</span>
          </Row>
        ) : null}
        {mount.failureMode ? <Row label="Hard / soft">{mount.failureMode}</Row> : null}
        {sizes ? <Row label="rsize / wsize">{sizes}</Row> : null}
        {mount.attributeCache || mount.noac ? <Row label="Attr. cache">{mount.noac ? "off (noac)" : mount.attributeCache}</Row> : null}
        {mount.otherOptions.length > 0 ? (
          <Row label="Options">
            <span className="font-mono text-[12px]">{mount.otherOptions.join(",")}</span>
          </Row>
        ) : null}
        {library.mountCheckedAt ? <Row label="Checked">{formatDateTime(library.mountCheckedAt)}</Row> : null}
      </dl>
      {mount.statfs ? <UsageBar space={mount.statfs} /> : null}
      {mount.warnings.length > 0 ? (
        <ul className="mt-2 space-y-1" data-testid="mount-warnings">
          {mount.warnings.map((warning) => (
            <li key={warning} className="rounded border border-amber-200 bg-amber-50 px-2 py-1 text-[12px] text-amber-900">
              {warning}
            </li>
          ))}
        </ul>
      ) : null}
    </Panel>
  );
}

const scanStatusTone = { ok: "green", unavailable: "red", failed: "red", running: "blue" } as const;

function Stat({ label, value, tone }: { label: string; value: number; tone?: string }) {
  return (
    <div className="rounded bg-neutral-50 px-1.5 py-1">
      <div className="text-[10px] tracking-wide text-neutral-500 uppercase">{label}</div>
      <div className={`font-medium tabular-nums ${value > 0 && tone ? tone : ""}`}>{formatCount(value)}</div>
    </div>
  );
}

function LastScanPanel({ scan, now, statusReason }: { scan: ScanRunSummary | null; now: number; statusReason: string | null }) {
  if (!scan) {
    return (
      <Panel title="Last scan" testId="last-scan">
        <p className="text-neutral-500">No finished scan yet.</p>
      </Panel>
    );
  }
  return (
    <Panel title="Last scan" testId="last-scan">
      <dl>
        <Row label="When">
          {formatDateTime(scan.finishedAt ?? scan.startedAt)} <span className="text-neutral-500">({formatAge(scan.finishedAt ?? scan.startedAt, now)})</span>
        </Row>
        <Row label="Result">
          <Badge tone={scanStatusTone[scan.status as keyof typeof scanStatusTone] ?? "neutral"}>{scan.status}</Badge>{" "}
          <span className="text-neutral-500">
            {scan.trigger} · took {formatDuration(scan.durationMs)} · {formatBytes(scan.bytesRead)} read
          </span>
        </Row>
        {/* An unavailable root already shows this text prominently above. */}
        {scan.message && scan.message !== statusReason ? (
          <Row label="Message">
            <span className="text-neutral-700">{scan.message}</span>
          </Row>
        ) : null}
      </dl>
      <div className="mt-1.5 grid grid-cols-5 gap-1 text-center">
        <Stat label="Seen" value={scan.filesSeen} />
        <Stat label="Added" value={scan.added} />
        <Stat label="Changed" value={scan.changed} />
        <Stat label="Same" value={scan.unchanged} />
        <Stat label="Missing" value={scan.missing} tone="text-amber-700" />
        <Stat label="Returned" value={scan.returned} />
        <Stat label="Ignored" value={scan.ignored} />
        <Stat label="Settling" value={scan.settling} tone="text-sky-700" />
        <Stat label="Errors" value={scan.errors} tone="text-red-700" />
      </div>
    </Panel>
  );
}

function FilesPanel({ library }: { library: LibrarySummary }) {
  const count = (state: string) => library.fileCounts[state] ?? 0;
  return (
    <Panel title="Catalogue" testId="file-counts">
      <dl>
        <Row label="Models">{formatCount(library.modelCount)}</Row>
        <Row label="Indexed files">
          {formatCount(count("indexed"))} <span className="text-neutral-500">· {formatBytes(library.indexedBytes)}</span>
        </Row>
        <Row label="Settling">{formatCount(count("settling"))}</Row>
        <Row label="Errors">
          <span className={count("error") > 0 ? "font-medium text-red-700" : undefined}>{formatCount(count("error"))}</span>
        </Row>
        <Row label="Ignored">{formatCount(count("ignored"))}</Row>
        <Row label="Missing">
          <span className={library.missingCount > 0 ? "font-medium text-amber-700" : undefined}>{formatCount(library.missingCount)}</span>
        </Row>
      </dl>
    </Panel>
  );
}

function ProblemFiles({ library }: { library: LibrarySummary }) {
  if (library.errorFiles.length === 0 && library.ignoredFiles.length === 0) return null;
  return (
    <div className="space-y-2 border-t border-neutral-100 px-3 py-2">
      {library.errorFiles.length > 0 ? (
        <div data-testid="scan-errors">
          <h3 className="mb-1 text-[11px] font-semibold tracking-wide text-red-700 uppercase">
            Files that could not be read ({formatCount(library.errorFiles.length)})
          </h3>
          <table className="data-table">
            <thead>
              <tr>
                <th>File</th>
                <th>Reason</th>
                <th className="text-right">Byte offset</th>
              </tr>
            </thead>
            <tbody>
              {library.errorFiles.map((file) => (
                <tr key={file.relPath}>
                  <td className="font-mono text-[12px] break-all">{file.relPath}</td>
                  <td className="text-red-800">{file.reason ?? "–"}</td>
                  <td className="text-right font-mono text-[12px]">{file.errorOffset === null ? "–" : formatCount(file.errorOffset)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {library.ignoredFiles.length > 0 ? (
        <details data-testid="ignored-files">
          <summary className="cursor-pointer text-[12px] text-neutral-600 select-none">
            {formatCount(library.ignoredFiles.length)} ignored file{library.ignoredFiles.length === 1 ? "" : "s"} (temporary or partial names)
          </summary>
          <ul className="mt-1 space-y-0.5 pl-4">
            {library.ignoredFiles.map((file) => (
              <li key={file.relPath} className="flex flex-wrap gap-2 text-[12px]">
                <span className="font-mono break-all">{file.relPath}</span>
                <span className="text-neutral-500">
                  {formatBytes(file.sizeBytes)}
                  {file.reason ? ` · ${file.reason}` : ""}
                </span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

function LibraryCard({ library, now }: { library: LibrarySummary; now: number }) {
  const id = String(library.id);
  // An nfs:// root is shown as its share; its query options (uid, ports…) as facts beside it.
  const nfs = isNfsUrl(library.path) ? nfsRootFacts(library.path) : null;
  const shownPath = nfs?.share ?? library.path;
  const nfsOptions = nfs ? nfsOptionsSummary(nfs) : "";
  return (
    <article id={`library-${library.id}`} className="card scroll-mt-4" data-testid="library-card" data-library-id={library.id} aria-label={library.label ?? shownPath}>
      <header className="flex flex-wrap items-center gap-2 border-b border-neutral-200 px-3 py-2">
        <h2 className="text-[14px] font-semibold">{library.label ?? shownPath}</h2>
        {library.label ? (
          <span className="font-mono text-[12px] text-neutral-600" title={library.path}>
            {shownPath}
          </span>
        ) : null}
        {nfsOptions ? <span className="text-[11px] text-neutral-500" data-testid="nfs-options">{nfsOptions}</span> : null}
        {nfs ? (
          <Badge tone="violet" title="Read with ModelShelf's own NFSv3 client, without a kernel mount">
            nfs://
          </Badge>
        ) : null}
        <Badge tone="neutral" title="Detected by the first scan">
          {kindLabel[library.kind] ?? library.kind}
        </Badge>
        <LibraryStatusBadge status={library.status} />
        {library.enabled ? null : <Badge tone="amber">disabled</Badge>}
        <span className="text-[11px] text-neutral-400" title="Where this library was configured">
          {library.source === "env"
            ? "from MODELSHELF_LIBRARIES"
            : library.source === "demo"
              ? "demo library (generated because none was configured)"
              : `added via ${library.source}`}
        </span>
        <div className="ml-auto flex flex-wrap items-center gap-2">
          {library.enabled ? (
            <ActionButton action={scanLibraryAction} fields={{ libraryId: id }} label="Scan now" pendingLabel="Queuing…" variant="primary" testId="scan-now" />
          ) : null}
          {library.enabled ? (
            <ActionButton action={verifyLibraryAction} fields={{ libraryId: id }} label="Verify" pendingLabel="Queuing…" testId="verify-library" />
          ) : null}
          <ActionButton
            action={setLibraryEnabledAction}
            fields={{ libraryId: id, enabled: String(!library.enabled) }}
            label={library.enabled ? "Disable" : "Enable"}
          />
          {library.source === "ui" ? (
            <ActionButton
              action={removeLibraryAction}
              fields={{ libraryId: id }}
              label="Remove"
              variant="danger"
              confirmText={`Remove ${shownPath} from the catalogue? Files on the share are not touched.`}
            />
          ) : null}
        </div>
      </header>

      {library.status === "unavailable" ? (
        <div className="border-b border-red-200 bg-red-50 px-3 py-2 text-red-900" role="alert" data-testid="unavailable-reason">
          <strong className="font-semibold">Unavailable:</strong> {library.statusReason ?? "the last check could not read this root."}
          {library.missingGuardTripped ? (
            <div className="mt-1.5 flex flex-wrap items-center gap-2 text-[12px]">
              <span>
                If the files really were removed (not an unmounted share), accept it and rescan; the catalogue then marks them
                missing.
              </span>
              <ActionButton
                action={scanLibraryAction}
                fields={{ libraryId: id, acceptMissing: "true" }}
                label="Accept missing files & rescan"
                variant="danger"
                confirmText="Mark every file that is not found on this scan as missing?"
                testId="accept-missing"
              />
            </div>
          ) : null}
        </div>
      ) : null}

      <div className="px-3 pt-2 empty:hidden">
        <ScanProgress libraryId={library.id} />
      </div>

      <div className="grid gap-4 p-3 md:grid-cols-3">
        <MountPanel library={library} />
        <LastScanPanel scan={library.lastScan} now={now} statusReason={library.statusReason} />
        <FilesPanel library={library} />
      </div>
      <ProblemFiles library={library} />
    </article>
  );
}

export default async function LibrariesPage() {
  const libraries = await listLibraries(getDb());
  const now = Date.now();
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-4">
        <h1 className="text-[17px] font-semibold tracking-tight">Libraries</h1>
        <p className="text-neutral-500">
          {formatCount(libraries.length)} root{libraries.length === 1 ? "" : "s"} ·{" "}
          {formatCount(libraries.filter((l) => l.status === "unavailable").length)} unavailable
        </p>
      </div>
      <section className="card px-3 py-2" aria-labelledby="add-library-title">
        <h2 id="add-library-title" className="mb-1.5 text-[12px] font-semibold text-neutral-700">
          Add library{" "}
          <span className="font-normal text-neutral-500">
            — a folder of .gguf files or an Ollama models directory, as the worker sees it: a path (a local disk or a mounted share), or
            an <code className="font-mono">nfs://host/export</code> URL read with the built-in NFSv3 client (
            <Link href="/nas" className="text-sky-700 hover:underline">
              check a NAS first
            </Link>
            )
          </span>
        </h2>
        <AddLibraryForm />
      </section>
      {libraries.length === 0 ? (
        <p className="card px-3 py-8 text-center text-neutral-600" data-testid="no-libraries">
          No libraries yet. Add a root above, or set <code className="font-mono">MODELSHELF_LIBRARIES</code> and restart.
        </p>
      ) : (
        <ScanMonitor initial={libraries.map((l) => ({ libraryId: l.id, runningScan: l.runningScan, pendingScanJob: l.pendingScanJob }))}>
          <div className="space-y-3">
            {libraries.map((library) => (
              <LibraryCard key={library.id} library={library} now={now} />
            ))}
          </div>
        </ScanMonitor>
      )}
    </div>
  );
}
