// A saved host profile as the Fit page shows it: validated and resolved to
// bytes for the matrix, and as form values for editing. A stored profile that
// no longer validates is listed with its problem instead of breaking the page.
import { GiB, hostProfileSchema, resolveHostProfile, type HostProfile, type ResolvedHost } from "../../lib/capacity/host-profile.ts";
import type { SavedHostProfile } from "../../lib/plans/queries.ts";
import { errorMessage } from "../../lib/errors.ts";
import { emptyHostProfileValues, type HostProfileFormValues } from "./form-state.ts";

export interface HostProfileView {
  id: number;
  name: string;
  host: ResolvedHost | null;
  /** Why the stored profile cannot be used (hand-edited row, older format). */
  error: string | null;
  values: HostProfileFormValues;
}

/** Bytes → the GB (2^30, as memory is sold) a form field shows, without float noise. */
function gigabytes(bytes: number): string {
  return String(Math.round((bytes / GiB) * 100) / 100);
}

function toFormValues(id: number, profile: HostProfile): HostProfileFormValues {
  return {
    id: String(id),
    name: profile.name,
    ramGB: profile.ramGB !== undefined ? String(profile.ramGB) : profile.ramBytes !== undefined ? gigabytes(profile.ramBytes) : "",
    unifiedMemory: profile.unifiedMemory,
    usableSharePercent: profile.usableShare !== undefined ? String(Math.round(profile.usableShare * 1000) / 10) : "",
    osReserveGB: profile.osReserveGB !== undefined ? String(profile.osReserveGB) : profile.osReserveBytes !== undefined ? gigabytes(profile.osReserveBytes) : "",
    gpus: profile.gpus.map((gpu) => ({
      name: gpu.name,
      vramGB: gpu.vramGB !== undefined ? String(gpu.vramGB) : gpu.vramBytes !== undefined ? gigabytes(gpu.vramBytes) : "",
    })),
  };
}

export function toHostProfileView(saved: SavedHostProfile): HostProfileView {
  const parsed = hostProfileSchema.safeParse(saved.profile);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "profile"}: ${issue.message}`).join("; ");
    return { id: saved.id, name: saved.name, host: null, error: `stored profile is invalid: ${problems}`, values: { ...emptyHostProfileValues, id: String(saved.id), name: saved.name } };
  }
  const values = toFormValues(saved.id, parsed.data);
  try {
    return { id: saved.id, name: saved.name, host: resolveHostProfile(parsed.data), error: null, values };
  } catch (error) {
    return { id: saved.id, name: saved.name, host: null, error: errorMessage(error), values };
  }
}
