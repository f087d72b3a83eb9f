"use client";
// Which model runs where: catalogue models and chosen reference models ×
// quantisation against every host profile. Each cell is coloured by how the
// model runs at the slider's context (all on GPU / partial offload with the
// layer count / CPU only / does not fit) and shows the largest context that
// fits at all; a click opens the estimate term by term and device by device.
// The estimator is pure, so everything is computed here as the slider moves.
import { useEffect, useMemo, useState } from "react";
import { formatBytes, formatContextLength, formatParameterCount } from "../../lib/catalog/format.ts";
import { fitModel, maxContext, type FitResult, type MaxContextResult, type Placement } from "../../lib/capacity/fit-model.ts";
import type { ResolvedHost } from "../../lib/capacity/host-profile.ts";
import { modelShapeFromGguf, modelShapeFromReference, type ModelMemoryShape } from "../../lib/capacity/memory-shape.ts";
import type { DeviceMemory } from "../../lib/capacity/memory-estimate.ts";
import { QUANTS } from "../../lib/capacity/quant-bits.ts";
import type { FitModel } from "../../lib/plans/queries.ts";
import { REFERENCE_MODELS, findReferenceModel } from "../../lib/capacity/reference-models.ts";
import { errorMessage } from "../../lib/errors.ts";
import { CardSection } from "../_components/card-section.tsx";

/** Context lengths the slider stops at: doubling, with the halfway steps above 8K where sizes are chosen. */
export const CONTEXT_STEPS = [256, 512, 1024, 2048, 4096, 8192, 12_288, 16_384, 24_576, 32_768, 49_152, 65_536, 98_304, 131_072] as const;
const DEFAULT_CONTEXT = 8192;
/** Reference rows shown until the admin picks others: the sizes teams usually weigh against one GPU. */
const DEFAULT_REFERENCE_ROWS = ["qwen2.5-14b:Q4_K_M", "qwen2.5-32b:Q4_K_M", "llama3.3-70b:Q4_K_M"];

export interface FitProfile {
  id: number;
  name: string;
  host: ResolvedHost | null;
  error: string | null;
}

interface MatrixRow {
  key: string;
  label: string;
  detail: string;
  kind: "catalogue" | "reference";
  shape: ModelMemoryShape | null;
  error: string | null;
}

interface Cell {
  fit: FitResult;
  max: MaxContextResult;
  /** The context evaluated: the slider's, capped at the model's native context. */
  context: number;
}

const placementStyle: Record<Placement, string> = {
  gpu: "border-emerald-300 bg-emerald-100 text-emerald-950 hover:bg-emerald-200",
  partial: "border-amber-300 bg-amber-100 text-amber-950 hover:bg-amber-200",
  cpu: "border-sky-300 bg-sky-100 text-sky-950 hover:bg-sky-200",
  none: "border-red-300 bg-red-100 text-red-900 hover:bg-red-200",
};

function placementLabel(fit: FitResult): string {
  switch (fit.placement) {
    case "gpu":
      return "GPU";
    case "partial":
      return `partial ${fit.gpuLayers}/${fit.layers}`;
    case "cpu":
      return "CPU only";
    case "none":
      return "does not fit";
  }
}

function catalogueRow(model: FitModel): MatrixRow {
  const detail = `${formatParameterCount(model.parameterCount)} · ${model.fileType} · ${formatBytes(model.totalBytes)}`;
  try {
    return { key: `model:${model.id}`, label: model.displayName, detail, kind: "catalogue", shape: modelShapeFromGguf(model), error: null };
  } catch (error) {
    return { key: `model:${model.id}`, label: model.displayName, detail, kind: "catalogue", shape: null, error: errorMessage(error) };
  }
}

function referenceRow(key: string): MatrixRow | null {
  const [id = "", quant = "Q4_K_M"] = key.split(":");
  const reference = findReferenceModel(id);
  if (!reference) return null;
  const label = `${reference.name}`;
  const detail = `reference · ${formatParameterCount(reference.parameters)} · ${quant}`;
  try {
    return { key: `ref:${key}`, label, detail, kind: "reference", shape: modelShapeFromReference(reference, quant), error: null };
  } catch (error) {
    return { key: `ref:${key}`, label, detail, kind: "reference", shape: null, error: errorMessage(error) };
  }
}

/** Nearest slider step to a context from the URL. */
function stepIndexOf(context: number): number {
  let best = 0;
  CONTEXT_STEPS.forEach((step, index) => {
    if (Math.abs(step - context) < Math.abs((CONTEXT_STEPS[best] ?? 0) - context)) best = index;
  });
  return best;
}

function Legend() {
  const items: Array<[Placement, string]> = [
    ["gpu", "all layers on the GPU(s)"],
    ["partial", "n of N layers on the GPU, the rest on the CPU"],
    ["cpu", "CPU and RAM only"],
    ["none", "does not fit"],
  ];
  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-[12px] text-neutral-600" data-testid="fit-legend">
      {items.map(([placement, text]) => (
        <span key={placement} className="flex items-center gap-1">
          <span className={`inline-block h-3 w-3 rounded-sm border ${placementStyle[placement]}`} aria-hidden />
          {text}
        </span>
      ))}
    </div>
  );
}

function DeviceTable({ cell }: { cell: Cell }) {
  const { fit } = cell;
  const budgets = [fit.ram, ...fit.vram];
  const devices = new Map<string, DeviceMemory>(fit.estimate.devices.map((device) => [device.device, device]));
  return (
    <table className="data-table" data-testid="breakdown-devices">
      <thead>
        <tr>
          <th>Device</th>
          <th className="text-right">Layers</th>
          <th className="text-right">Weights</th>
          <th className="text-right">KV cache</th>
          <th className="text-right">Compute</th>
          <th className="text-right">Overhead</th>
          <th className="text-right">Needs</th>
          <th className="text-right">Available</th>
          <th className="text-right">Of</th>
        </tr>
      </thead>
      <tbody>
        {budgets.map((budget) => {
          const device = devices.get(budget.device);
          const over = budget.requiredBytes > budget.availableBytes;
          return (
            <tr key={budget.device} className={over ? "bg-red-50" : undefined}>
              <td className="whitespace-nowrap">
                <span className="font-medium">{budget.device === "cpu" ? "RAM" : budget.name}</span>{" "}
                <span className="text-[11px] text-neutral-500">{budget.device === "cpu" ? "CPU" : budget.device.toUpperCase()}</span>
              </td>
              <td className="text-right">{device ? `${device.layers}${device.holdsOutputLayer ? " + out" : ""}` : "–"}</td>
              <td className="text-right">{device ? formatBytes(device.weights.bytes) : "–"}</td>
              <td className="text-right">{device ? formatBytes(device.kvCache.bytes) : "–"}</td>
              <td className="text-right">{device ? formatBytes(device.compute.bytes) : "–"}</td>
              <td className="text-right">{device ? formatBytes(device.overhead.bytes) : "–"}</td>
              <td className={`text-right font-medium ${over ? "text-red-700" : ""}`}>{formatBytes(budget.requiredBytes)}</td>
              <td className="text-right" title={`${formatBytes(budget.totalBytes)} − ${formatBytes(budget.reservedBytes)} OS reserve − ${formatBytes(budget.marginBytes)} safety margin`}>
                {formatBytes(budget.availableBytes)}
              </td>
              <td className="text-right text-neutral-500">{formatBytes(budget.totalBytes)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Breakdown({ row, profile, cell, onClose }: { row: MatrixRow; profile: FitProfile; cell: Cell; onClose: () => void }) {
  const { fit, max } = cell;
  const estimate = fit.estimate;
  const terms: Array<[string, number, string]> = [
    ["Weights", estimate.breakdown.weights.bytes, estimate.breakdown.weights.explanation],
    ["KV cache", estimate.breakdown.kvCache.bytes, estimate.breakdown.kvCache.explanation],
    ["Compute", estimate.breakdown.compute.bytes, estimate.breakdown.compute.explanation],
  ];
  return (
    <section className="card" aria-labelledby="breakdown-title" data-testid="breakdown" data-placement={fit.placement}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-neutral-200 px-3 py-2">
        <h2 id="breakdown-title" className="text-[13px] font-semibold">
          {row.label} <span className="font-normal text-neutral-500">on</span> {profile.name}{" "}
          <span className="font-normal text-neutral-500">at {formatContextLength(cell.context)} context</span>
        </h2>
        <span className={`rounded border px-1.5 text-[12px] font-medium ${placementStyle[fit.placement]}`}>{placementLabel(fit)}</span>
        <span className="text-neutral-600">{fit.reason}</span>
        <button type="button" className="btn ml-auto" onClick={onClose} aria-label="Close the breakdown">
          Close
        </button>
      </div>
      <div className="grid gap-3 p-3 lg:grid-cols-[minmax(0,1fr)_minmax(0,1.2fr)]">
        <div>
          <table className="data-table" data-testid="breakdown-terms">
            <tbody>
              {terms.map(([label, bytes, explanation]) => (
                <tr key={label}>
                  <th scope="row" className="!normal-case w-24 !bg-transparent !text-[12px] !text-neutral-700">
                    {label}
                  </th>
                  <td className="w-24 text-right font-medium whitespace-nowrap">{formatBytes(bytes)}</td>
                  <td className="text-[12px] text-neutral-600">{explanation}</td>
                </tr>
              ))}
              <tr>
                <th scope="row" className="!normal-case !bg-transparent align-top !text-[12px] !text-neutral-700">
                  Overheads
                </th>
                <td className="text-right align-top font-medium whitespace-nowrap">{formatBytes(estimate.overheadBytes)}</td>
                <td>
                  <ul className="space-y-0.5 text-[12px] text-neutral-600">
                    {Object.entries(estimate.breakdown.overhead).map(([name, term]) => (
                      <li key={name}>
                        <span className="font-mono text-neutral-800">{name}</span> {formatBytes(term.bytes)} — {term.explanation}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
              <tr className="bg-neutral-50">
                <th scope="row" className="!normal-case !bg-transparent !text-[12px] !text-neutral-900">
                  Total
                </th>
                <td className="text-right font-semibold whitespace-nowrap" data-testid="breakdown-total">
                  {formatBytes(estimate.totalBytes)}
                </td>
                <td className="text-[12px] text-neutral-600">
                  {estimate.gpuLayers > 0 ? `${estimate.gpuLayers} of ${fit.layers} layers offloaded` : "nothing offloaded"} · native context {formatContextLength(estimate.model.nativeContext)}
                </td>
              </tr>
            </tbody>
          </table>
        </div>
        <div className="space-y-2">
          <DeviceTable cell={cell} />
          <div className="text-[12px] text-neutral-700" data-testid="breakdown-max-context">
            Largest context that fits:{" "}
            <strong className="font-semibold">{max.contextLength === null ? "none (not even 256 tokens)" : `${formatContextLength(max.contextLength)} (${max.placement === "partial" ? "partial offload" : max.placement.toUpperCase()})`}</strong>
            <span className="text-neutral-500">
              {" "}
              · all on GPU {formatContextLength(max.byPlacement.gpu)} · with offload {formatContextLength(max.byPlacement.partial)} · CPU only {formatContextLength(max.byPlacement.cpu)}
            </span>
          </div>
          {estimate.notes.length > 0 ? (
            <ul className="list-disc space-y-0.5 pl-5 text-[12px] text-neutral-600" data-testid="breakdown-notes">
              {estimate.notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          ) : null}
        </div>
      </div>
    </section>
  );
}

export function FitMatrix({ models, profiles, initialContext, initialReferences }: { models: FitModel[]; profiles: FitProfile[]; initialContext: number | null; initialReferences: string[] | null }) {
  const [stepIndex, setStepIndex] = useState(() => stepIndexOf(initialContext ?? DEFAULT_CONTEXT));
  const [references, setReferences] = useState<string[]>(() => initialReferences ?? DEFAULT_REFERENCE_ROWS);
  const [pickModel, setPickModel] = useState("qwen2.5-7b");
  const [pickQuant, setPickQuant] = useState("Q4_K_M");
  const [selected, setSelected] = useState<{ row: string; profile: number } | null>(null);
  const context = CONTEXT_STEPS[stepIndex] ?? DEFAULT_CONTEXT;

  const rows = useMemo(
    () => [...models.map(catalogueRow), ...references.map(referenceRow).filter((row): row is MatrixRow => row !== null)],
    [models, references],
  );
  // The largest context does not depend on the slider: computed once per model and host.
  const maxima = useMemo(() => {
    const map = new Map<string, MaxContextResult>();
    for (const row of rows) {
      if (!row.shape) continue;
      for (const profile of profiles) if (profile.host) map.set(`${row.key}|${profile.id}`, maxContext(row.shape, profile.host));
    }
    return map;
  }, [rows, profiles]);
  const cellAt = (row: MatrixRow, profile: FitProfile): Cell | null => {
    if (!row.shape || !profile.host) return null;
    const max = maxima.get(`${row.key}|${profile.id}`);
    if (!max) return null;
    const at = Math.min(context, row.shape.contextLength);
    return { fit: fitModel(row.shape, profile.host, { contextLength: at }), max, context: at };
  };

  // The slider and the reference rows are kept in the address, so a matrix can be shared as a link.
  useEffect(() => {
    const query = new URLSearchParams(window.location.search);
    query.set("ctx", String(context));
    query.set("ref", references.join(","));
    window.history.replaceState(null, "", `/fit?${query.toString()}`);
  }, [context, references]);

  const selectedRow = selected ? rows.find((row) => row.key === selected.row) : undefined;
  const selectedProfile = selected ? profiles.find((profile) => profile.id === selected.profile) : undefined;
  const selectedCell = selectedRow && selectedProfile ? cellAt(selectedRow, selectedProfile) : null;

  const addReference = () => {
    const key = `${pickModel}:${pickQuant}`;
    setReferences((current) => (current.includes(key) ? current : [...current, key]));
  };

  return (
    <div className="space-y-3">
      <CardSection
        titleId="matrix-title"
        testId="fit-matrix"
        title="Model × host"
        aside={<Legend />}
      >
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-neutral-200 px-3 py-2">
          <label htmlFor="context-slider" className="font-medium whitespace-nowrap">
            Context
          </label>
          <input
            id="context-slider"
            type="range"
            min={0}
            max={CONTEXT_STEPS.length - 1}
            step={1}
            value={stepIndex}
            onChange={(event) => setStepIndex(Number(event.target.value))}
            aria-valuetext={`${formatContextLength(context)} tokens`}
            className="w-80 accent-neutral-800"
            data-testid="context-slider"
          />
          <output htmlFor="context-slider" className="w-24 font-mono text-[14px] font-semibold tabular-nums" data-testid="context-value">
            {formatContextLength(context)} <span className="text-[11px] font-normal text-neutral-500">tokens</span>
          </output>
          <span className="text-[12px] text-neutral-500">f16 KV cache, 1 sequence, batch 512; capped at each model&apos;s native context</span>
          <span className="ml-auto flex flex-wrap items-center gap-1.5">
            <select aria-label="Reference model to add" className="input w-52" value={pickModel} onChange={(event) => setPickModel(event.target.value)}>
              {REFERENCE_MODELS.map((model) => (
                <option key={model.id} value={model.id}>
                  {model.name}
                </option>
              ))}
            </select>
            <select aria-label="Quantisation of the reference model" className="input w-28 font-mono" value={pickQuant} onChange={(event) => setPickQuant(event.target.value)}>
              {QUANTS.map((quant) => (
                <option key={quant.name} value={quant.name}>
                  {quant.name}
                </option>
              ))}
            </select>
            <button type="button" className="btn" onClick={addReference} data-testid="add-reference">
              + Add row
            </button>
          </span>
        </div>
        {profiles.length === 0 ? (
          <p className="px-3 py-2 text-neutral-500">Add a host profile below to see where each model fits.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="data-table" data-testid="fit-table">
              <thead>
                <tr>
                  <th className="min-w-64">Model</th>
                  {profiles.map((profile) => (
                    <th key={profile.id} className="min-w-40 !normal-case" title={profile.error ?? undefined}>
                      <span className="text-[12px] text-neutral-800">{profile.name}</span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.key} data-testid="fit-row" data-row={row.key}>
                    <td className="align-middle">
                      <div className="flex items-center gap-1.5">
                        <span className="font-medium">{row.label}</span>
                        {row.kind === "reference" ? (
                          <button
                            type="button"
                            className="text-[12px] text-neutral-400 hover:text-red-700"
                            aria-label={`Remove the ${row.label} ${row.detail.split(" · ").at(-1) ?? ""} row`}
                            onClick={() => setReferences((current) => current.filter((key) => `ref:${key}` !== row.key))}
                          >
                            ✕
                          </button>
                        ) : null}
                      </div>
                      <div className="text-[12px] text-neutral-500">{row.detail}</div>
                    </td>
                    {profiles.map((profile) => {
                      if (row.error || profile.error) {
                        return (
                          <td key={profile.id} className="align-middle text-[12px] text-neutral-500" data-testid="fit-cell" data-placement="unknown" title={row.error ?? profile.error ?? undefined}>
                            no estimate
                          </td>
                        );
                      }
                      const cell = cellAt(row, profile);
                      if (!cell) return <td key={profile.id} />;
                      const active = selected?.row === row.key && selected.profile === profile.id;
                      return (
                        <td key={profile.id} className="p-1 align-middle">
                          <button
                            type="button"
                            className={`w-full rounded border px-2 py-1 text-left ${placementStyle[cell.fit.placement]} ${active ? "ring-2 ring-neutral-800" : ""}`}
                            onClick={() => setSelected(active ? null : { row: row.key, profile: profile.id })}
                            aria-pressed={active}
                            aria-label={`${row.label} on ${profile.name}: ${placementLabel(cell.fit)} at ${formatContextLength(cell.context)}, largest context ${formatContextLength(cell.max.contextLength)}`}
                            data-testid="fit-cell"
                            data-placement={cell.fit.placement}
                            data-gpu-layers={cell.fit.gpuLayers}
                            data-max-context={cell.max.contextLength ?? ""}
                            data-profile={profile.name}
                          >
                            <div className="flex items-baseline justify-between gap-2">
                              <span className="font-semibold" data-testid="fit-cell-placement">
                                {placementLabel(cell.fit)}
                              </span>
                              <span className="text-[11px] tabular-nums opacity-80">{formatBytes(cell.fit.estimate.totalBytes)}</span>
                            </div>
                            <div className="text-[11px] tabular-nums opacity-80" data-testid="fit-cell-max">
                              max ctx {cell.max.contextLength === null ? "–" : formatContextLength(cell.max.contextLength)}
                            </div>
                          </button>
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </CardSection>
      {selectedRow && selectedProfile && selectedCell ? (
        <Breakdown row={selectedRow} profile={selectedProfile} cell={selectedCell} onClose={() => setSelected(null)} />
      ) : profiles.length > 0 ? (
        <p className="text-[12px] text-neutral-500" data-testid="breakdown-hint">
          Click a cell (or focus it and press Enter) for the estimate term by term: weights, KV cache, compute buffers and overheads per device.
        </p>
      ) : null}
    </div>
  );
}
