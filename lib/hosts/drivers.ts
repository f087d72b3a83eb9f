// Host kind → driver. Worker-only: drivers talk to hosts and read the share.
import type { HostDriver } from "./host-driver.ts";
import { llamaServerDriver } from "./llama-server/llama-server-driver.ts";
import { ollamaDriver } from "./ollama/ollama-driver.ts";
import type { HostKind } from "./types.ts";

const drivers: Record<HostKind, HostDriver> = { ollama: ollamaDriver, "llama-server": llamaServerDriver };

export function driverFor(kind: HostKind): HostDriver {
  return drivers[kind];
}
