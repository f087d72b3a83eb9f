// Every job the system knows, as declarations (importable by the web app).
// enqueueJob and the runner refuse other names; worker-handlers.ts must give
// each one a handler.
import { scanLibraryJob } from "../catalog/scan-library-job.ts";
import { verifyFileJob } from "../hashing/verify-file-job.ts";
import { pollHostJob, pushModelJob, reconcileHostJob, removeModelJob } from "../hosts/host-jobs.ts";
import { probeNasJob } from "../nfs/probe-nas-job.ts";
import type { JobSpec } from "./define-job.ts";

export const allJobSpecs: readonly JobSpec[] = [
  scanLibraryJob,
  verifyFileJob,
  probeNasJob,
  pollHostJob,
  pushModelJob,
  removeModelJob,
  reconcileHostJob,
] as unknown as JobSpec[];

export function findJob(name: string): JobSpec | undefined {
  return allJobSpecs.find((job) => job.name === name);
}
