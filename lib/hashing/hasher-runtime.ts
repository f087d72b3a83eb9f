// Process-wide state of a hashing worker: the current settings and the one
// bandwidth throttle every hash in this process shares.
import { hashingSettingsSchema, type HashingSettings } from "../settings/hashing-settings.ts";
import { createThrottle, type Throttle } from "./throttle.ts";

export interface HasherRuntime {
  settings: HashingSettings;
  throttle: Throttle;
  apply(settings: HashingSettings): void;
}

let runtime: HasherRuntime | undefined;

/** MB/s as the admin types it (10^6 bytes) → bytes per second. */
export function bytesPerSecond(mbps: number | null): number | null {
  return mbps === null ? null : Math.round(mbps * 1_000_000);
}

export function hasherRuntime(): HasherRuntime {
  if (!runtime) {
    const settings = hashingSettingsSchema.parse({});
    const throttle = createThrottle({ bytesPerSecond: bytesPerSecond(settings.bandwidthMBps) });
    runtime = {
      settings,
      throttle,
      apply(next) {
        this.settings = next;
        throttle.setRate(bytesPerSecond(next.bandwidthMBps));
      },
    };
  }
  return runtime;
}
