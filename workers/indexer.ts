// Indexer worker process: scans library roots and runs catalogue jobs.
import { runIndexer } from "../lib/catalog/run-indexer.ts";
import { runWorker } from "../lib/jobs/run-worker.ts";

await runWorker("indexer", runIndexer);
