// Every job the workers know. The runner and enqueueJob refuse other names.
import { scanLibraryJob } from "../catalog/scan-library-job.ts";
import type { JobDefinition } from "./define-job.ts";

export const allJobs: readonly JobDefinition[] = [scanLibraryJob as unknown as JobDefinition];

export function findJob(name: string): JobDefinition | undefined {
  return allJobs.find((job) => job.name === name);
}
