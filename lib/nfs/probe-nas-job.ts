// nfs.probe-nas: the NAS check runs in a worker (it talks to the NAS, which a
// web request must never do); the page reads the result from the job row.
import { z } from "zod";
import { defineJob } from "../jobs/define-job.ts";

export const nasProbeInputSchema = z.object({
  host: z
    .string()
    .trim()
    .min(1, "a host name or IP address is required")
    .max(253, "host name too long")
    .regex(/^[A-Za-z0-9.:_-]+$/, "a host name or IP address (letters, digits, '.', '-', ':')"),
  exportPath: z
    .string()
    .trim()
    .max(1024)
    .refine((p) => p === "" || p.startsWith("/"), "an export path starts with / (e.g. /volume1/models)")
    .optional()
    .transform((p) => (p ? p : undefined)),
  uid: z.coerce.number().int().min(0).max(4_294_967_295).default(0),
  gid: z.coerce.number().int().min(0).max(4_294_967_295).default(0),
  timeoutMs: z.coerce.number().int().min(500).max(120_000).default(10_000),
  nfsPort: z.coerce.number().int().min(1).max(65535).optional(),
  mountPort: z.coerce.number().int().min(1).max(65535).optional(),
  sampleMegabytes: z.coerce.number().int().min(0).max(4096).default(64),
});
export type NasProbeInput = z.infer<typeof nasProbeInputSchema>;

export const probeNasJob = defineJob({
  name: "nfs.probe-nas",
  schema: nasProbeInputSchema,
  // A probe is a snapshot: re-running it later is the admin's call.
  maxAttempts: 1,
});
