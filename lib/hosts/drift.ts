// The inventory's judgement, as a pure function: for every host and catalogue
// model, is the model there, missing, a different version, or something the
// library does not know (extra)? And what would reconciling change? Drivers'
// host-side names are mapped back to catalogue references first.
import { parseRef, formatRef, type ModelRef } from "../registry/model-refs.ts";
import type { HostKind, PushMethod } from "./types.ts";

export type CellState = "present" | "missing" | "different" | "unmanaged";

export interface InventoryHostModel {
  name: string;
  digest: string | null;
  loaded: boolean;
}

export interface InventoryDeployment {
  modelId: number | null;
  ref: string;
  hostName: string;
  method: string;
  hostDigest: string | null;
}

export interface InventoryHost {
  id: number;
  kind: HostKind;
  models: InventoryHostModel[];
  deployments: InventoryDeployment[];
  /** Model ids that should be on this host. */
  assigned: Set<number>;
}

export interface InventoryRef extends ModelRef {
  /** Ollama manifest digest of the tag the model came from (hex), when it came from an Ollama store. */
  manifestDigest: string | null;
  /** The model's first name: the one assignments push (a model may have several names). */
  primary: boolean;
}

export interface InventoryCell {
  ref: string;
  modelId: number;
  state: CellState;
  assigned: boolean;
  loaded: boolean;
  /** The host's name for the model when it is there. */
  hostName: string | null;
  /** Why the state is what it is, for a tooltip. */
  reason: string;
}

export interface HostInventory {
  hostId: number;
  cells: InventoryCell[];
  /** Host models that match no catalogue reference. */
  extra: InventoryHostModel[];
  /** Assigned but missing or different. */
  toPush: Array<{ ref: string; modelId: number }>;
  /** Put there by ModelShelf, no longer assigned. */
  toRemove: Array<{ hostName: string; ref: string }>;
}

/**
 * The catalogue reference a host-side name stands for. Ollama names are references
 * themselves ("ns/model:tag", "model:tag" for the library namespace, or with a registry
 * host in front when pulled); llama-server ids are matched through `llamaIds`.
 */
export function refForHostName(kind: HostKind, name: string, llamaIds: Map<string, string>): string | null {
  if (kind === "llama-server") return llamaIds.get(name) ?? null;
  const parsed = parseRef(name);
  return parsed ? formatRef(parsed) : null;
}

export function computeInventory(
  host: InventoryHost,
  refs: readonly InventoryRef[],
  llamaIdFor: (ref: string) => string,
): HostInventory {
  const llamaIds = new Map<string, string>();
  if (host.kind === "llama-server") {
    for (const ref of refs) {
      try {
        llamaIds.set(llamaIdFor(ref.ref), ref.ref);
      } catch (error) {
        // A reference too long for a file name cannot be on a llama-server host: it stays "missing".
        if (!(error instanceof Error)) throw error;
      }
    }
  }
  const refsByName = new Map(refs.map((r) => [r.ref, r]));
  const onHost = new Map<string, InventoryHostModel>();
  const extra: InventoryHostModel[] = [];
  for (const model of host.models) {
    const ref = refForHostName(host.kind, model.name, llamaIds);
    if (ref && refsByName.has(ref) && !onHost.has(ref)) onHost.set(ref, model);
    else extra.push(model);
  }
  const deploymentsByRef = new Map<string, InventoryDeployment>();
  for (const deployment of host.deployments) deploymentsByRef.set(deployment.ref, deployment);

  const cells: InventoryCell[] = [];
  const toPush: HostInventory["toPush"] = [];
  for (const ref of refs) {
    const model = onHost.get(ref.ref);
    const deployment = deploymentsByRef.get(ref.ref);
    const assigned = ref.primary && host.assigned.has(ref.modelId);
    let state: CellState;
    let reason: string;
    if (!model) {
      state = "missing";
      reason = deployment ? `pushed by ModelShelf (${deployment.method}) but no longer on the host` : "not on the host";
    } else if (deployment && deployment.modelId !== null && deployment.modelId !== ref.modelId) {
      state = "different";
      reason = "the host has the version pushed earlier; the catalogue has a newer model under this name";
    } else if (deployment && deployment.hostDigest && model.digest && deployment.hostDigest !== model.digest) {
      state = "different";
      reason = `the host's digest ${model.digest.slice(0, 12)} is not the ${deployment.hostDigest.slice(0, 12)} it confirmed when ModelShelf pushed it`;
    } else if (deployment) {
      state = "present";
      reason = `pushed by ModelShelf (${deployment.method}), confirmed by the host`;
    } else if (ref.manifestDigest && model.digest) {
      state = ref.manifestDigest === model.digest ? "present" : "different";
      reason = state === "present" ? "same manifest digest as the catalogue's Ollama tag" : `manifest digest ${model.digest.slice(0, 12)} differs from the catalogue's ${ref.manifestDigest.slice(0, 12)}`;
    } else {
      state = "unmanaged";
      reason = "a model of this name is on the host, but ModelShelf did not put it there and cannot compare digests";
    }
    if (assigned && (state === "missing" || state === "different")) toPush.push({ ref: ref.ref, modelId: ref.modelId });
    cells.push({ ref: ref.ref, modelId: ref.modelId, state, assigned, loaded: model?.loaded ?? false, hostName: model?.name ?? null, reason });
  }

  const assignedRefs = new Set(refs.filter((r) => host.assigned.has(r.modelId)).map((r) => r.ref));
  const present = new Set(host.models.map((m) => m.name));
  const toRemove = host.deployments
    .filter((d) => !assignedRefs.has(d.ref) && present.has(d.hostName))
    .map((d) => ({ hostName: d.hostName, ref: d.ref }));
  return { hostId: host.id, cells, extra, toPush, toRemove };
}

/** The method a push uses when the admin did not pick one. */
export function defaultPushMethod(kind: HostKind, delivery: string | null): PushMethod {
  if (kind === "ollama") return "upload";
  return delivery === "nas-direct" ? "preset" : "copy";
}

/** Methods a host can receive models by. */
export function allowedPushMethods(kind: HostKind, delivery: string | null): PushMethod[] {
  if (kind === "ollama") return ["upload", "pull"];
  return delivery === "nas-direct" ? ["preset"] : ["copy"];
}
