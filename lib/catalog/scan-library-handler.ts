// Worker side of catalog.scan-library.
import { handleJob } from "../jobs/define-job.ts";
import { scanLibrary } from "./scan-library.ts";
import { scanLibraryJob } from "./scan-library-job.ts";

export const scanLibraryHandler = handleJob(scanLibraryJob, (ctx, payload) =>
  scanLibrary(ctx.db, payload, {
    signal: ctx.signal,
    onProgress: (done, total) => ctx.progress(done, total, "files"),
  }),
);
