// Removes a model from an Ollama host (DELETE /api/delete). "Already gone" is
// success, but only when the host says so in Ollama's words ("model '…' not
// found"): a bare 404 from something else on the port is not a confirmation.
import { AppError } from "../../errors.ts";
import type { HostTarget } from "../types.ts";
import type { ControlCallOptions } from "./bounded-fetch.ts";
import { ollamaFailure } from "./ollama-failure.ts";
import { openOllamaClient } from "./open-ollama-client.ts";

/** DeleteHandler's 404 text: fmt.Sprintf("model '%s' not found", …). */
const MODEL_NOT_FOUND = /^model '.*' not found$/;

export async function removeOllamaModel(host: HostTarget, hostName: string, options: ControlCallOptions): Promise<void> {
  const what = `${host.name}: DELETE /api/delete ${hostName}`;
  try {
    await openOllamaClient(host, options).delete({ model: hostName });
  } catch (error) {
    const failure = ollamaFailure(error, what, options.signal, options.timeoutMs);
    if (failure.code === "not-found" && MODEL_NOT_FOUND.test(String(failure.details.hostMessage ?? ""))) return;
    if (failure.code === "not-found") throw new AppError("not-found", `${failure.message} (not Ollama's answer for a missing model)`, { retryable: false, cause: failure });
    throw failure;
  }
}
