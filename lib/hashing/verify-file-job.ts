// hashing.verify-file: SHA-256 one catalogued file and judge it. Only the
// declaration lives here (the web app enqueues it); the handler is
// lib/hashing/verify-file-handler.ts.
import { z } from "zod";
import { defineJob } from "../jobs/define-job.ts";

export const verifyTriggerSchema = z.enum(["manual", "scan", "scrub"]);

export const verifyFilePayloadSchema = z.object({
  fileId: z.number().int().positive(),
  trigger: verifyTriggerSchema,
});
export type VerifyFilePayload = z.infer<typeof verifyFilePayloadSchema>;

export const verifyFileJob = defineJob({
  name: "hashing.verify-file",
  schema: verifyFilePayloadSchema,
  maxAttempts: 3,
  dedupeKey: (payload) => `hashing.verify-file:${payload.fileId}`,
});
