// Today's space: each library root's filesystem (statfs, or FSSTAT for nfs://
// roots) with what the catalogue holds there, and the biggest models with
// identical copies counted once. Server components (no client JS).
import Link from "next/link";
import { formatBytes, formatCount, formatDateTime, formatParameterCount } from "../../lib/catalog/format.ts";
import type { CatalogueUsage, LibraryUsage } from "../../lib/plans/queries.ts";
import { Badge, LibraryStatusBadge } from "../_components/badge.tsx";
import { CardSection } from "../_components/card-section.tsx";
import { UsageBar } from "../_components/usage-bar.tsx";

/** The biggest models are what matters for planning; the rest is on the catalogue page. */
const BIGGEST_MODELS_SHOWN = 10;

export function RootUsageList({ usage }: { usage: LibraryUsage }) {
  const names = new Map(usage.roots.map((root) => [root.libraryId, root.label ?? root.path]));
  return (
    <CardSection
      titleId="root-usage-title"
      testId="root-usage"
      title="Space per library root"
      aside={
        <span className="text-[12px] text-neutral-500 tabular-nums" data-testid="root-usage-totals">
          {formatBytes(usage.totals.usedBytes)} used of {formatBytes(usage.totals.totalBytes)} · {formatBytes(usage.totals.availableBytes)} available ·{" "}
          {formatCount(usage.totals.filesystems)} filesystem{usage.totals.filesystems === 1 ? "" : "s"}
        </span>
      }
    >
      {usage.roots.length === 0 ? (
        <p className="px-3 py-2 text-neutral-500">
          No library roots yet. <Link href="/libraries" className="text-sky-700 hover:underline">Add one</Link>.
        </p>
      ) : (
        <ul className="divide-y divide-neutral-100">
          {usage.roots.map((root) => (
            <li key={root.libraryId} className="grid grid-cols-[minmax(0,22rem)_minmax(0,1fr)] gap-x-4 px-3 py-2" data-testid="root-usage-row" data-library-id={root.libraryId}>
              <div className="min-w-0">
                <div className="flex items-center gap-1.5">
                  <Link href={`/libraries#library-${root.libraryId}`} className="truncate font-medium hover:underline" title={root.path}>
                    {root.label ?? root.path}
                  </Link>
                  <LibraryStatusBadge status={root.status} />
                  {root.enabled ? null : <Badge>disabled</Badge>}
                </div>
                <div className="truncate font-mono text-[12px] text-neutral-500" title={root.path}>
                  {root.path}
                </div>
                <div className="text-[12px] text-neutral-500">
                  {root.fsType ?? "filesystem unknown"}
                  {root.source ? ` · ${root.source === "fsstat" ? "NFS FSSTAT" : "statfs"}` : ""}
                  {root.checkedAt ? ` · ${formatDateTime(root.checkedAt)}` : ""}
                </div>
              </div>
              <div className="min-w-0">
                {root.space ? (
                  <UsageBar space={root.space} label={`Space used on ${root.label ?? root.path}`} testId="root-usage-bar" />
                ) : (
                  <p className="mt-1.5 text-[12px] text-neutral-500">Not measured yet: the indexer records the size at its next scan.</p>
                )}
                <div className="text-[12px] text-neutral-600 tabular-nums">
                  catalogue files here: <strong className="font-medium">{formatBytes(root.catalogueBytes)}</strong>
                  {root.sameFilesystemAs !== null ? (
                    <span className="text-neutral-500" data-testid="same-filesystem">
                      {" "}
                      · same volume as {names.get(root.sameFilesystemAs) ?? `library ${root.sameFilesystemAs}`} (counted once in the totals)
                    </span>
                  ) : null}
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </CardSection>
  );
}

export function BiggestModels({ usage }: { usage: CatalogueUsage }) {
  const rows = usage.models.slice(0, BIGGEST_MODELS_SHOWN);
  return (
    <CardSection
      titleId="model-usage-title"
      testId="model-usage"
      title="Biggest models"
      aside={
        <span className="text-[12px] text-neutral-500 tabular-nums" data-testid="catalogue-bytes">
          {formatBytes(usage.uniqueBytes)} of distinct content
          {usage.duplicateBytes > 0 ? ` · ${formatBytes(usage.duplicateBytes)} more in identical copies` : ""}
        </span>
      }
    >
      {rows.length === 0 ? (
        <p className="px-3 py-2 text-neutral-500">The catalogue is empty.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th>Model</th>
              <th className="text-right">Params</th>
              <th>Quant</th>
              <th className="text-right">One copy</th>
              <th className="text-right">Stored</th>
              <th className="w-40">Share</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.modelId ?? "none"} data-testid="model-usage-row">
                <td className="max-w-72 truncate">
                  {row.modelId !== null ? (
                    <Link href={`/models/${row.modelId}`} className="text-sky-700 hover:underline">
                      {row.displayName}
                    </Link>
                  ) : (
                    <span className="text-neutral-500">{row.displayName}</span>
                  )}
                </td>
                <td className="text-right">{row.parameterCount ? formatParameterCount(row.parameterCount) : "–"}</td>
                <td className="font-mono text-[12px]">{row.fileType ?? "–"}</td>
                <td className="text-right font-medium">{formatBytes(row.uniqueBytes)}</td>
                <td className="text-right text-neutral-600">
                  {formatBytes(row.storedBytes)}
                  {row.copies > 1 ? <span className="text-[11px] text-amber-700"> ×{row.copies}</span> : null}
                </td>
                <td>
                  <div className="h-1.5 overflow-hidden rounded-sm bg-neutral-100" aria-hidden>
                    <div className="h-full bg-neutral-600" style={{ width: `${usage.uniqueBytes > 0 ? (row.uniqueBytes / usage.uniqueBytes) * 100 : 0}%` }} />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </CardSection>
  );
}
