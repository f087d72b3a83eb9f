// What the host form's server action hands back (a "use server" file may only
// export functions), and the form values of a stored host for the edit form.
import type { HostSummary } from "../../lib/hosts/queries.ts";

/** The form's fields as typed, so a rejected form keeps them. Path-map rows are from → to pairs. */
export interface HostFormValues {
  /** Empty for a new host. */
  id: string;
  name: string;
  /** "ollama" | "llama-server" (anything else is rejected by the schema). */
  kind: string;
  baseUrl: string;
  /** llama-server only: "models-dir" | "nas-direct". */
  delivery: string;
  modelsDir: string;
  presetPath: string;
  pathMap: Array<{ from: string; to: string }>;
  /** Empty = no host profile. */
  hostProfileId: string;
  enabled: boolean;
  autoReconcile: boolean;
}

export interface HostFormState {
  ok: boolean;
  message: string | null;
  /** One message per invalid field ("name", "baseUrl", "modelsDir", "pathMap", "pathMap.1.to", …), shown next to it. */
  fieldErrors: Record<string, string>;
  values?: HostFormValues;
  /** When the answer was given: the form is keyed by its state, so every answer re-mounts it (two identical answers would not). */
  answeredAt?: number;
}

export const initialHostFormState: HostFormState = { ok: false, message: null, fieldErrors: {} };

export const emptyHostValues: HostFormValues = {
  id: "",
  name: "",
  kind: "ollama",
  baseUrl: "",
  delivery: "models-dir",
  modelsDir: "",
  presetPath: "",
  pathMap: [],
  hostProfileId: "",
  enabled: true,
  autoReconcile: false,
};

export function hostFormValues(host: HostSummary): HostFormValues {
  return {
    id: String(host.id),
    name: host.name,
    kind: host.kind,
    baseUrl: host.baseUrl,
    delivery: host.delivery ?? "models-dir",
    modelsDir: host.modelsDir ?? "",
    presetPath: host.presetPath ?? "",
    pathMap: host.pathMap.map((m) => ({ from: m.from, to: m.to })),
    hostProfileId: host.hostProfile ? String(host.hostProfile.id) : "",
    enabled: host.enabled,
    autoReconcile: host.autoReconcile,
  };
}
