// The Ollama host kind for the hosts jobs (lib/hosts/host-driver.ts): poll,
// push by upload or by pull from ModelShelf's registry, remove.
import { AppError } from "../../errors.ts";
import type { HostDriver } from "../host-driver.ts";
import { pollOllamaHost } from "./poll-ollama-host.ts";
import { pushOllamaPull } from "./push-ollama-pull.ts";
import { pushOllamaUpload } from "./push-ollama-upload.ts";
import { removeOllamaModel } from "./remove-ollama-model.ts";

export const ollamaDriver: HostDriver = {
  poll: (host, options) => pollOllamaHost(host, options),
  push: async (host, source, method, ctx, extras) => {
    if (method === "upload") return pushOllamaUpload(host, source, ctx);
    if (method === "pull") {
      if (extras.registryUrl === null) {
        throw new AppError("invalid-input", `Pushing ${source.ref} to ${host.name} by pull needs ModelShelf's registry, which is off`);
      }
      return pushOllamaPull(host, source, extras.registryUrl, ctx);
    }
    throw new AppError("unsupported", `Ollama hosts take models by upload or pull, not "${method}"`);
  },
  remove: (host, target, ctx) => removeOllamaModel(host, target.hostName, ctx),
};
