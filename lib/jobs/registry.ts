// Every job the workers know. The runner and enqueueJob refuse other names.
import { scanLibraryJob } from "../catalog/scan-library-job.ts";
import { verifyFileJob } from "../hashing/verify-file-job.ts";
import type { JobDefinition } from "./define-job.ts";

// Each handler is typed by its own payload schema; the runner parses the
// payload with that schema before calling it, so the widening is safe.
export const allJobs: readonly JobDefinition[] = [scanLibraryJob, verifyFileJob] as unknown as JobDefinition[];

export function findJob(name: string): JobDefinition | undefined {
  return allJobs.find((job) => job.name === name);
}
