// The llama-server driver as the hosts jobs call it (lib/hosts/host-driver.ts).
import type { HostDriver } from "../host-driver.ts";
import { pollLlamaServer } from "./poll-llama-server.ts";
import { pushLlamaModel } from "./push-llama-model.ts";
import { removeLlamaModel } from "./remove-llama-model.ts";

export const llamaServerDriver: HostDriver = {
  poll: (host, options) => pollLlamaServer(host, options),
  // The registry URL only matters to Ollama's pull.
  push: (host, source, method, ctx, extras) => pushLlamaModel(host, source, ctx, { method, load: extras.load }),
  async remove(host, target, ctx) {
    await removeLlamaModel(host, target.hostName, ctx, { method: target.method });
  },
};
