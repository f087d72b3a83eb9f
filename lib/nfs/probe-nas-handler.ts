// Worker side of nfs.probe-nas.
import { handleJob } from "../jobs/define-job.ts";
import { probeNasJob } from "./probe-nas-job.ts";
import { probeNasFor } from "./probe-nas.ts";

export const probeNasHandler = handleJob(probeNasJob, (_ctx, input) => probeNasFor(input));
