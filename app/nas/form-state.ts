// What the NAS check server action hands back to its form (a "use server" file may only export functions).
import type { NasProbeRun } from "../../lib/nfs/queries.ts";

/** The form's fields, named as nasProbeInputSchema names them. */
export const nasCheckFields = ["host", "exportPath", "uid", "gid", "timeoutMs", "nfsPort", "mountPort", "sampleMegabytes"] as const;
export type NasCheckField = (typeof nasCheckFields)[number];
export type NasCheckValues = Record<NasCheckField, string>;

export interface NasCheckFormState {
  ok: boolean;
  message: string | null;
  /** One message per invalid field, shown next to it. */
  fieldErrors: Partial<Record<NasCheckField | "form", string>>;
  /** Submitted values, so the form keeps what the admin typed. */
  values?: NasCheckValues;
  /** The queued check, which the page then follows. */
  run?: NasProbeRun;
}

export const initialNasCheckState: NasCheckFormState = { ok: false, message: null, fieldErrors: {} };
