// Pills for the Hosts pages and the model page: a host's poll status, and one
// inventory cell (is this model on that host, and is it the version ModelShelf
// knows?) with its assigned and loaded markers. No hooks: server or client.
import type { CellState } from "../../lib/hosts/drift.ts";
import { Badge, type Tone } from "../_components/badge.tsx";

const statusTone: Record<string, Tone> = { ok: "green", unreachable: "red", error: "red", unknown: "neutral" };
const statusText: Record<string, string> = { ok: "reachable", unreachable: "unreachable", error: "error", unknown: "not polled yet" };
const statusTitle: Record<string, string> = {
  ok: "The last poll reached the host",
  unreachable: "The last poll got no answer (host down, wrong URL, firewall)",
  error: "The host answered, but the poll failed; see the last error",
  unknown: "Not polled since it was added or changed",
};

export function HostStatusBadge({ status, enabled = true }: { status: string; enabled?: boolean }) {
  if (!enabled) {
    return (
      <Badge tone="amber" title="Disabled: not polled, nothing pushed or reconciled">
        disabled
      </Badge>
    );
  }
  return (
    <span data-testid="host-status" data-status={status}>
      <Badge tone={statusTone[status] ?? "neutral"} title={statusTitle[status]}>
        {statusText[status] ?? status}
      </Badge>
    </span>
  );
}

const base = "inline-flex items-center gap-1 rounded border px-1.5 py-px text-[11px] leading-4 font-medium whitespace-nowrap";

/** A missing model only matters when it is assigned: then it is drift (red); otherwise it is simply not there. */
function cellStyle(state: CellState, assigned: boolean): { className: string; text: string } {
  switch (state) {
    case "present":
      return { className: "border-emerald-300 bg-emerald-50 text-emerald-800", text: "✓ present" };
    case "different":
      return { className: "border-amber-400 bg-amber-50 text-amber-900", text: "≠ different" };
    case "unmanaged":
      return { className: "border-violet-300 bg-violet-50 text-violet-800", text: "≈ same name" };
    case "missing":
      return assigned
        ? { className: "border-red-300 bg-red-50 text-red-800", text: "✗ missing" }
        : { className: "border-transparent text-neutral-400", text: "–" };
  }
}

export const cellStateTitles: Record<CellState, string> = {
  present: "On the host, and the version the catalogue has",
  missing: "Not on the host",
  different: "On the host under this name, but a different version",
  unmanaged: "Same name, not pushed by ModelShelf (cannot be compared)",
};

/** Marks a cell whose model should be on the host. */
export function AssignedMark() {
  return (
    <span className="rounded-sm bg-sky-700 px-1 text-[10px] leading-4 font-semibold text-white" title="Assigned: should be on this host" data-testid="assigned-mark">
      A
    </span>
  );
}

/** Marks a cell whose model is loaded in memory on the host. */
export function LoadedMark() {
  return (
    <span className="text-[11px] leading-4 text-emerald-700" title="Loaded in memory" data-testid="loaded-mark">
      ▶
    </span>
  );
}

export interface CellView {
  state: CellState;
  assigned: boolean;
  loaded: boolean;
  reason: string;
}

/** `marks` off where the context already says the model is assigned (the assignments table). */
export function CellBadge({ cell, marks = true }: { cell: CellView; marks?: boolean }) {
  const style = cellStyle(cell.state, cell.assigned);
  return (
    <span className="inline-flex items-center gap-1" data-testid="cell-badge" data-state={cell.state}>
      <span className={`${base} ${style.className}`}>{style.text}</span>
      {marks && cell.assigned ? <AssignedMark /> : null}
      {marks && cell.loaded ? <LoadedMark /> : null}
    </span>
  );
}

export function CellLegend() {
  const items: Array<{ cell: CellView; text: string }> = [
    { cell: { state: "present", assigned: false, loaded: false, reason: "" }, text: "same version as the catalogue" },
    { cell: { state: "missing", assigned: true, loaded: false, reason: "" }, text: "assigned but not there" },
    { cell: { state: "different", assigned: false, loaded: false, reason: "" }, text: "another version under this name" },
    { cell: { state: "unmanaged", assigned: false, loaded: false, reason: "" }, text: "same name, not pushed by ModelShelf" },
  ];
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-[12px] text-neutral-600" data-testid="inventory-legend">
      {items.map((item) => (
        <span key={`${item.cell.state}`} className="flex items-center gap-1">
          <CellBadge cell={item.cell} /> {item.text}
        </span>
      ))}
      <span className="flex items-center gap-1">
        <AssignedMark /> assigned
      </span>
      <span className="flex items-center gap-1">
        <LoadedMark /> loaded
      </span>
      <span className="text-neutral-500">Hover a cell for the reason.</span>
    </div>
  );
}
