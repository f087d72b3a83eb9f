// Hasher worker process: SHA-256 verification and the scrub.
import { runHasher } from "../lib/hashing/run-hasher.ts";
import { runWorker } from "../lib/jobs/run-worker.ts";

await runWorker("hasher", runHasher);
