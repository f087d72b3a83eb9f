// The hosts × models inventory: one row per catalogue reference, one column
// per host, each cell saying whether the model is there and the version the
// catalogue knows (the reason on hover), whether it is assigned and loaded.
// Models a host has that the catalogue does not know are listed under it.
// With many hosts the table scrolls sideways and the model column stays put.
import Link from "next/link";
import { formatBytes, formatCount, shortDigest } from "../../lib/catalog/format.ts";
import type { InventoryMatrix } from "../../lib/hosts/queries.ts";
import { Badge } from "../_components/badge.tsx";
import { CellBadge, CellLegend, LoadedMark } from "./badges.tsx";

const statusDot: Record<string, string> = { ok: "bg-emerald-500", unreachable: "bg-red-500", error: "bg-red-500", unknown: "bg-neutral-300" };

export function InventoryTotals({ totals }: { totals: InventoryMatrix["totals"] }) {
  const tiles: Array<{ key: keyof InventoryMatrix["totals"]; label: string; tone: string; title: string }> = [
    { key: "present", label: "Present", tone: "text-emerald-700", title: "Cells where the host has the catalogue's version" },
    { key: "missing", label: "Missing", tone: "text-red-700", title: "Assigned models a host does not have" },
    { key: "different", label: "Different", tone: "text-amber-700", title: "Host models under a catalogue name with another version" },
    { key: "unmanaged", label: "Same name", tone: "text-violet-700", title: "Same name as a catalogue model, not pushed by ModelShelf" },
    { key: "extra", label: "Extra", tone: "text-neutral-800", title: "Host models the catalogue does not know" },
    { key: "drift", label: "Drift", tone: "text-red-700", title: "What a reconcile would change: assigned models to push plus ModelShelf pushes no longer assigned" },
  ];
  return (
    <div className="grid grid-cols-3 gap-2 sm:grid-cols-6" data-testid="inventory-totals">
      {tiles.map((tile) => {
        const value = totals[tile.key];
        const alarming = tile.key === "drift" && value > 0;
        return (
          <div key={tile.key} className={`card px-2.5 py-1.5 ${alarming ? "border-red-300 bg-red-50" : ""}`} title={tile.title} data-testid={`total-${tile.key}`}>
            <div className="text-[10px] tracking-wide text-neutral-500 uppercase">{tile.label}</div>
            <div className={`text-[18px] leading-6 font-semibold tabular-nums ${value > 0 ? tile.tone : "text-neutral-300"}`}>{formatCount(value)}</div>
          </div>
        );
      })}
    </div>
  );
}

export function InventoryMatrixTable({ inventory }: { inventory: InventoryMatrix }) {
  const { hosts, models, cells } = inventory;
  if (hosts.length === 0) return <p className="px-3 py-2 text-neutral-500">No inference hosts yet: add one below.</p>;
  if (models.length === 0) return <p className="px-3 py-2 text-neutral-500">The catalogue has no model with a complete, indexed file to serve.</p>;
  return (
    <>
      <div className="border-b border-neutral-200 px-3 py-1.5">
        <CellLegend />
      </div>
      {/* Relative: the cells' screen-reader text is absolutely positioned and would otherwise widen the page, not this scroller. */}
      <div className="relative overflow-x-auto" data-testid="inventory-scroll">
        {/* As wide as its columns, not the card: each host's cells stay next to the model names. */}
        <table className="data-table !w-auto" data-testid="inventory-matrix">
          <thead>
            <tr>
              <th className="sticky left-0 z-[1] min-w-72 shadow-[inset_-1px_0_0_var(--color-neutral-200)]">Model (reference)</th>
              {hosts.map((host) => (
                <th key={host.id} className={`w-36 min-w-36 !normal-case ${host.enabled ? "" : "opacity-60"}`} title={`${host.name} · ${host.kind} · ${host.enabled ? host.status : "disabled"}`} data-testid="inventory-host">
                  <Link href={`/hosts/${host.id}`} className="flex max-w-36 items-baseline gap-1.5 text-[12px] leading-4 text-neutral-800 hover:text-sky-700 hover:underline">
                    <span className={`inline-block h-2 w-2 shrink-0 rounded-full ${host.enabled ? (statusDot[host.status] ?? "bg-neutral-300") : "bg-amber-400"}`} aria-hidden />
                    {/* Up to three lines: host names often share a long prefix ("rack-01-gpu-…"), so one truncated line would not tell them apart. */}
                    <span className="line-clamp-3 whitespace-normal [overflow-wrap:anywhere]" data-testid="inventory-host-name">
                      {host.name}
                    </span>
                  </Link>
                  <div className="text-[10px] font-normal tracking-normal text-neutral-500">{host.kind}</div>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {models.map((model) => (
              <tr key={model.ref} data-testid="inventory-row" data-ref={model.ref} className="hover:bg-neutral-50">
                <td className="sticky left-0 z-[1] max-w-96 bg-white shadow-[inset_-1px_0_0_var(--color-neutral-200)]">
                  <Link href={`/models/${model.modelId}`} className="block truncate font-mono text-[12px] text-neutral-900 hover:text-sky-700 hover:underline" title={model.ref}>
                    {model.ref}
                  </Link>
                  <div className="truncate text-[11px] text-neutral-500">
                    {model.displayName} · {model.fileType} · {formatBytes(model.totalBytes)}
                    {model.source === "ollama-tag" ? " · Ollama tag" : ""}
                  </div>
                </td>
                {hosts.map((host) => {
                  const cell = cells[host.id]?.[model.ref];
                  if (!cell) return <td key={host.id} />;
                  const label = `${model.ref} on ${host.name}: ${cell.reason}${cell.assigned ? "; assigned" : ""}${cell.loaded ? "; loaded" : ""}`;
                  return (
                    <td
                      key={host.id}
                      className={`align-middle whitespace-nowrap ${host.enabled ? "" : "opacity-60"}`}
                      title={label}
                      data-testid="inventory-cell"
                      data-host={host.name}
                      data-ref={model.ref}
                      data-state={cell.state}
                      data-assigned={cell.assigned}
                      data-loaded={cell.loaded}
                    >
                      <CellBadge cell={cell} />
                      <span className="sr-only">: {cell.reason}</span>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function ExtraModels({ inventory }: { inventory: InventoryMatrix }) {
  const withExtras = inventory.hosts.filter((host) => (inventory.extra[host.id] ?? []).length > 0);
  if (withExtras.length === 0) return <p className="px-3 py-2 text-neutral-500">Every model on the hosts has a catalogue name.</p>;
  return (
    <table className="data-table">
      <thead>
        <tr>
          <th className="w-48">Host</th>
          <th>Models the catalogue does not know</th>
        </tr>
      </thead>
      <tbody>
        {withExtras.map((host) => (
          <tr key={host.id} data-testid="extra-models" data-host={host.name}>
            <td className="whitespace-nowrap">
              <Link href={`/hosts/${host.id}`} className="font-medium hover:text-sky-700 hover:underline">
                {host.name}
              </Link>
            </td>
            <td>
              <ul className="flex flex-wrap gap-x-4 gap-y-0.5">
                {(inventory.extra[host.id] ?? []).map((model) => (
                  <li key={model.name} className="flex items-center gap-1" data-testid="extra-model">
                    <span className="font-mono text-[12px]">{model.name}</span>
                    {model.digest ? <span className="font-mono text-[11px] text-neutral-400" title={model.digest}>{shortDigest(model.digest)}</span> : null}
                    {model.loaded ? <LoadedMark /> : null}
                  </li>
                ))}
              </ul>
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td colSpan={2} className="border-b-0 text-[12px] text-neutral-500">
            <Badge>extra</Badge> names match no catalogue reference. They are not drift; a reconcile only ever removes what ModelShelf pushed itself.
          </td>
        </tr>
      </tfoot>
    </table>
  );
}
