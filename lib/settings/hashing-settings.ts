// Hashing and scrub settings: defaults here, admin changes in the Setting
// table (Integrity page). Read by the hasher worker every few seconds.
import { z } from "zod";
import type { Db } from "../db/client.ts";
import { errorMessage } from "../errors.ts";
import { parseScrubWindow } from "../hashing/scrub-window.ts";
import { readStoredSettings, writeStoredSettings } from "./stored-settings.ts";

/** "HH:MM-HH:MM" in the server's local time (may wrap midnight), or "" for any time;
 * validated by the same parser the scrub uses. */
const windowSchema = z
  .string()
  .trim()
  .superRefine((text, ctx) => {
    try {
      parseScrubWindow(text);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: errorMessage(error) });
    }
  });

export const hashingSettingsSchema = z.object({
  /** Files hashed at once by the hasher worker. One spares the NAS; two uses both cores. */
  concurrency: z.coerce.number().int().min(1).max(8).default(1),
  /** Read cap for all hashing together, MB/s (10^6 bytes); null = unlimited. */
  bandwidthMBps: z.coerce.number().positive().max(100_000).nullable().default(null),
  /** Scheduled scrubs only read during this window; manual "verify now" ignores it. */
  scrubWindow: windowSchema.default("01:00-06:00"),
  /** Every file is re-verified when its last verification is older than this. */
  scrubIntervalDays: z.coerce.number().int().min(1).max(3650).default(30),
  scrubEnabled: z.boolean().default(true),
  /** New and changed files are hashed as soon as the scanner indexes them. */
  verifyNewFiles: z.boolean().default(true),
});
export type HashingSettings = z.infer<typeof hashingSettingsSchema>;

const KEY = "hashing";

export async function readHashingSettings(db: Db): Promise<HashingSettings> {
  return readStoredSettings(db, KEY, hashingSettingsSchema);
}

export async function writeHashingSettings(db: Db, settings: HashingSettings): Promise<void> {
  await writeStoredSettings(db, KEY, hashingSettingsSchema, settings);
}
