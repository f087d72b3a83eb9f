// Admin action: start a NAS check (runs in the indexer worker).
import { defineAction } from "../actions/define-action.ts";
import { enqueueJob } from "../jobs/enqueue-job.ts";
import { nasProbeInputSchema } from "./probe-nas-job.ts";

/** A check someone is waiting for on screen goes before any scan. */
const NAS_PROBE_PRIORITY = 30;

export const requestNasProbe = defineAction({
  name: "nfs.probe-nas",
  permission: "catalog.manage",
  schema: nasProbeInputSchema,
  target: (input) => `nas:${input.host}`,
  async run({ db }, input) {
    return enqueueJob(db, "nfs.probe-nas", input, { priority: NAS_PROBE_PRIORITY });
  },
});
