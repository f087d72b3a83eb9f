// Registry worker process: the catalogue as a read-only /v2/ registry (ollama pull, skopeo).
import { runRegistry } from "../lib/registry/run-registry.ts";
import { runWorker } from "../lib/jobs/run-worker.ts";

await runWorker("registry", runRegistry);
