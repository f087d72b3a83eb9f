// catalog.scan-library: scan one library root into the catalogue. Only the
// declaration lives here (the web app enqueues it); the handler is in
// lib/jobs/worker-handlers.ts.
import { z } from "zod";
import { defineJob } from "../jobs/define-job.ts";

export const scanTriggerSchema = z.enum(["startup", "schedule", "manual", "watch", "cli", "settle"]);
export type ScanTrigger = z.infer<typeof scanTriggerSchema>;

export const scanLibraryPayloadSchema = z.object({
  libraryId: z.number().int().positive(),
  trigger: scanTriggerSchema,
  /** Admin confirmed that many files really disappeared (overrides the mount-loss guard once). */
  acceptMissing: z.boolean().default(false),
});
export type ScanLibraryPayload = z.infer<typeof scanLibraryPayloadSchema>;

export const scanLibraryJob = defineJob({
  name: "catalog.scan-library",
  schema: scanLibraryPayloadSchema,
  maxAttempts: 3,
  dedupeKey: (payload) => `catalog.scan-library:${payload.libraryId}${payload.acceptMissing ? ":accept" : ""}`,
});
