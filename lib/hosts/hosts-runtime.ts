// The pusher process's wiring of the hosts jobs: real drivers, the registry URL
// hosts pull from, one bandwidth cap shared by every push, and timeouts from the
// admin's settings. Worker-only (the drivers touch hosts and the share).
import type { AppConfig } from "../config.ts";
import { getConfig } from "../config.ts";
import { createThrottle } from "../hashing/throttle.ts";
import type { JobDefinition } from "../jobs/define-job.ts";
import { hostsSettingsSchema, type HostsSettings } from "../settings/hosts-settings.ts";
import { driverFor } from "./drivers.ts";
import { hostHandlers, type HostsRuntime } from "./host-handlers.ts";

export interface PusherRuntime extends HostsRuntime {
  /** Applies changed settings (cap, timeouts) to running and future pushes. */
  apply(settings: HostsSettings): void;
  readonly settings: HostsSettings;
}

/** The registry URL hosts use for the pull method, or null when the registry is off. */
export function registryUrlFor(config: AppConfig): string | null {
  return config.registry.port > 0 ? config.registry.publicUrl : null;
}

export function createPusherRuntime(config: AppConfig = getConfig()): PusherRuntime {
  let settings = hostsSettingsSchema.parse({});
  const throttle = createThrottle({ bytesPerSecond: null });
  return {
    driverFor,
    extras: () => ({ registryUrl: registryUrlFor(config), load: false }),
    throttle,
    requestTimeoutMs: () => settings.requestTimeoutSeconds * 1000,
    fsTimeoutMs: config.fsTimeoutMs,
    apply(next) {
      settings = next;
      throttle.setRate(next.pushBandwidthMBps === null ? null : next.pushBandwidthMBps * 1e6);
    },
    get settings() {
      return settings;
    },
  };
}

let shared: PusherRuntime | undefined;

/** This process's runtime (one throttle for all pushes of the process). */
export function pusherRuntime(): PusherRuntime {
  shared ??= createPusherRuntime();
  return shared;
}

/** The hosts.* handlers bound to this process's runtime. */
export function hostJobHandlers(): JobDefinition[] {
  return hostHandlers(pusherRuntime());
}
