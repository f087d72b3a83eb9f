// What the hosts jobs need from a host kind. lib/hosts/drivers.ts maps each
// kind to its implementation (lib/hosts/ollama, lib/hosts/llama-server).
import type { HostTarget, PollReport, PushContext, PushMethod, PushOutcome, PushSource } from "./types.ts";

export interface PollOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What ModelShelf knows about a model it put on a host, for removing it again. */
export interface RemoveTarget {
  /** The host's name for the model. */
  hostName: string;
  /** How it got there, when ModelShelf pushed it (null: found there, not pushed by us). */
  method: PushMethod | null;
  /** Files ModelShelf wrote on the host side (copy/preset). */
  paths: string[];
}

export interface PushExtras {
  /** Base URL inference hosts use to reach ModelShelf's registry (pull method), or null when it is off. */
  registryUrl: string | null;
  /** Load the model on the host once it is there (llama-server POST /models/load). */
  load: boolean;
}

export interface HostDriver {
  poll(host: HostTarget, options: PollOptions): Promise<PollReport>;
  push(host: HostTarget, source: PushSource, method: PushMethod, ctx: PushContext, extras: PushExtras): Promise<PushOutcome>;
  remove(host: HostTarget, target: RemoveTarget, ctx: PushContext): Promise<void>;
}
