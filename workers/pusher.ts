// Pusher worker process: polls inference hosts and pushes/removes models.
import { runPusher } from "../lib/hosts/run-pusher.ts";
import { runWorker } from "../lib/jobs/run-worker.ts";

await runWorker("pusher", runPusher);
