// One model: its reference (namespace/model:tag), header facts, where its files
// are, which inference hosts have it (with a push form), whether the files'
// SHA-256 was verified (hashes, expected hashes, history, "Verify now"),
// identical copies, the Ollama tags that use it, the tensor mix, the chat
// template and every metadata key.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { cache } from "react";
import {
  formatAge,
  formatBytes,
  formatContextLength,
  formatCount,
  formatDateTime,
  formatDuration,
  formatFraction,
  formatParameterCount,
  formatRate,
  describeMetadataValue,
  percent,
  shortDigest,
  verifySourceLabel,
  wholePercent,
} from "../../../lib/catalog/format.ts";
import { getModel, type ModelDetail, type ModelFileDetail, type ModelTagDetail } from "../../../lib/catalog/queries.ts";
import { getDb } from "../../../lib/db/client.ts";
import { allowedPushMethods } from "../../../lib/hosts/drift.ts";
import { getInventory, type InventoryMatrix } from "../../../lib/hosts/queries.ts";
import { loadModelRefs, type ModelRef } from "../../../lib/registry/model-refs.ts";
import { Badge, FileStateBadge, ModelStateBadge } from "../../_components/badge.tsx";
import { CardSection } from "../../_components/card-section.tsx";
import { verifyFileAction, verifyModelAction } from "../../integrity/actions.ts";
import { LiveRefresh } from "../../integrity/live-refresh.tsx";
import { VerifyBadge } from "../../integrity/verify-badge.tsx";
import { CellBadge, HostStatusBadge } from "../../hosts/badges.tsx";
import { PushForm } from "../../hosts/push-form.tsx";
import { ActionButton } from "../../libraries/action-button.tsx";
import { CopyButton } from "./copy-button.tsx";

export const dynamic = "force-dynamic";

/** generateMetadata and the page both need the model; cache() makes it one query per request. */
const loadModel = cache(async (rawId: string): Promise<ModelDetail | null> => {
  if (!/^\d{1,10}$/.test(rawId)) return null;
  return getModel(getDb(), Number(rawId));
});

interface PageProps {
  params: Promise<{ id: string }>;
}

export async function generateMetadata({ params }: PageProps): Promise<Metadata> {
  const model = await loadModel((await params).id);
  return { title: model ? model.displayName : "Model not found" };
}

function Fact({ label, children, title }: { label: string; children: ReactNode; title?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-[11px] tracking-wide text-neutral-500 uppercase">{label}</dt>
      <dd className="truncate font-medium tabular-nums" title={title}>
        {children}
      </dd>
    </div>
  );
}

const orNone = (value: number | null, format: (n: number) => string = formatCount) => (value === null ? "–" : format(value));

const fileTypeSourceText: Record<string, string> = {
  metadata: "from metadata",
  "dominant-tensor-type": "guessed from tensors",
  unknown: "unknown",
};

function Facts({ model }: { model: ModelDetail }) {
  const heads =
    model.headCount === null ? "–" : model.headCountKv === null || model.headCountKv === model.headCount ? formatCount(model.headCount) : `${model.headCount} / ${model.headCountKv} KV`;
  return (
    <dl className="grid grid-cols-2 gap-x-6 gap-y-3 p-3 sm:grid-cols-4 lg:grid-cols-6" data-testid="model-facts">
      <Fact label="Architecture">
        <span className="font-mono">{model.architecture}</span>
      </Fact>
      <Fact label="Parameters" title={`${formatCount(model.parameterCount)} parameters`}>
        {formatParameterCount(model.parameterCount)}{" "}
        <span className="font-normal text-neutral-500">({formatCount(model.parameterCount)})</span>
      </Fact>
      <Fact label="Quantisation">
        <span className="font-mono">{model.fileType}</span>{" "}
        <span className="font-normal text-neutral-500">{fileTypeSourceText[model.fileTypeSource] ?? model.fileTypeSource}</span>
      </Fact>
      <Fact label="Size" title={`${formatCount(model.totalBytes)} bytes`}>
        {formatBytes(model.totalBytes)}
        {model.shardCount > 1 ? <span className="font-normal text-neutral-500"> in {model.shardCount} shards</span> : null}
      </Fact>
      <Fact label="Context" title={orNone(model.contextLength)}>
        {formatContextLength(model.contextLength)}{" "}
        {model.contextLength !== null ? <span className="font-normal text-neutral-500">({formatCount(model.contextLength)})</span> : null}
      </Fact>
      <Fact label="Embedding">{orNone(model.embeddingLength)}</Fact>
      <Fact label="Layers">{orNone(model.blockCount)}</Fact>
      <Fact label="Heads / KV heads">{heads}</Fact>
      <Fact label="Head dim (K/V)">
        {model.keyLength === null && model.valueLength === null ? "–" : `${model.keyLength ?? "–"} / ${model.valueLength ?? "–"}`}
      </Fact>
      <Fact label="Feed-forward">{orNone(model.feedForwardLength)}</Fact>
      <Fact label="Experts">{orNone(model.expertCount)}</Fact>
      <Fact label="Vocabulary">{orNone(model.vocabSize)}</Fact>
      <Fact label="Tokenizer">{model.tokenizerModel ?? "–"}</Fact>
      <Fact label="License" title={model.license ?? undefined}>
        {model.license ?? "–"}
      </Fact>
      <Fact label="Tensors" title={`${formatCount(model.tensorBytes)} bytes of tensor data`}>
        {formatCount(model.tensorCount)} <span className="font-normal text-neutral-500">· {formatBytes(model.tensorBytes)}</span>
      </Fact>
      <Fact label="GGUF version">{model.ggufVersion}</Fact>
      <Fact label="First seen">{formatDateTime(model.firstSeenAt)}</Fact>
      <Fact label="Fingerprint" title={model.fingerprint}>
        <span className="font-mono text-[12px]">{shortDigest(model.fingerprint)}</span>
      </Fact>
    </dl>
  );
}

function FilesTable({ model }: { model: ModelDetail }) {
  return (
    <table className="data-table" data-testid="files-table">
      <thead>
        <tr>
          <th>Library</th>
          <th>Path</th>
          {model.shardCount > 1 ? <th className="text-right">Shard</th> : null}
          <th>Role</th>
          <th className="text-right">Size</th>
          <th>State</th>
          <th>Verified</th>
          <th>Last seen</th>
          <th>Missing since</th>
        </tr>
      </thead>
      <tbody>
        {model.files.map((file) => {
          const missing = file.missingSince !== null;
          const bad = missing || file.state === "error";
          return (
            <tr key={file.id} className={bad ? "bg-amber-50/70" : undefined} data-missing={missing || undefined}>
              <td className="whitespace-nowrap">
                <Link href={`/libraries#library-${file.libraryId}`} className="hover:underline">
                  {file.libraryLabel ?? file.libraryPath}
                </Link>
                {file.libraryStatus === "unavailable" ? (
                  <span className="ml-1">
                    <Badge tone="red">unavailable</Badge>
                  </span>
                ) : null}
              </td>
              <td className="font-mono text-[12px] break-all" title={`${file.libraryPath}/${file.relPath}`}>
                {file.relPath}
                {file.stateReason ? <div className="font-sans text-[11px] text-red-700">{file.stateReason}</div> : null}
              </td>
              {model.shardCount > 1 ? (
                <td className="text-right whitespace-nowrap">
                  {file.shardIndex === null ? "–" : `${file.shardIndex + 1} / ${file.shardCount ?? model.shardCount}`}
                </td>
              ) : null}
              <td>{file.role === "ollama-blob" ? <Badge tone="violet">Ollama blob</Badge> : file.role}</td>
              <td className="text-right whitespace-nowrap" title={`${formatCount(file.sizeBytes)} bytes`}>
                {formatBytes(file.sizeBytes)}
              </td>
              <td>
                <FileStateBadge state={file.state} missing={missing} />
              </td>
              <td>
                {missing ? (
                  <span className="text-neutral-400">–</span>
                ) : (
                  <a href={`#verify-file-${file.id}`} className="hover:opacity-80">
                    <VerifyBadge state={file.verifyState} source={file.verifiedSource} progress={file.verifyProgress} />
                  </a>
                )}
              </td>
              <td className="whitespace-nowrap text-neutral-600">{formatDateTime(file.lastSeenAt)}</td>
              <td className={`whitespace-nowrap ${missing ? "font-medium text-amber-800" : "text-neutral-400"}`}>
                {formatDateTime(file.missingSince)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function FileVerification({ file, now }: { file: ModelFileDetail; now: number }) {
  const missing = file.missingSince !== null;
  return (
    <article
      id={`verify-file-${file.id}`}
      className={`scroll-mt-4 border-b border-neutral-200 last:border-b-0 ${file.verifyState === "mismatch" && !missing ? "bg-red-50/50" : ""}`}
      data-testid="file-verification"
      data-file-id={file.id}
      aria-label={`Verification of ${file.relPath}`}
    >
      <header className="flex flex-wrap items-center gap-2 px-3 pt-2">
        <span className="font-mono text-[12px] break-all">{file.relPath}</span>
        <span className="text-[12px] text-neutral-500">
          {file.libraryLabel ?? file.libraryPath} · {formatBytes(file.sizeBytes)}
        </span>
        {missing ? <Badge tone="amber">missing</Badge> : <VerifyBadge state={file.verifyState} source={file.verifiedSource} progress={file.verifyProgress} showSource />}
        {file.identicalCopies > 1 ? (
          <span className="text-[12px] text-amber-800" title="Same content in other places: see Duplicates on the Integrity page">
            1 of {file.identicalCopies} identical copies
          </span>
        ) : null}
        <div className="ml-auto">
          {missing || file.state === "ignored" ? null : (
            <ActionButton action={verifyFileAction} fields={{ fileId: String(file.id) }} label="Verify file" pendingLabel="Queuing…" testId="verify-file" />
          )}
        </div>
      </header>
      {file.verifyState === "hashing" && !missing ? (
        <div className="px-3 pt-1.5">
          <div
            className="h-2 overflow-hidden rounded-sm bg-sky-100"
            role="progressbar"
            aria-label={`Hashing ${file.relPath}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={wholePercent(file.verifyProgress ?? 0)}
          >
            <div className="h-full bg-sky-600 transition-[width]" style={{ width: `${percent(file.verifyProgress ?? 0, 1)}%` }} />
          </div>
          <div className="mt-0.5 text-[12px] text-sky-900">
            Hashing: {formatFraction(file.verifyProgress ?? 0)} of {formatBytes(file.sizeBytes)} — live progress on{" "}
            <Link href="/jobs" className="underline">
              Jobs
            </Link>
          </div>
        </div>
      ) : null}
      <dl className="grid gap-x-6 gap-y-1 px-3 py-2 md:grid-cols-[auto_1fr]">
        <dt className="text-[11px] tracking-wide text-neutral-500 uppercase">SHA-256</dt>
        <dd className="flex min-w-0 flex-wrap items-center gap-2">
          {file.sha256 ? (
            <>
              <code className="font-mono text-[12px] break-all select-all" data-testid="file-sha256">
                {file.sha256}
              </code>
              <CopyButton text={file.sha256} label="Copy" />
            </>
          ) : (
            <span className="text-neutral-500">not hashed yet</span>
          )}
        </dd>
        <dt className="text-[11px] tracking-wide text-neutral-500 uppercase">Last verified</dt>
        <dd>
          {file.verifiedAt ? (
            <>
              {formatDateTime(file.verifiedAt)} <span className="text-neutral-500">({formatAge(file.verifiedAt, now)})</span>
              {file.verifyState === "verified" ? <span className="text-neutral-600"> · against {verifySourceLabel(file.verifiedSource)}</span> : null}
              {file.verifyState === "verified" && (file.verifiedSource ?? "first-seen") === "first-seen" ? (
                <span className="text-neutral-500"> (our own first hash: proves the bytes did not change, not that they are the published file)</span>
              ) : null}
            </>
          ) : (
            <span className="text-neutral-500">never</span>
          )}
        </dd>
        {file.verifyError ? (
          <>
            <dt className="text-[11px] tracking-wide text-red-700 uppercase">Problem</dt>
            <dd className="font-medium break-all text-red-800" data-testid="verify-error">
              {file.verifyError}
            </dd>
          </>
        ) : null}
      </dl>
      <div className="grid gap-3 px-3 pb-3 xl:grid-cols-2">
        <div className="min-w-0">
          <h3 className="mb-1 text-[11px] font-semibold tracking-wide text-neutral-500 uppercase">Expected hashes</h3>
          {file.expectedHashes.length === 0 ? (
            <p className="text-[12px] text-neutral-500">None: no Ollama blob name, SHA256SUMS or .sha256 sidecar names this file, and it was never hashed.</p>
          ) : (
            <table className="data-table" data-testid="expected-hashes">
              <thead>
                <tr>
                  <th>Source</th>
                  <th>SHA-256</th>
                  <th>Recorded</th>
                </tr>
              </thead>
              <tbody>
                {file.expectedHashes.map((expected) => (
                  <tr
                    key={`${expected.source}:${expected.sourcePath}`}
                    className={expected.agrees === false ? "bg-red-100/70" : undefined}
                    data-agrees={expected.agrees === null ? undefined : String(expected.agrees)}
                  >
                    <td className="whitespace-nowrap">
                      {verifySourceLabel(expected.source)}
                      {expected.sourcePath ? <div className="font-mono text-[11px] break-all text-neutral-500">{expected.sourcePath}</div> : null}
                    </td>
                    <td className="font-mono text-[12px] break-all">
                      {expected.sha256}
                      {expected.agrees === false ? <div className="font-sans text-[11px] font-semibold text-red-700">✗ disagrees with the file</div> : null}
                      {expected.agrees === true ? <span className="ml-1 font-sans text-emerald-700">✓</span> : null}
                    </td>
                    <td className="whitespace-nowrap text-neutral-600">{formatDateTime(expected.recordedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="min-w-0">
          <h3 className="mb-1 text-[11px] font-semibold tracking-wide text-neutral-500 uppercase">
            History{file.verifications.length > 0 ? ` (last ${file.verifications.length})` : ""}
          </h3>
          {file.verifications.length === 0 ? (
            <p className="text-[12px] text-neutral-500">Never verified.</p>
          ) : (
            <table className="data-table" data-testid="verification-history">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Trigger</th>
                  <th>Result</th>
                  <th className="text-right">Took</th>
                  <th className="text-right">Speed</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {file.verifications.map((v) => (
                  <tr key={v.id} className={v.status === "mismatch" ? "bg-red-100/70" : undefined}>
                    <td className="whitespace-nowrap" title={formatDateTime(v.finishedAt)}>
                      {formatDateTime(v.finishedAt)}
                    </td>
                    <td>{v.trigger}</td>
                    <td>
                      <VerifyBadge state={v.status === "changed" ? "unverified" : v.status} source={v.expectedSource?.split(":")[0] ?? "first-seen"} />
                    </td>
                    <td className="text-right whitespace-nowrap tabular-nums">{formatDuration(v.seconds * 1000)}</td>
                    <td className="text-right whitespace-nowrap tabular-nums">{formatRate(v.bytesPerSecond)}</td>
                    <td className="max-w-72 text-[12px] text-red-800" title={v.error ?? undefined}>
                      {v.status === "mismatch" && v.expectedSha256 ? (
                        <>
                          ≠ expected <span className="font-mono">{shortDigest(v.expectedSha256)}…</span> ({verifySourceLabel(v.expectedSource?.split(":")[0])})
                        </>
                      ) : (
                        <span className="break-all">{v.error ?? ""}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </article>
  );
}

/** Layers every tag has; the rest (projector, adapter, messages, …) are worth pointing out. */
const ORDINARY_LAYERS = new Set(["model", "template", "system", "params", "license"]);

function Presence({ present, title }: { present: boolean; title?: string }) {
  return present ? (
    <span className="text-emerald-700" title={title}>
      ✓
    </span>
  ) : (
    <span className="text-neutral-300">–</span>
  );
}

function TagsTable({ tags }: { tags: ModelTagDetail[] }) {
  return (
    <table className="data-table" data-testid="tags-table">
      <thead>
        <tr>
          <th>Tag</th>
          <th>Library</th>
          <th>Manifest</th>
          <th className="text-right">Size</th>
          <th className="text-center">Template</th>
          <th className="text-center">System</th>
          <th className="text-center">Params</th>
          <th className="text-center">License</th>
          <th>Other layers</th>
        </tr>
      </thead>
      <tbody>
        {tags.map((tag) => {
          const extra = tag.layers.filter((layer) => !ORDINARY_LAYERS.has(layer.kind));
          return (
            <tr key={tag.id} className={tag.missingSince ? "text-neutral-400" : undefined}>
              <td className="font-mono text-[12px]">
                {tag.name}
                {tag.missingSince ? <span className="ml-1 font-sans"><Badge tone="amber">gone {formatDateTime(tag.missingSince)}</Badge></span> : null}
                {tag.problems.map((problem) => (
                  <div key={problem.message} className="font-sans text-[11px] text-red-700">
                    {problem.message}
                  </div>
                ))}
              </td>
              <td className="whitespace-nowrap" title={tag.libraryPath}>{tag.libraryLabel ?? tag.libraryPath}</td>
              <td className="font-mono text-[12px]" title={tag.manifestDigest}>
                {shortDigest(tag.manifestDigest)}
              </td>
              <td className="text-right whitespace-nowrap">{formatBytes(tag.totalSize)}</td>
              <td className="text-center"><Presence present={tag.template !== null} title={tag.template ?? undefined} /></td>
              <td className="text-center"><Presence present={tag.system !== null} title={tag.system ?? undefined} /></td>
              <td className="text-center">
                <Presence present={tag.params !== null} title={tag.params === null ? undefined : JSON.stringify(tag.params)} />
              </td>
              <td className="text-center"><Presence present={tag.license !== null} /></td>
              <td>
                <div className="flex flex-wrap gap-1">
                  {extra.length === 0 ? <span className="text-neutral-300">–</span> : null}
                  {extra.map((layer) => (
                    <Badge
                      key={`${layer.mediaType}:${layer.digest}`}
                      tone={layer.present === false ? "red" : "blue"}
                      title={`${layer.mediaType} ${layer.digest} (${formatBytes(layer.size)})${layer.present === false ? " — blob not present" : ""}`}
                    >
                      {layer.kind} {formatBytes(layer.size)}
                      {layer.present === false ? " · missing" : ""}
                    </Badge>
                  ))}
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function TensorSummary({ model }: { model: ModelDetail }) {
  const totalBytes = model.tensorTypes.reduce((sum, t) => sum + t.bytes, 0);
  return (
    <table className="data-table" data-testid="tensor-summary">
      <thead>
        <tr>
          <th>Type</th>
          <th className="text-right">Tensors</th>
          <th className="text-right">Bytes</th>
          <th className="w-1/2">Share of tensor data</th>
        </tr>
      </thead>
      <tbody>
        {model.tensorTypes.map((entry) => {
          const share = percent(entry.bytes, totalBytes);
          return (
            <tr key={entry.type}>
              <td className="font-mono text-[12px]">{entry.type}</td>
              <td className="text-right">{formatCount(entry.count)}</td>
              <td className="text-right whitespace-nowrap" title={`${formatCount(entry.bytes)} bytes`}>
                {formatBytes(entry.bytes)}
              </td>
              <td>
                <div className="flex items-center gap-2">
                  <div className="h-2.5 flex-1 overflow-hidden rounded-sm bg-neutral-100" role="img" aria-label={`${share.toFixed(1)} %`}>
                    <div className="h-full bg-sky-600" style={{ width: `${Math.max(share, share > 0 ? 0.5 : 0)}%` }} />
                  </div>
                  <span className="w-14 text-right whitespace-nowrap text-neutral-600">{share < 0.1 && share > 0 ? "<0.1" : share.toFixed(1)} %</span>
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function MetadataTable({ metadata }: { metadata: Record<string, unknown> }) {
  const entries = Object.entries(metadata);
  if (entries.length === 0) return <p className="p-3 text-neutral-500">No metadata stored for this model.</p>;
  return (
    <table className="data-table" data-testid="metadata-table">
      <thead>
        <tr>
          <th className="w-80">Key</th>
          <th className="w-28">Type</th>
          <th>Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([key, value]) => {
          const display = describeMetadataValue(value);
          return (
            <tr key={key}>
              <td className="font-mono text-[12px] break-all">{key}</td>
              <td className="font-mono text-[12px] text-neutral-500">{display.type}</td>
              <td className="font-mono text-[12px] break-all" title={display.full}>
                {display.text}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Which hosts have this model under each of its names, and a push form. */
function HostsSection({ refs, inventory }: { refs: ModelRef[]; inventory: InventoryMatrix }) {
  if (refs.length === 0) {
    return <p className="px-3 py-2 text-neutral-500">No complete, indexed file: this model cannot be served or pushed.</p>;
  }
  if (inventory.hosts.length === 0) {
    return (
      <p className="px-3 py-2 text-neutral-500">
        No inference hosts yet: add one on{" "}
        <Link href="/hosts#add-host" className="text-sky-700 underline">
          Hosts
        </Link>
        .
      </p>
    );
  }
  const hosts = inventory.hosts.map((host) => ({ id: host.id, name: host.name, methods: allowedPushMethods(host.kind, host.delivery), enabled: host.enabled, canLoad: host.kind === "llama-server" }));
  return (
    <>
      <div className="overflow-x-auto">
        <table className="data-table" data-testid="model-hosts">
          <thead>
            <tr>
              <th>Host</th>
              <th>Status</th>
              {refs.map((ref) => (
                <th key={ref.ref} className="!normal-case">
                  <span className="font-mono text-[11px] tracking-normal">{ref.ref}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {inventory.hosts.map((host) => (
              <tr key={host.id} data-testid="model-host-row" data-host={host.name}>
                <td className="whitespace-nowrap">
                  <Link href={`/hosts/${host.id}`} className="font-medium hover:text-sky-700 hover:underline">
                    {host.name}
                  </Link>{" "}
                  <span className="text-[12px] text-neutral-500">{host.kind}</span>
                </td>
                <td>
                  <HostStatusBadge status={host.status} enabled={host.enabled} />
                </td>
                {refs.map((ref) => {
                  const cell = inventory.cells[host.id]?.[ref.ref];
                  return (
                    <td key={ref.ref} title={cell?.reason} data-testid="model-host-cell" data-ref={ref.ref} data-state={cell?.state ?? ""}>
                      {cell ? (
                        <>
                          <CellBadge cell={cell} />
                          <span className="sr-only">: {cell.reason}</span>
                        </>
                      ) : (
                        <span className="text-neutral-400">–</span>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="border-t border-neutral-200 px-3 py-2">
        <PushForm hosts={hosts} models={refs.map((ref) => ({ ref: ref.ref, label: ref.ref }))} testId="model-push-form" />
      </div>
    </>
  );
}

export default async function ModelPage({ params }: PageProps) {
  const model = await loadModel((await params).id);
  if (!model) notFound();
  const db = getDb();
  const [allRefs, inventory] = await Promise.all([loadModelRefs(db), getInventory(db)]);
  // In naming order: the primary name (the one assignments push) first.
  const refs = allRefs.filter((ref) => ref.modelId === model.id);
  const now = Date.now();
  const present = model.files.filter((f) => f.missingSince === null);
  const mismatched = present.filter((f) => f.verifyState === "mismatch");
  const inProgress = present.some((f) => f.verifyState === "queued" || f.verifyState === "hashing");
  const subtitle = [model.organization, model.basename, model.sizeLabel, model.finetune, model.version].filter(Boolean).join(" · ");

  return (
    <div className="space-y-3">
      <nav aria-label="Breadcrumb" className="text-neutral-500">
        <Link href="/" className="hover:underline">
          Catalogue
        </Link>{" "}
        / <span className="text-neutral-700">{model.displayName}</span>
      </nav>
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="text-[18px] font-semibold tracking-tight">{model.displayName}</h1>
        <ModelStateBadge state={model.state} />
        <VerifyBadge state={model.verification.state} source={model.verification.source} progress={model.verification.progress} showSource />
        {subtitle ? <span className="text-neutral-500">{subtitle}</span> : null}
        {refs.length > 0 ? (
          <span className="flex flex-wrap items-center gap-1.5" data-testid="model-refs">
            <code className="rounded bg-neutral-200/70 px-1.5 font-mono text-[12px] text-neutral-800 select-all" title="Reference: the name hosts and the registry know this model by">
              {refs[0]!.ref}
            </code>
            <CopyButton text={refs[0]!.ref} label="Copy" />
            {refs.length > 1 ? <span className="text-[12px] text-neutral-500">also {refs.slice(1).map((ref) => ref.ref).join(", ")}</span> : null}
          </span>
        ) : null}
        {present.length > 0 ? (
          <div className="ml-auto">
            <ActionButton action={verifyModelAction} fields={{ modelId: String(model.id) }} label="Verify now" pendingLabel="Queuing…" variant="primary" testId="verify-model" />
          </div>
        ) : null}
      </div>

      {mismatched.length > 0 ? (
        <div role="alert" className="rounded border border-red-700 bg-red-600 px-3 py-2 text-white" data-testid="model-mismatch">
          <strong className="font-semibold">✗ Content mismatch.</strong>{" "}
          {mismatched.length === 1 ? "This file does" : "These files do"} not match the expected SHA-256 — damaged on the share, or not the
          published file. Do not serve {mismatched.length === 1 ? "it" : "them"} until re-downloaded and verified.
          <ul className="mt-1 list-disc pl-5 font-mono text-[12px]">
            {mismatched.map((file) => (
              <li key={file.id}>
                <a href={`#verify-file-${file.id}`} className="underline">
                  {file.libraryLabel ?? file.libraryPath}: {file.relPath}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {model.duplicates ? (
        <div className="rounded border border-amber-200 bg-amber-50 px-3 py-1.5 text-amber-950" data-testid="model-duplicates">
          <strong className="font-semibold">Stored more than once:</strong> {model.duplicates.copies} identical copies
          {model.duplicates.groups > 1 ? ` of ${model.duplicates.groups} files` : ""} ({model.duplicates.confirmed ? "same SHA-256" : "same header; not every copy hashed yet"}) —{" "}
          {formatBytes(model.duplicates.wastedBytes)} in extra copies.{" "}
          <Link href="/integrity#duplicates" className="underline">
            All duplicates
          </Link>
        </div>
      ) : null}

      {model.problems.length > 0 ? (
        <div role="alert" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-amber-950" data-testid="model-problems">
          <strong className="font-semibold">Problems</strong>
          <ul className="mt-1 list-disc pl-5">
            {model.problems.map((problem) => (
              <li key={problem.message}>{problem.message}</li>
            ))}
          </ul>
        </div>
      ) : null}

      <section aria-label="Facts" className="card">
        <Facts model={model} />
      </section>

      <CardSection title={`Files (${model.files.length})`} titleId="files">
        <div className="overflow-x-auto">
          <FilesTable model={model} />
        </div>
      </CardSection>

      <CardSection title="Hosts" titleId="hosts" aside={<span className="text-[12px] text-neutral-500">as of each host&apos;s last poll</span>}>
        <HostsSection refs={refs} inventory={inventory} />
      </CardSection>

      <CardSection
        title="Verification"
        titleId="verification"
        aside={
          <span className="text-[12px] text-neutral-500">
            {formatCount(model.verification.verifiedFiles)} of {formatCount(model.verification.files)} present file{model.verification.files === 1 ? "" : "s"} verified
          </span>
        }
      >
        {model.files.map((file) => (
          <FileVerification key={file.id} file={file} now={now} />
        ))}
      </CardSection>

      {model.tags.length > 0 ? (
        <CardSection title={`Ollama tags (${model.tags.length})`} titleId="tags">
          <div className="overflow-x-auto">
            <TagsTable tags={model.tags} />
          </div>
        </CardSection>
      ) : null}

      <div className="grid gap-3 xl:grid-cols-2">
        <CardSection title={`Tensors by type (${formatCount(model.tensorCount)})`} titleId="tensors">
          <TensorSummary model={model} />
        </CardSection>
        <CardSection
          title="Chat template"
          titleId="chat-template"
          aside={model.chatTemplate ? <CopyButton text={model.chatTemplate} label="Copy template" /> : null}
        >
          {model.chatTemplate ? (
            <pre className="max-h-80 overflow-auto p-3 font-mono text-[12px] leading-relaxed whitespace-pre-wrap break-all text-neutral-800" data-testid="chat-template">
              {model.chatTemplate}
            </pre>
          ) : (
            <p className="p-3 text-neutral-500">This model has no chat template in its metadata.</p>
          )}
        </CardSection>
      </div>

      <CardSection title={`Metadata (${Object.keys(model.metadata).length} keys)`} titleId="metadata">
        <div className="overflow-x-auto">
          <MetadataTable metadata={model.metadata} />
        </div>
      </CardSection>
      <LiveRefresh active={inProgress} />
    </div>
  );
}
