// Worker side of nfs.probe-nas.
import { handleJob } from "../jobs/define-job.ts";
import { probeNasJob } from "./probe-nas-job.ts";
import { probeNas } from "./probe-nas.ts";

export const probeNasHandler = handleJob(probeNasJob, (_ctx, input) =>
  probeNas(input.host, {
    exportPath: input.exportPath,
    uid: input.uid,
    gid: input.gid,
    timeoutMs: input.timeoutMs,
    nfsPort: input.nfsPort,
    mountPort: input.mountPort,
    sampleBytes: input.sampleMegabytes * 1024 * 1024,
  }),
);
