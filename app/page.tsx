// Catalogue: every model on every library, searchable and sortable through the
// query string (shareable URLs, no client-side fetching), each with its
// reference (namespace/model:tag), the name hosts and the registry know it by.
import type { Metadata } from "next";
import Form from "next/form";
import Link from "next/link";
import {
  DEFAULT_PAGE_SIZE,
  listModels,
  modelStates,
  parseModelListParamsLenient,
  type Facet,
  type ModelListParams,
  type ModelListRow,
  type ModelSortKey,
  type SearchParamsRecord,
} from "../lib/catalog/queries.ts";
import { formatBytes, formatContextLength, formatCount, formatParameterCount, shortDigest, verifySourceLabel } from "../lib/catalog/format.ts";
import { getDb } from "../lib/db/client.ts";
import { loadModelRefs } from "../lib/registry/model-refs.ts";
import { Badge, ModelStateBadge } from "./_components/badge.tsx";
import { CatalogueKeys } from "./catalogue-keys.tsx";
import { VerifyBadge } from "./integrity/verify-badge.tsx";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Catalogue" };

const FORM_ID = "catalogue-filters";
const SEARCH_ID = "catalogue-search";
const PAGE_SIZES = [50, 100, 200];
const GIB = 2 ** 30;
/** Locations listed per row before "+N more" (a model is rarely in more than three places). */
const LOCATIONS_PER_ROW = 3;

/** Numbers read best largest-first; names alphabetically. */
const defaultDir: Record<ModelSortKey, "asc" | "desc"> = {
  name: "asc",
  architecture: "asc",
  fileType: "asc",
  parameterCount: "desc",
  totalBytes: "desc",
  contextLength: "desc",
  updatedAt: "desc",
};

function gibValue(bytes: number | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  return String(Math.round((bytes / GIB) * 100) / 100);
}

/** The URL for the current list with some parameters changed; defaults are left out to keep links short. */
function listHref(params: ModelListParams, changes: Partial<Record<string, string | number | undefined>>): string {
  const values: Record<string, string | number | undefined> = {
    q: params.q,
    architecture: params.architecture,
    fileType: params.fileType,
    libraryId: params.libraryId,
    state: params.state,
    verify: params.verify,
    duplicates: params.duplicates === undefined ? undefined : params.duplicates ? "1" : "0",
    minGib: gibValue(params.minBytes),
    maxGib: gibValue(params.maxBytes),
    sort: params.sort === "name" ? undefined : params.sort,
    dir: params.dir === "asc" ? undefined : params.dir,
    pageSize: params.pageSize === DEFAULT_PAGE_SIZE ? undefined : params.pageSize,
    page: params.page === 1 ? undefined : params.page,
    ...changes,
  };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `/?${text}` : "/";
}

function SortHeader({
  params,
  sort,
  children,
  align = "left",
}: {
  params: ModelListParams;
  sort: ModelSortKey;
  children: string;
  align?: "left" | "right";
}) {
  const current = params.sort === sort;
  const dir = current ? (params.dir === "asc" ? "desc" : "asc") : defaultDir[sort];
  const href = listHref(params, { sort: sort === "name" && dir === "asc" ? undefined : sort, dir: dir === "asc" ? undefined : dir, page: undefined });
  // The arrow sits on the inner side so right-aligned labels line up with their numbers.
  const arrow = (
    <span aria-hidden className={`inline-block w-2 ${align === "right" ? "mr-0.5" : "ml-0.5"}`}>
      {current ? (params.dir === "asc" ? "▲" : "▼") : ""}
    </span>
  );
  return (
    <th
      scope="col"
      aria-sort={current ? (params.dir === "asc" ? "ascending" : "descending") : undefined}
      className={align === "right" ? "text-right" : undefined}
    >
      <Link href={href} className={`hover:text-neutral-900 ${current ? "text-neutral-900" : ""}`} data-sort={sort}>
        {align === "right" ? arrow : null}
        {children}
        {align === "right" ? null : arrow}
      </Link>
    </th>
  );
}

function FacetSelect({
  name,
  label,
  facets,
  value,
  allLabel,
}: {
  name: string;
  label: string;
  facets: Facet[];
  value: string | undefined;
  allLabel: string;
}) {
  // A selected value that no longer matches anything stays selectable, so the filter can be seen and cleared.
  const options = value !== undefined && !facets.some((f) => f.value === value) ? [...facets, { value, label: value, count: 0 }] : facets;
  return (
    <label className="flex items-center gap-1">
      <span className="sr-only">{label}</span>
      <select name={name} defaultValue={value ?? ""} className="input max-w-56" aria-label={label}>
        <option value="">{allLabel}</option>
        {options.map((facet) => (
          <option key={facet.value} value={facet.value}>
            {facet.label} ({formatCount(facet.count)})
          </option>
        ))}
      </select>
    </label>
  );
}

function Locations({ row }: { row: ModelListRow }) {
  const shown = row.locations.slice(0, LOCATIONS_PER_ROW);
  const hidden = row.locations.length - shown.length;
  return (
    <div className="space-y-0.5">
      {shown.map((location) => (
        <div
          key={`${location.libraryId}:${location.role}:${location.relPath}`}
          className={`flex min-w-0 items-center gap-1 ${location.missingSince ? "text-neutral-400 line-through decoration-neutral-300" : ""}`}
        >
          {location.role === "ollama-blob" ? <Badge tone="violet">Ollama</Badge> : null}
          <span className="shrink-0 text-neutral-500">{location.libraryLabel ?? location.libraryPath}:</span>
          {location.role === "ollama-blob" ? (
            <span className="truncate" title={location.relPath}>
              {location.tags.length > 0 ? location.tags.join(", ") : `blob ${shortDigest(location.relPath.replace(/^blobs\//, ""))}`}
            </span>
          ) : (
            <span className="truncate font-mono text-[12px]" title={location.relPath}>
              {location.relPath}
            </span>
          )}
          {location.libraryAvailable ? null : (
            <span className="shrink-0" title="The library is unavailable: this is the state of its last good scan">
              <Badge tone="red">offline</Badge>
            </span>
          )}
          {location.shardCount > 1 ? (
            <span className={`shrink-0 text-[11px] ${location.complete ? "text-neutral-500" : "font-medium text-amber-700"}`}>
              {location.shardsPresent}/{location.shardCount} shards
            </span>
          ) : null}
        </div>
      ))}
      {hidden > 0 ? <div className="text-[11px] text-neutral-500">+{hidden} more</div> : null}
    </div>
  );
}

/** The model's reference; further names (another Ollama tag of the same blob) as "+N", listed on hover. */
function ModelRefs({ refs }: { refs: string[] }) {
  const [primary, ...more] = refs;
  if (primary === undefined) return null;
  return (
    <div className="flex min-w-0 items-baseline gap-1 text-[11px] text-neutral-500" title={refs.join("\n")} data-testid="model-ref">
      <span className="truncate font-mono">{primary}</span>
      {more.length > 0 ? <span className="shrink-0">+{more.length}</span> : null}
    </div>
  );
}

function Verification({ row }: { row: ModelListRow }) {
  const { verification, duplicates } = row;
  const sourceNote =
    verification.state === "verified" && verification.source !== null && verification.source !== "first-seen"
      ? verifySourceLabel(verification.source)
      : null;
  return (
    <div className="flex flex-col items-start gap-0.5">
      <VerifyBadge state={verification.state} source={verification.source} progress={verification.progress} />
      {sourceNote ? <span className="text-[11px] text-neutral-500">{sourceNote}</span> : null}
      {duplicates ? (
        <span
          className="text-[11px] text-amber-800"
          title={`Identical content in ${duplicates.copies} places${duplicates.confirmed ? " (same SHA-256)" : " (same header; not every copy hashed yet)"}`}
          data-testid="duplicate-note"
        >
          {duplicates.copies} copies · {formatBytes(duplicates.wastedBytes)} extra
        </span>
      ) : null}
    </div>
  );
}

function EmptyState({ filtered }: { filtered: boolean }) {
  if (filtered) {
    return (
      <div className="px-4 py-10 text-center text-neutral-600" data-testid="empty-state">
        No models match these filters.{" "}
        <Link href="/" className="text-sky-700 underline">
          Clear all filters
        </Link>
      </div>
    );
  }
  return (
    <div className="mx-auto max-w-xl px-4 py-12 text-center text-neutral-600" data-testid="empty-state">
      <p className="text-[15px] font-medium text-neutral-800">No models catalogued yet</p>
      <p className="mt-2">
        Add a library root on the{" "}
        <Link href="/libraries" className="text-sky-700 underline">
          Libraries
        </Link>{" "}
        page: a folder of <code className="font-mono">.gguf</code> files or an Ollama models directory (for example{" "}
        <code className="font-mono">/mnt/nas/models</code>). You can also list roots in{" "}
        <code className="font-mono">MODELSHELF_LIBRARIES</code> and restart. Models appear here after the first scan.
      </p>
    </div>
  );
}

export default async function CataloguePage({ searchParams }: { searchParams: Promise<SearchParamsRecord> }) {
  const { params, ignored } = parseModelListParamsLenient(await searchParams);
  const [list, refs] = await Promise.all([listModels(getDb(), params), loadModelRefs(getDb())]);
  // Every name of each model, its first (primary) name first: the naming order of loadModelRefs.
  const refsByModel = new Map<number, string[]>();
  for (const ref of refs) refsByModel.set(ref.modelId, [...(refsByModel.get(ref.modelId) ?? []), ref.ref]);
  const pageCount = Math.max(1, Math.ceil(list.total / list.pageSize));
  const filtered =
    params.q !== undefined ||
    params.architecture !== undefined ||
    params.fileType !== undefined ||
    params.libraryId !== undefined ||
    params.state !== undefined ||
    params.verify !== undefined ||
    params.duplicates !== undefined ||
    params.minBytes !== undefined ||
    params.maxBytes !== undefined;
  const prevHref = list.page > 1 ? listHref(params, { page: list.page - 1 === 1 ? undefined : list.page - 1 }) : null;
  const nextHref = list.page < pageCount ? listHref(params, { page: list.page + 1 }) : null;
  const first = list.total === 0 ? 0 : (list.page - 1) * list.pageSize + 1;
  const last = Math.min(list.total, list.page * list.pageSize);

  return (
    <div className="space-y-3">
      <div className="flex items-baseline justify-between gap-4">
        <h1 className="text-[17px] font-semibold tracking-tight">Catalogue</h1>
        <p className="text-neutral-500" data-testid="result-count">
          {list.total === 0 ? "No models" : `${formatCount(list.total)} model${list.total === 1 ? "" : "s"}`}
          {filtered ? " match" : ""}
        </p>
      </div>

      {/* Keyed by the parameters: uncontrolled fields must reset when a link (Reset, a header) changes the URL. */}
      <Form key={JSON.stringify(params)} id={FORM_ID} action="/" className="card flex flex-wrap items-center gap-2 p-2" role="search">
        <input
          id={SEARCH_ID}
          name="q"
          type="search"
          defaultValue={params.q ?? ""}
          placeholder="Search models, files, Ollama tags…  ( / )"
          aria-label="Search models"
          autoComplete="off"
          className="input w-80"
        />
        <FacetSelect name="architecture" label="Architecture" allLabel="All architectures" facets={list.facets.architectures} value={params.architecture} />
        <FacetSelect name="fileType" label="Quantisation" allLabel="All quantisations" facets={list.facets.fileTypes} value={params.fileType} />
        <FacetSelect
          name="libraryId"
          label="Library"
          allLabel="All libraries"
          facets={list.facets.libraries}
          value={params.libraryId === undefined ? undefined : String(params.libraryId)}
        />
        <label className="flex items-center">
          <span className="sr-only">State</span>
          <select name="state" defaultValue={params.state ?? ""} className="input" aria-label="State">
            <option value="">Any state</option>
            {modelStates.map((state) => (
              <option key={state} value={state}>
                {state}
              </option>
            ))}
          </select>
        </label>
        <FacetSelect name="verify" label="Verification" allLabel="Any verification" facets={list.facets.verifyStates} value={params.verify} />
        <label className="flex items-center gap-1 text-neutral-700" title="Models with identical content in more than one place">
          <input type="checkbox" name="duplicates" value="1" defaultChecked={params.duplicates === true} />
          Has duplicates
        </label>
        <span className="flex items-center gap-1 text-neutral-500">
          <input name="minGib" type="number" min={0} step="any" inputMode="decimal" defaultValue={gibValue(params.minBytes)} placeholder="min" aria-label="Minimum size in GiB" className="input w-20" />
          –
          <input name="maxGib" type="number" min={0} step="any" inputMode="decimal" defaultValue={gibValue(params.maxBytes)} placeholder="max" aria-label="Maximum size in GiB" className="input w-20" />
          GiB
        </span>
        {params.sort !== "name" ? <input type="hidden" name="sort" value={params.sort} /> : null}
        {params.dir !== "asc" ? <input type="hidden" name="dir" value={params.dir} /> : null}
        <label className="flex items-center gap-1 text-neutral-500">
          <select name="pageSize" defaultValue={String(params.pageSize)} className="input" aria-label="Rows per page">
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size} / page
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-primary">
          Apply
        </button>
        {filtered ? (
          <Link href="/" className="btn">
            Reset
          </Link>
        ) : null}
      </Form>

      {ignored.length > 0 ? (
        <p className="text-amber-800" role="status" data-testid="ignored-params">
          Ignored invalid parameter{ignored.length === 1 ? "" : "s"}: {ignored.map((i) => `${i.param} (${i.message})`).join("; ")}
        </p>
      ) : null}

      <div className="card overflow-x-auto">
        {list.rows.length === 0 ? (
          <EmptyState filtered={filtered || list.total > 0} />
        ) : (
          <table className="data-table" data-testid="model-table">
            <thead>
              <tr>
                <SortHeader params={params} sort="name">Name</SortHeader>
                <SortHeader params={params} sort="architecture">Arch</SortHeader>
                <SortHeader params={params} sort="parameterCount" align="right">Params</SortHeader>
                <SortHeader params={params} sort="fileType">Quant</SortHeader>
                <SortHeader params={params} sort="totalBytes" align="right">Size</SortHeader>
                <SortHeader params={params} sort="contextLength" align="right">Context</SortHeader>
                <th scope="col">Locations</th>
                <th scope="col">State</th>
                <th scope="col">Verified</th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((row) => (
                <tr
                  key={row.id}
                  data-row
                  data-href={`/models/${row.id}`}
                  data-model-id={row.id}
                  className="hover:bg-neutral-50 data-[active=true]:bg-sky-50 data-[active=true]:shadow-[inset_2px_0_0_var(--color-sky-600)]"
                >
                  <td className="max-w-72 min-w-56">
                    <Link href={`/models/${row.id}`} className="font-medium text-neutral-900 hover:text-sky-700 hover:underline" data-testid="model-name">
                      {row.displayName}
                    </Link>
                    <ModelRefs refs={refsByModel.get(row.id) ?? []} />
                  </td>
                  <td className="font-mono text-[12px]">{row.architecture}</td>
                  <td className="text-right whitespace-nowrap" title={formatCount(row.parameterCount)}>
                    {formatParameterCount(row.parameterCount)}
                  </td>
                  <td className="whitespace-nowrap font-mono text-[12px]" title={row.fileTypeSource === "metadata" ? "from metadata" : "guessed from tensors"}>
                    {row.fileType}
                    {row.fileTypeSource === "metadata" ? "" : <span className="text-neutral-400">*</span>}
                  </td>
                  <td className="text-right whitespace-nowrap" title={`${formatCount(row.totalBytes)} bytes`} data-bytes={row.totalBytes}>
                    {formatBytes(row.totalBytes)}
                  </td>
                  <td className="text-right whitespace-nowrap" title={row.contextLength === null ? undefined : formatCount(row.contextLength)}>
                    {formatContextLength(row.contextLength)}
                  </td>
                  <td className="max-w-[32rem]">
                    <Locations row={row} />
                  </td>
                  <td>
                    <ModelStateBadge state={row.state} />
                  </td>
                  <td data-testid="verification-cell">
                    <Verification row={row} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <div className="flex flex-wrap items-center justify-between gap-2 text-neutral-600">
        <p className="flex items-baseline gap-4">
          {list.total > 0 ? <span>{`${formatCount(first)}–${formatCount(last)} of ${formatCount(list.total)}`}</span> : null}
          <span className="hidden text-[11px] text-neutral-500 sm:inline">
            <span className="kbd">/</span> search · <span className="kbd">j</span>/<span className="kbd">k</span> move ·{" "}
            <span className="kbd">Enter</span> open · <span className="kbd">n</span>/<span className="kbd">p</span> page
          </span>
        </p>
        <nav aria-label="Pages" className="flex items-center gap-2">
          {prevHref ? (
            <Link href={prevHref} className="btn" rel="prev">
              ‹ Prev
            </Link>
          ) : (
            <span className="btn opacity-40">‹ Prev</span>
          )}
          <span>
            Page {formatCount(list.page)} of {formatCount(pageCount)}
          </span>
          {nextHref ? (
            <Link href={nextHref} className="btn" rel="next">
              Next ›
            </Link>
          ) : (
            <span className="btn opacity-40">Next ›</span>
          )}
        </nav>
      </div>

      <CatalogueKeys formId={FORM_ID} searchId={SEARCH_ID} prevHref={prevHref} nextHref={nextHref} hasQuery={params.q !== undefined} />
    </div>
  );
}
