// Push and poll settings (Hosts page): defaults here, admin changes in the
// Setting table. Read by the pusher worker every few seconds.
import { z } from "zod";
import type { Db } from "../db/client.ts";
import { readStoredSettings, writeStoredSettings } from "./stored-settings.ts";

export const hostsSettingsSchema = z.object({
  /** Cap for all pushes together, MB/s (10^6 bytes) read from the NAS; null = unlimited. */
  pushBandwidthMBps: z.coerce.number().positive().max(100_000).nullable().default(null),
  /** Pushes at once. Two keeps one slow host from holding up the rest without flooding the NAS. */
  pushConcurrency: z.coerce.number().int().min(1).max(8).default(2),
  /** Every enabled host is polled this often. */
  pollIntervalSeconds: z.coerce.number().int().min(10).max(24 * 3600).default(60),
  /** Per-request timeout for host API calls (not whole transfers). */
  requestTimeoutSeconds: z.coerce.number().int().min(1).max(600).default(15),
});
export type HostsSettings = z.infer<typeof hostsSettingsSchema>;

const KEY = "hosts";

export function readHostsSettings(db: Db): Promise<HostsSettings> {
  return readStoredSettings(db, KEY, hostsSettingsSchema);
}

export async function writeHostsSettings(db: Db, settings: HostsSettings): Promise<void> {
  await writeStoredSettings(db, KEY, hostsSettingsSchema, settings);
}
