// Jobs: what the workers are doing (live progress), what waits and why, what
// failed and what finished. The list is rendered here once, then kept live by
// the client polling GET /api/v1/jobs.
import type { Metadata } from "next";
import { getDb } from "../../lib/db/client.ts";
import { DEFAULT_JOB_LIMIT, listJobs, MAX_JOB_LIMIT, parseJobListParams, type JobListParams } from "../../lib/jobs/queries.ts";
import { JobsLive } from "./jobs-live.tsx";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Jobs" };

export default async function JobsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = await searchParams;
  // Only the limit is a page parameter; a bad one falls back to the default rather than failing the page.
  const parsed = parseJobListParams({ limit: raw.limit });
  const params: JobListParams = parsed.success ? parsed.params : { limit: DEFAULT_JOB_LIMIT };
  const list = await listJobs(getDb(), { limit: params.limit });
  const moreHref = params.limit < MAX_JOB_LIMIT ? `/jobs?limit=${Math.min(params.limit * 2, MAX_JOB_LIMIT)}` : null;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-4">
        <h1 className="text-[17px] font-semibold tracking-tight">Jobs</h1>
        <p className="text-neutral-500">Background work of the indexer, hasher and pusher workers · updates every second</p>
      </div>
      <JobsLive initial={list} limit={params.limit} moreHref={moreHref} />
    </div>
  );
}
