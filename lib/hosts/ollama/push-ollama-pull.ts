// Pushes a catalogue model to an Ollama host by having the host pull it from
// ModelShelf's registry (formats.md §4.2): POST /api/pull with the model named
// "<registry host:port>/<namespace>/<model>:<tag>", insecure for a plain-HTTP
// registry, then confirmation in /api/tags. The host name of the result is the
// full pulled name, as the host lists it.
import { AppError } from "../../errors.ts";
import type { HostTarget, PushContext, PushOutcome, PushSource } from "../types.ts";
import { confirmOllamaModel } from "./confirm-ollama-model.ts";
import { reportedFailure } from "./ollama-failure.ts";
import { streamOllamaProgress } from "./stream-ollama-progress.ts";

/**
 * The shortest silence that fails a pull. Ollama says nothing while it resolves a
 * blob's direct URL (up to 30 s with back-off) and while it re-hashes every
 * downloaded blob ("verifying sha256 digest": minutes for tens of gigabytes).
 */
export const PULL_IDLE_FLOOR_MS = 10 * 60_000;

/**
 * {"error"} lines of /api/pull that the same pull would hit again: the registry
 * lacks the model, serves other bytes, answers blob GETs without Location
 * (ollama/ollama#7244), refuses the request, or the host's disk is full.
 * Transport trouble between host and registry is retryable.
 */
const PERMANENT_PULL_ERRORS = [
  /file does not exist/i,
  /digest mismatch/i,
  /no Location header/i,
  /insecure protocol/i,
  /invalid model name/i,
  /unexpected status code 4\d\d/i,
  /pull model manifest: 4\d\d:/i,
];

function classifyPullError(what: string, message: string): AppError {
  if (/file does not exist/i.test(message)) {
    return new AppError("not-found", `${what}: the registry does not serve this model (${message})`, { retryable: false, details: { hostMessage: message } });
  }
  if (/no Location header/i.test(message)) {
    return new AppError(
      "unsupported",
      `${what}: ${message} — the registry must answer blob GETs with a Location header (a 307, or a 200 naming its own URL)`,
      { retryable: false, details: { hostMessage: message } },
    );
  }
  const permanent = PERMANENT_PULL_ERRORS.some((pattern) => pattern.test(message));
  return reportedFailure(what, message, null, !permanent);
}

/** The name the host pulls: the registry's host[:port] and the catalogue reference. */
export function pullName(registryUrl: string, ref: string): { name: string; insecure: boolean } {
  let url: URL;
  try {
    url = new URL(registryUrl);
  } catch {
    throw new AppError("invalid-input", `Registry URL "${registryUrl}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new AppError("invalid-input", `Registry URL "${registryUrl}" must be http:// or https://`);
  // An Ollama model name has room for host[:port] only; Ollama always asks for /v2/… at the root.
  if (url.pathname !== "/" || url.search !== "" || url.username !== "") {
    throw new AppError("invalid-input", `Registry URL "${registryUrl}" must be just scheme://host[:port]: Ollama pulls from /v2/ at the root`);
  }
  // "insecure" switches Ollama's requests to plain http (images.go makeRequest), so it is
  // right for an http registry and wrong for an https one.
  return { name: `${url.host}/${ref}`, insecure: url.protocol === "http:" };
}

export async function pushOllamaPull(host: HostTarget, source: PushSource, registryUrl: string, ctx: PushContext): Promise<PushOutcome> {
  const { name, insecure } = pullName(registryUrl, source.ref);
  ctx.note(`${host.name} pulls ${name}${insecure ? " (insecure: plain HTTP)" : ""}`);
  const layers = new Map<string, { total: number; completed: number }>();
  let lastNoted = "";
  await streamOllamaProgress(host, ctx, {
    path: "/api/pull",
    body: { model: name, insecure },
    idleTimeoutMs: Math.max(ctx.timeoutMs, PULL_IDLE_FLOOR_MS),
    classifyErrorLine: classifyPullError,
    onLine: (line) => {
      // Counters are per blob and restart for each one: sum them for one overall figure.
      if (line.digest && line.total) {
        layers.set(line.digest, { total: line.total, completed: line.completed ?? 0 });
        let total = 0;
        let completed = 0;
        for (const layer of layers.values()) {
          total += layer.total;
          completed += layer.completed;
        }
        ctx.progress(completed, total, "bytes", line.status);
      }
      if (line.status !== lastNoted) {
        lastNoted = line.status;
        ctx.note(line.status);
      }
    },
  });
  const confirmed = await confirmOllamaModel(host, name, ctx, { show: false });
  ctx.note(`${host.name} lists ${confirmed.hostName} (manifest sha256:${confirmed.hostDigest})`);
  return { hostName: confirmed.hostName, hostDigest: confirmed.hostDigest, sizeBytes: confirmed.sizeBytes, paths: [] };
}
