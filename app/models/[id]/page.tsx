// One model: header facts, where its files are, the Ollama tags that use it,
// the tensor mix, the chat template and every metadata key.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { cache } from "react";
import {
  formatBytes,
  formatContextLength,
  formatCount,
  formatDateTime,
  formatParameterCount,
  describeMetadataValue,
  percent,
  shortDigest,
} from "../../../lib/catalog/format.ts";
import { getModel, type ModelDetail, type ModelTagDetail } from "../../../lib/catalog/queries.ts";
import { getDb } from "../../../lib/db/client.ts";
import { Badge, FileStateBadge, ModelStateBadge } from "../../_components/badge.tsx";
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

function Section({ title, id, children, aside }: { title: string; id: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <section aria-labelledby={id} className="card">
      <div className="flex items-center justify-between border-b border-neutral-200 px-3 py-2">
        <h2 id={id} className="text-[13px] font-semibold">
          {title}
        </h2>
        {aside}
      </div>
      {children}
    </section>
  );
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

export default async function ModelPage({ params }: PageProps) {
  const model = await loadModel((await params).id);
  if (!model) notFound();
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
        {subtitle ? <span className="text-neutral-500">{subtitle}</span> : null}
      </div>

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

      <Section title={`Files (${model.files.length})`} id="files">
        <div className="overflow-x-auto">
          <FilesTable model={model} />
        </div>
      </Section>

      {model.tags.length > 0 ? (
        <Section title={`Ollama tags (${model.tags.length})`} id="tags">
          <div className="overflow-x-auto">
            <TagsTable tags={model.tags} />
          </div>
        </Section>
      ) : null}

      <div className="grid gap-3 xl:grid-cols-2">
        <Section title={`Tensors by type (${formatCount(model.tensorCount)})`} id="tensors">
          <TensorSummary model={model} />
        </Section>
        <Section
          title="Chat template"
          id="chat-template"
          aside={model.chatTemplate ? <CopyButton text={model.chatTemplate} label="Copy template" /> : null}
        >
          {model.chatTemplate ? (
            <pre className="max-h-80 overflow-auto p-3 font-mono text-[12px] leading-relaxed whitespace-pre-wrap break-all text-neutral-800" data-testid="chat-template">
              {model.chatTemplate}
            </pre>
          ) : (
            <p className="p-3 text-neutral-500">This model has no chat template in its metadata.</p>
          )}
        </Section>
      </div>

      <Section title={`Metadata (${Object.keys(model.metadata).length} keys)`} id="metadata">
        <div className="overflow-x-auto">
          <MetadataTable metadata={model.metadata} />
        </div>
      </Section>
    </div>
  );
}
