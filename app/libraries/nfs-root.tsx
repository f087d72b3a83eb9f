// Library roots given as nfs:// URLs (read with the built-in NFSv3 client):
// the URL split for display — share without its query, and the options
// (uid, gid, ports, timeout) shown as facts — and the card's access panel,
// which replaces the kernel-mount rows of a mounted path.
import Link from "next/link";
import type { ReactNode } from "react";
import { formatBytes, formatDateTime, formatDuration } from "../../lib/catalog/format.ts";
import type { LibrarySummary } from "../../lib/catalog/queries.ts";
import { UsageBar } from "../_components/usage-bar.tsx";
import { nasCheckHref } from "../nas/check-link.ts";

export interface NfsRootFacts {
  /** nfs://host[:port]/path — what an admin reads; the query is shown as facts instead. */
  share: string;
  host: string;
  /** The full path after the host: export plus any sub-folder. */
  path: string;
  nfsPort: number | null;
  mountPort: number | null;
  uid: number | null;
  gid: number | null;
  timeoutMs: number | null;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    // The worker refuses such a URL with its own message; here it is shown as typed.
    if (error instanceof URIError) return segment;
    throw error;
  }
}

function whole(value: string | null): number | null {
  return value !== null && /^\d{1,10}$/.test(value) ? Number(value) : null;
}

/** Splits an nfs:// library path for display (validation is addLibrary's and the worker's job). */
export function nfsRootFacts(libraryPath: string): NfsRootFacts | null {
  const match = /^nfs:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/i.exec(libraryPath);
  if (!match) return null;
  const [, authority = "", rawPath = "", query = ""] = match;
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(authority);
  const colon = authority.lastIndexOf(":");
  const host = bracketed ? (bracketed[1] ?? "") : colon >= 0 ? authority.slice(0, colon) : authority;
  const authorityPort = bracketed ? (bracketed[2] ?? null) : colon >= 0 ? authority.slice(colon + 1) : null;
  const options = new URLSearchParams(query);
  const path = `/${rawPath.split("/").filter(Boolean).map(decodeSegment).join("/")}`;
  return {
    share: `nfs://${authority}${path === "/" ? "" : path}`,
    host,
    path,
    nfsPort: whole(authorityPort) ?? whole(options.get("nfsport")),
    mountPort: whole(options.get("mountport")),
    uid: whole(options.get("uid")),
    gid: whole(options.get("gid")),
    timeoutMs: whole(options.get("timeout")),
  };
}

/** The export part of the mount source the worker recorded ("host:/volume1/models"). */
function exportFromSource(source: string | null): string | null {
  if (!source) return null;
  const at = source.indexOf(":/");
  return at >= 0 ? source.slice(at + 1) : null;
}

/** "uid 1026 · gid 100 · mount port 892" for the card header; empty when the URL has no options. */
export function nfsOptionsSummary(facts: NfsRootFacts): string {
  const parts: string[] = [];
  if (facts.uid !== null) parts.push(`uid ${facts.uid}`);
  if (facts.gid !== null) parts.push(`gid ${facts.gid}`);
  if (facts.nfsPort !== null) parts.push(`nfs port ${facts.nfsPort}`);
  if (facts.mountPort !== null) parts.push(`mount port ${facts.mountPort}`);
  if (facts.timeoutMs !== null) parts.push(`timeout ${formatDuration(facts.timeoutMs)}`);
  return parts.join(" · ");
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex gap-2 py-0.5">
      <dt className="w-28 shrink-0 text-neutral-500">{label}</dt>
      <dd className="min-w-0 break-words tabular-nums">{children}</dd>
    </div>
  );
}

export function NfsRootPanel({ library, facts }: { library: LibrarySummary; facts: NfsRootFacts }) {
  const mount = library.mount;
  const exportPath = exportFromSource(mount?.source ?? null);
  const subFolder = exportPath && facts.path.startsWith(`${exportPath}/`) ? facts.path.slice(exportPath.length) : null;
  const checkHref = nasCheckHref({
    host: facts.host,
    exportPath: exportPath ?? facts.path,
    uid: facts.uid,
    gid: facts.gid,
    nfsPort: facts.nfsPort,
    mountPort: facts.mountPort,
    timeoutMs: facts.timeoutMs,
  });
  const id = (value: number | null) => (value === null ? null : String(value));
  return (
    <div className="min-w-0" data-testid="mount-details">
      <h3 className="mb-1 flex items-baseline justify-between gap-2 text-[11px] font-semibold tracking-wide text-neutral-500 uppercase">
        Access
        <Link href={checkHref} className="text-[12px] font-medium tracking-normal text-sky-700 normal-case hover:underline" data-testid="check-nas-link">
          Check this NAS →
        </Link>
      </h3>
      <dl data-testid="nfs-client-details">
        <Row label="Client">
          built-in NFSv3 client <span className="text-neutral-500">· read-only · TCP</span>
        </Row>
        <Row label="Server">
          <span className="font-mono text-[12px]">{facts.host}</span>
        </Row>
        <Row label="Export">
          {exportPath ? <span className="font-mono text-[12px]">{exportPath}</span> : <span className="text-neutral-500">known after the first scan</span>}
          {subFolder ? (
            <span className="text-neutral-500">
              {" "}
              · folder <span className="font-mono text-[12px] text-neutral-900">{subFolder}</span>
            </span>
          ) : null}
        </Row>
        <Row label="Identity">
          {facts.uid === null && facts.gid === null ? (
            <span>the worker&apos;s own uid/gid</span>
          ) : (
            <span>
              uid {id(facts.uid) ?? "(worker's)"} · gid {id(facts.gid) ?? "(worker's)"}
            </span>
          )}{" "}
          <span className="text-neutral-500">(AUTH_SYS)</span>
        </Row>
        <Row label="Ports">
          {facts.nfsPort === null && facts.mountPort === null ? (
            <span>from the portmapper (port 111)</span>
          ) : (
            <span>
              NFS {id(facts.nfsPort) ?? "via portmapper"} · MOUNT {id(facts.mountPort) ?? "via portmapper"}
            </span>
          )}
        </Row>
        <Row label="Timeout">{facts.timeoutMs === null ? <span>per call: MODELSHELF_FS_TIMEOUT_MS</span> : `${formatDuration(facts.timeoutMs)} per call`}</Row>
        {mount && (mount.rsize !== null || mount.wsize !== null) ? (
          <Row label="Read / write">
            {formatBytes(mount.rsize)} / {formatBytes(mount.wsize)} <span className="text-neutral-500">(server&apos;s preferred sizes)</span>
          </Row>
        ) : null}
        <Row label="Changes">
          found by rescans <span className="text-neutral-500">(no file watching)</span>
        </Row>
        {library.mountCheckedAt ? <Row label="Checked">{formatDateTime(library.mountCheckedAt)}</Row> : null}
      </dl>
      {mount?.statfs ? <UsageBar space={mount.statfs} label="Export space used" /> : null}
      {mount && mount.warnings.length > 0 ? (
        <ul className="mt-2 space-y-1" data-testid="mount-warnings">
          {mount.warnings.map((warning) => (
            <li key={warning} className="rounded border border-amber-200 bg-amber-50 px-2 py-1 text-[12px] text-amber-900">
              {warning}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
