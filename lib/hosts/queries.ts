// Read-side queries for the Hosts pages, the hosts API and `modelshelf hosts`:
// hosts with their last poll, and the hosts × models inventory with drift.
// Everything returned is plain JSON (numbers, ISO strings).
import type { Db } from "../db/client.ts";
import { loadModelRefs, type ModelRef } from "../registry/model-refs.ts";
import { computeInventory, type CellState, type HostInventory, type InventoryRef } from "./drift.ts";
import { hostTargetFromRow } from "./host-schema.ts";
import { llamaModelId } from "./llama-server/llama-model-id.ts";
import type { HostKind, HostModelReport, PathMapping } from "./types.ts";

export interface HostSummary {
  id: number;
  name: string;
  kind: HostKind;
  baseUrl: string;
  delivery: string | null;
  modelsDir: string | null;
  presetPath: string | null;
  pathMap: PathMapping[];
  hostProfile: { id: number; name: string } | null;
  enabled: boolean;
  autoReconcile: boolean;
  status: string;
  version: string | null;
  lastError: string | null;
  lastPolledAt: string | null;
  lastSeenAt: string | null;
  modelCount: number;
  loadedCount: number;
  /** Assigned models that are missing or different. */
  driftCount: number;
  /** Deployed by ModelShelf, no longer assigned (a reconcile removes them). */
  surplusCount: number;
  extraCount: number;
}

/** A model as the host reported it at its last poll, and what the inventory makes of it. */
export interface HostModelRow extends HostModelReport {
  lastSeenAt: string;
  /** Catalogue reference it matches, or null for an extra model. */
  ref: string | null;
  deployedBy: { method: string; confirmedAt: string } | null;
}

export interface InventoryModel {
  ref: string;
  modelId: number;
  displayName: string;
  fileType: string;
  totalBytes: number;
  source: ModelRef["source"];
}

export interface InventoryMatrix {
  hosts: HostSummary[];
  models: InventoryModel[];
  /** cells[hostId][ref] */
  cells: Record<number, Record<string, { state: CellState; assigned: boolean; loaded: boolean; hostName: string | null; reason: string }>>;
  extra: Record<number, Array<{ name: string; digest: string | null; loaded: boolean }>>;
  totals: Record<CellState | "extra" | "drift", number>;
}

const hostInclude = {
  hostProfile: { select: { id: true, name: true } },
  models: { orderBy: { name: "asc" as const } },
  deployments: true,
  assignments: { select: { modelId: true } },
};

type HostRow = Awaited<ReturnType<typeof loadHostRows>>[number];

function loadHostRows(db: Db, where: { id?: number } = {}) {
  return db.inferenceHost.findMany({ where, include: hostInclude, orderBy: { name: "asc" } });
}

async function inventoryRefs(db: Db): Promise<InventoryRef[]> {
  // All present tags, not `id IN (…)` of the named ones: that list can exceed SQLite's parameter limit.
  const [refs, tags] = await Promise.all([loadModelRefs(db), db.ollamaTag.findMany({ where: { missingSince: null }, select: { id: true, manifestDigest: true } })]);
  const digests = new Map(tags.map((t) => [t.id, t.manifestDigest]));
  const seen = new Set<number>();
  return refs.map((ref) => {
    const primary = !seen.has(ref.modelId);
    seen.add(ref.modelId);
    return { ...ref, manifestDigest: ref.ollamaTagId === null ? null : (digests.get(ref.ollamaTagId) ?? null), primary };
  });
}

function inventoryOf(row: HostRow, refs: InventoryRef[]): HostInventory {
  return computeInventory(
    {
      id: row.id,
      kind: row.kind as HostKind,
      models: row.models.map((m) => ({ name: m.name, digest: m.digest, loaded: m.loaded })),
      deployments: row.deployments,
      assigned: new Set(row.assignments.map((a) => a.modelId)),
    },
    refs,
    llamaModelId,
  );
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const num = (b: bigint | null) => (b === null ? null : Number(b));

function summarise(row: HostRow, inventory: HostInventory): HostSummary {
  const target = hostTargetFromRow(row);
  return {
    id: row.id,
    name: row.name,
    kind: target.kind,
    baseUrl: row.baseUrl,
    delivery: row.delivery,
    modelsDir: row.modelsDir,
    presetPath: row.presetPath,
    pathMap: target.pathMap,
    hostProfile: row.hostProfile,
    enabled: row.enabled,
    autoReconcile: row.autoReconcile,
    status: row.status,
    version: row.version,
    lastError: row.lastError,
    lastPolledAt: iso(row.lastPolledAt),
    lastSeenAt: iso(row.lastSeenAt),
    modelCount: row.models.length,
    loadedCount: row.models.filter((m) => m.loaded).length,
    driftCount: inventory.toPush.length,
    surplusCount: inventory.toRemove.length,
    extraCount: inventory.extra.length,
  };
}

/** Every host with its poll state and drift counts. */
export async function listHosts(db: Db): Promise<HostSummary[]> {
  const [rows, refs] = await Promise.all([loadHostRows(db), inventoryRefs(db)]);
  return rows.map((row) => summarise(row, inventoryOf(row, refs)));
}

/** The hosts × models matrix. Models are those in the catalogue plus nothing else; extras are listed per host. */
export async function getInventory(db: Db): Promise<InventoryMatrix> {
  const [rows, refs] = await Promise.all([loadHostRows(db), inventoryRefs(db)]);
  // Every model, not `id IN (…)` of the named ones (SQLite's parameter limit); unnamed ones are dropped below.
  const modelRows = await db.model.findMany({ select: { id: true, displayName: true, fileType: true, totalBytes: true } });
  const byId = new Map(modelRows.map((m) => [m.id, m]));
  const models: InventoryModel[] = refs
    .filter((r) => byId.has(r.modelId))
    .map((r) => {
      const m = byId.get(r.modelId)!;
      return { ref: r.ref, modelId: r.modelId, displayName: m.displayName, fileType: m.fileType, totalBytes: Number(m.totalBytes), source: r.source };
    })
    .sort((a, b) => a.ref.localeCompare(b.ref));
  const totals: InventoryMatrix["totals"] = { present: 0, missing: 0, different: 0, unmanaged: 0, extra: 0, drift: 0 };
  const cells: InventoryMatrix["cells"] = {};
  const extra: InventoryMatrix["extra"] = {};
  const hosts: HostSummary[] = [];
  for (const row of rows) {
    const inventory = inventoryOf(row, refs);
    hosts.push(summarise(row, inventory));
    const hostCells: InventoryMatrix["cells"][number] = {};
    for (const cell of inventory.cells) {
      hostCells[cell.ref] = { state: cell.state, assigned: cell.assigned, loaded: cell.loaded, hostName: cell.hostName, reason: cell.reason };
      if (cell.state !== "missing") totals[cell.state]++;
      else if (cell.assigned) totals.missing++;
    }
    cells[row.id] = hostCells;
    extra[row.id] = inventory.extra.map((m) => ({ name: m.name, digest: m.digest, loaded: m.loaded }));
    totals.extra += inventory.extra.length;
    totals.drift += inventory.toPush.length + inventory.toRemove.length;
  }
  return { hosts, models, cells, extra, totals };
}

export interface HostDetail extends HostSummary {
  models: HostModelRow[];
  assignments: Array<{ modelId: number; ref: string | null; method: string; createdBy: string; createdAt: string; state: CellState | null }>;
  toPush: HostInventory["toPush"];
  toRemove: HostInventory["toRemove"];
}

export async function getHost(db: Db, id: number): Promise<HostDetail | null> {
  const [rows, refs] = await Promise.all([loadHostRows(db, { id }), inventoryRefs(db)]);
  const row = rows[0];
  if (!row) return null;
  const inventory = inventoryOf(row, refs);
  const refByHostName = new Map(inventory.cells.filter((c) => c.hostName).map((c) => [c.hostName!, c.ref]));
  const deployments = new Map(row.deployments.map((d) => [d.hostName, d]));
  const assignments = await db.assignment.findMany({ where: { hostId: id }, orderBy: { createdAt: "asc" } });
  const primary = new Map<number, string>();
  for (const ref of refs) if (ref.primary) primary.set(ref.modelId, ref.ref);
  const cellByRef = new Map(inventory.cells.map((c) => [c.ref, c]));
  return {
    ...summarise(row, inventory),
    models: row.models.map((m) => {
      const deployment = deployments.get(m.name);
      return {
        name: m.name,
        digest: m.digest,
        sizeBytes: num(m.sizeBytes),
        loaded: m.loaded,
        loadedBytes: num(m.loadedBytes),
        vramBytes: num(m.vramBytes),
        status: m.status,
        details: parseDetails(m.detailsJson),
        lastSeenAt: m.lastSeenAt.toISOString(),
        ref: refByHostName.get(m.name) ?? null,
        deployedBy: deployment ? { method: deployment.method, confirmedAt: deployment.confirmedAt.toISOString() } : null,
      };
    }),
    assignments: assignments.map((a) => {
      const ref = primary.get(a.modelId) ?? null;
      return { modelId: a.modelId, ref, method: a.method, createdBy: a.createdBy, createdAt: a.createdAt.toISOString(), state: ref ? (cellByRef.get(ref)?.state ?? null) : null };
    }),
    toPush: inventory.toPush,
    toRemove: inventory.toRemove,
  };
}

/** The host's reconcile plan, for the reconcile job. */
export async function getReconcilePlan(db: Db, id: number): Promise<HostInventory | null> {
  const [rows, refs] = await Promise.all([loadHostRows(db, { id }), inventoryRefs(db)]);
  return rows[0] ? inventoryOf(rows[0], refs) : null;
}

export async function findHostByName(db: Db, name: string): Promise<{ id: number; name: string } | null> {
  return db.inferenceHost.findUnique({ where: { name }, select: { id: true, name: true } });
}

function parseDetails(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
