// Links to the NAS check page with its form filled in (from a library card, a
// past check, or after a submission), and reading them back. The query names
// are short and match the nfs:// URL options (uid, gid, timeout, nfsport, mountport).
import type { NasCheckField, NasCheckValues } from "./form-state.ts";

const queryNames: Record<NasCheckField, string> = {
  host: "host",
  exportPath: "export",
  uid: "uid",
  gid: "gid",
  timeoutMs: "timeout",
  nfsPort: "nfsport",
  mountPort: "mountport",
  sampleMegabytes: "sample",
};

/** A prefilled value longer than this is not a host or a path: cut before it reaches the form. */
const MAX_PREFILL_LENGTH = 1100;

export const emptyNasCheckValues: NasCheckValues = {
  host: "",
  exportPath: "",
  uid: "",
  gid: "",
  timeoutMs: "",
  nfsPort: "",
  mountPort: "",
  sampleMegabytes: "",
};

type LinkValues = Partial<Record<NasCheckField, string | number | null | undefined>>;

/** `/nas?host=…&export=…`; empty values are left out. `jobId` selects a check to show. */
export function nasCheckHref(values: LinkValues, jobId?: number): string {
  const query = new URLSearchParams();
  for (const [field, name] of Object.entries(queryNames) as [NasCheckField, string][]) {
    const value = values[field];
    if (value !== undefined && value !== null && String(value) !== "") query.set(name, String(value));
  }
  if (jobId !== undefined) query.set("job", String(jobId));
  const text = query.toString();
  return text ? `/nas?${text}` : "/nas";
}

/** The form's starting values from the page's query string (raw text: the action validates). */
export function nasCheckValuesFromQuery(query: Record<string, string | string[] | undefined>): NasCheckValues {
  const values = { ...emptyNasCheckValues };
  for (const [field, name] of Object.entries(queryNames) as [NasCheckField, string][]) {
    const raw = query[name];
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first !== undefined) values[field] = first.slice(0, MAX_PREFILL_LENGTH);
  }
  return values;
}
