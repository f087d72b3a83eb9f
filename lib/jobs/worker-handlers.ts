// The handlers worker processes run, one per declared job. Worker-only: this
// imports the code that touches the share and hashes files.
import { scanLibraryHandler } from "../catalog/scan-library-handler.ts";
import { verifyFileHandler } from "../hashing/verify-file-handler.ts";
import { hostJobHandlers } from "../hosts/hosts-runtime.ts";
import { probeNasHandler } from "../nfs/probe-nas-handler.ts";
import type { JobDefinition } from "./define-job.ts";
import { allJobSpecs } from "./registry.ts";

export const jobHandlers: readonly JobDefinition[] = [scanLibraryHandler, verifyFileHandler, probeNasHandler, ...hostJobHandlers()];

/** A declared job nobody can run would wait in the queue forever: fail at start instead. */
export function assertEveryJobHasHandler(handlers: readonly JobDefinition[] = jobHandlers): void {
  const handled = new Set(handlers.map((handler) => handler.name));
  const missing = allJobSpecs.filter((spec) => !handled.has(spec.name)).map((spec) => spec.name);
  if (missing.length > 0) throw new Error(`jobs without a handler: ${missing.join(", ")}`);
}

/** The handlers of one worker process, by job-name prefixes ("catalog.", "hashing."). */
export function handlersFor(...prefixes: string[]): JobDefinition[] {
  assertEveryJobHasHandler();
  return jobHandlers.filter((handler) => prefixes.some((prefix) => handler.name.startsWith(prefix)));
}
