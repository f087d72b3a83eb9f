// The official client (npm `ollama`) bound to one host, with ModelShelf's
// timeout, abort signal and response cap on every call it makes.
import { Ollama } from "ollama";
import type { HostTarget } from "../types.ts";
import { boundedFetch, type ControlCallOptions } from "./bounded-fetch.ts";

export function openOllamaClient(host: Pick<HostTarget, "baseUrl">, options: ControlCallOptions): Ollama {
  return new Ollama({ host: host.baseUrl, fetch: boundedFetch(options) });
}
