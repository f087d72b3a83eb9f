// The inventory's judgement for one host: present / missing / different /
// unmanaged per catalogue model, extras, and what a reconcile would do.
import { describe, expect, it } from "vitest";
import { computeInventory, type InventoryHost, type InventoryRef } from "../../lib/hosts/drift.ts";
import { llamaModelId as llamaServerModelId } from "../../lib/hosts/llama-server/llama-model-id.ts";

function ref(id: number, name: string, extra: Partial<InventoryRef> = {}): InventoryRef {
  const [repository, tag] = name.split(":") as [string, string];
  const [namespace, model] = repository.split("/") as [string, string];
  return { ref: name, repository, namespace, model, tag, modelId: id, source: "gguf-file", ollamaTagId: null, manifestDigest: null, primary: true, ...extra };
}

function host(overrides: Partial<InventoryHost>): InventoryHost {
  return { id: 1, kind: "ollama", models: [], deployments: [], assigned: new Set(), ...overrides };
}

const refs = [ref(1, "lib/alpha:q4_0"), ref(2, "lib/beta:f16"), ref(3, "library/gamma:latest", { source: "ollama-tag", ollamaTagId: 5, manifestDigest: "d".repeat(64) })];
const stateOf = (inv: ReturnType<typeof computeInventory>, name: string) => inv.cells.find((c) => c.ref === name)?.state;

describe("computeInventory", () => {
  it("reports a model pushed by ModelShelf and confirmed by the host as present", () => {
    const inv = computeInventory(
      host({
        models: [{ name: "lib/alpha:q4_0", digest: "a".repeat(64), loaded: true }],
        deployments: [{ modelId: 1, ref: "lib/alpha:q4_0", hostName: "lib/alpha:q4_0", method: "upload", hostDigest: "a".repeat(64) }],
      }),
      refs,
      llamaServerModelId,
    );
    expect(stateOf(inv, "lib/alpha:q4_0")).toBe("present");
    expect(inv.cells.find((c) => c.ref === "lib/alpha:q4_0")?.loaded).toBe(true);
    expect(stateOf(inv, "lib/beta:f16")).toBe("missing");
  });

  it("matches a pulled name that carries the registry host", () => {
    const inv = computeInventory(
      host({ models: [{ name: "nas:5050/lib/beta:f16", digest: "b".repeat(64), loaded: false }], deployments: [{ modelId: 2, ref: "lib/beta:f16", hostName: "nas:5050/lib/beta:f16", method: "pull", hostDigest: "b".repeat(64) }] }),
      refs,
      llamaServerModelId,
    );
    expect(stateOf(inv, "lib/beta:f16")).toBe("present");
    expect(inv.extra).toEqual([]);
  });

  it("flags a different version when the host's digest changed since the push", () => {
    const inv = computeInventory(
      host({ models: [{ name: "lib/alpha:q4_0", digest: "e".repeat(64), loaded: false }], deployments: [{ modelId: 1, ref: "lib/alpha:q4_0", hostName: "lib/alpha:q4_0", method: "upload", hostDigest: "a".repeat(64) }] }),
      refs,
      llamaServerModelId,
    );
    expect(stateOf(inv, "lib/alpha:q4_0")).toBe("different");
  });

  it("flags a different version when the catalogue's name now points at a newer model", () => {
    const inv = computeInventory(
      host({ models: [{ name: "lib/alpha:q4_0", digest: "a".repeat(64), loaded: false }], deployments: [{ modelId: 99, ref: "lib/alpha:q4_0", hostName: "lib/alpha:q4_0", method: "upload", hostDigest: "a".repeat(64) }], assigned: new Set([1]) }),
      refs,
      llamaServerModelId,
    );
    expect(stateOf(inv, "lib/alpha:q4_0")).toBe("different");
    expect(inv.toPush).toEqual([{ ref: "lib/alpha:q4_0", modelId: 1 }]);
  });

  it("compares an Ollama-store model by manifest digest even when ModelShelf did not push it", () => {
    const same = computeInventory(host({ models: [{ name: "gamma:latest", digest: "d".repeat(64), loaded: false }] }), refs, llamaServerModelId);
    expect(stateOf(same, "library/gamma:latest")).toBe("present");
    const other = computeInventory(host({ models: [{ name: "gamma:latest", digest: "f".repeat(64), loaded: false }] }), refs, llamaServerModelId);
    expect(stateOf(other, "library/gamma:latest")).toBe("different");
  });

  it("calls a same-named model it cannot compare unmanaged, and unknown models extra", () => {
    const inv = computeInventory(host({ models: [{ name: "lib/beta:f16", digest: "1".repeat(64), loaded: false }, { name: "llama3:latest", digest: "2".repeat(64), loaded: false }] }), refs, llamaServerModelId);
    expect(stateOf(inv, "lib/beta:f16")).toBe("unmanaged");
    expect(inv.extra.map((m) => m.name)).toEqual(["llama3:latest"]);
  });

  it("plans pushes for assigned models that are missing, and removals only for models ModelShelf put there", () => {
    const inv = computeInventory(
      host({
        models: [{ name: "lib/alpha:q4_0", digest: "a".repeat(64), loaded: false }, { name: "llama3:latest", digest: null, loaded: false }],
        deployments: [{ modelId: 1, ref: "lib/alpha:q4_0", hostName: "lib/alpha:q4_0", method: "upload", hostDigest: "a".repeat(64) }],
        assigned: new Set([2]),
      }),
      refs,
      llamaServerModelId,
    );
    expect(inv.toPush).toEqual([{ ref: "lib/beta:f16", modelId: 2 }]);
    expect(inv.toRemove).toEqual([{ hostName: "lib/alpha:q4_0", ref: "lib/alpha:q4_0" }]);
  });

  it("maps llama-server model ids back to references", () => {
    const inv = computeInventory(
      host({ kind: "llama-server", models: [{ name: "lib-alpha-q4_0", digest: null, loaded: true }, { name: "gamma-latest", digest: null, loaded: false }, { name: "random", digest: null, loaded: false }] }),
      refs,
      llamaServerModelId,
    );
    expect(stateOf(inv, "lib/alpha:q4_0")).toBe("unmanaged");
    expect(stateOf(inv, "library/gamma:latest")).toBe("unmanaged");
    expect(inv.extra.map((m) => m.name)).toEqual(["random"]);
  });
});
