"use client";
// The scenario editor: NAS, planned models, growth and policy on the left,
// evaluated live on the right (the planner is pure, so it runs here on every
// keystroke): capacity from raw to fillable, required space by estimate and
// by rule of thumb, headroom, fill date, a chart of usage over time, the
// explanations and what to buy instead. Saving and deleting are server actions.
import { useActionState, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { formatBytes, formatDateTime } from "../../lib/catalog/format.ts";
import { QUANTS } from "../../lib/capacity/quant-bits.ts";
import { FILESYSTEM_NAMES, formatDecimalBytes, formatTB, formatTiB, RAID_LABELS, RAID_LEVELS, type RaidLevel } from "../../lib/capacity/raid.ts";
import { REFERENCE_MODELS } from "../../lib/capacity/reference-models.ts";
import { evaluateScenario, formatIssuePath, scenarioSchema, type ScenarioEvaluation, type ScenarioInput } from "../../lib/capacity/scenario.ts";
import { Badge } from "../_components/badge.tsx";
import { CardSection } from "../_components/card-section.tsx";
import { ActionButton } from "../libraries/action-button.tsx";
import { deleteScenarioAction, saveScenarioAction } from "./actions.ts";
import { initialSaveScenarioState } from "./save-state.ts";
import {
  defaultScenarioFields,
  driveRows,
  fieldKeyOfIssue,
  fieldsFromScenario,
  newKey,
  plannedRow,
  toScenarioInput,
  type PlannedRow,
  type ScenarioFields,
} from "./scenario-form.ts";
import { UsageChart } from "./usage-chart.tsx";

export interface SavedScenarioView {
  id: number;
  name: string;
  updatedAt: string;
  /** The stored document (what the CLI reads). */
  scenario: unknown;
  /** Why it does not validate any more, if so. */
  error: string | null;
}

interface Issue {
  key: string;
  path: string;
  message: string;
}

type Evaluated = { input: ScenarioInput; issues: Issue[]; evaluation: ScenarioEvaluation | null };

/** Quick fill offers the bay counts of common units. */
const QUICK_FILL_MAX_DRIVES = 24;

function evaluate(fields: ScenarioFields, currentBytes: number, now: Date): Evaluated {
  const input = toScenarioInput(fields, currentBytes);
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    return {
      input,
      evaluation: null,
      issues: parsed.error.issues.map((issue) => ({
        key: fieldKeyOfIssue(issue.path),
        path: formatIssuePath(issue.path),
        // zod's own wording for an empty or non-numeric field.
        message: issue.code === "invalid_type" ? "must be a number" : issue.message,
      })),
    };
  }
  try {
    return { input, issues: [], evaluation: evaluateScenario(parsed.data, now) };
  } catch (error) {
    return { input, evaluation: null, issues: [{ key: "form", path: "", message: error instanceof Error ? error.message : String(error) }] };
  }
}

function Field({ label, htmlFor, children, className, error }: { label: string; htmlFor?: string; children: ReactNode; className?: string; error?: string }) {
  return (
    <div className={`flex flex-col gap-0.5 ${className ?? ""}`}>
      <label htmlFor={htmlFor} className="text-[12px] font-medium text-neutral-700">
        {label}
      </label>
      {children}
      {error ? (
        <p role="alert" className="text-[12px] text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** Decimal as drives are sold ("12 TB", "76.1 GB"), at a readable scale. */
function decimal(bytes: number): string {
  return Math.abs(bytes) >= 1e12 ? formatTB(bytes) : formatDecimalBytes(bytes);
}

/** Binary as operating systems report ("10.91 TiB", "70.9 GiB"). */
function binary(bytes: number): string {
  return Math.abs(bytes) >= 2 ** 40 ? formatTiB(bytes) : formatBytes(bytes);
}

function Figure({ label, bytes, testId, tone, note }: { label: string; bytes: number; testId: string; tone?: "good" | "bad" | "muted"; note?: string }) {
  const color = tone === "good" ? "text-emerald-700" : tone === "bad" ? "text-red-700" : tone === "muted" ? "text-neutral-600" : "text-neutral-900";
  return (
    <div className="card px-2.5 py-1.5" data-testid={testId} title={note}>
      <div className="text-[10px] tracking-wide text-neutral-500 uppercase">{label}</div>
      <div className={`text-[17px] leading-6 font-semibold tabular-nums ${color}`} data-testid={`${testId}-tb`}>
        {decimal(bytes)}
      </div>
      <div className="text-[11px] text-neutral-500 tabular-nums">{binary(bytes)}</div>
    </div>
  );
}

function NasFields({ fields, set, error }: { fields: ScenarioFields; set: (patch: Partial<ScenarioFields>) => void; error: (key: string) => string | undefined }) {
  const [fillCount, setFillCount] = useState("4");
  const [fillSize, setFillSize] = useState("8");
  const setDrive = (key: string, tb: string) => set({ drives: fields.drives.map((d) => (d.key === key ? { ...d, tb } : d)) });
  const fill = () => {
    const count = Math.min(QUICK_FILL_MAX_DRIVES, Math.max(1, Math.floor(Number(fillCount) || 0)));
    set({ drives: driveRows(Array.from({ length: count }, () => fillSize.trim())) });
  };
  return (
    <fieldset className="space-y-2">
      <legend className="text-[12px] font-semibold text-neutral-600 uppercase">NAS</legend>
      <div className="flex flex-wrap items-start gap-x-3 gap-y-2">
        <Field label="RAID level" htmlFor="scenario-raid" error={error("raid")}>
          <select id="scenario-raid" className="input w-28" value={fields.raid} onChange={(event) => set({ raid: event.target.value as RaidLevel })} data-testid="raid-select">
            {RAID_LEVELS.map((level) => (
              <option key={level} value={level}>
                {RAID_LABELS[level]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Hot spares" htmlFor="scenario-spares" error={error("hotSpares")}>
          <input id="scenario-spares" type="text" inputMode="numeric" className="input w-16" value={fields.hotSpares} onChange={(event) => set({ hotSpares: event.target.value })} />
        </Field>
        <Field label="Filesystem" htmlFor="scenario-fs" error={error("filesystem")}>
          <select id="scenario-fs" className="input w-24" value={fields.filesystem} onChange={(event) => set({ filesystem: event.target.value as ScenarioFields["filesystem"] })}>
            {FILESYSTEM_NAMES.map((name) => (
              <option key={name} value={name}>
                {name === "none" ? "none (0 %)" : name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Keep free (%)" htmlFor="scenario-reserve" error={error("reservePercent")}>
          <input id="scenario-reserve" type="text" inputMode="decimal" className="input w-16" value={fields.reservePercent} onChange={(event) => set({ reservePercent: event.target.value })} />
        </Field>
      </div>
      <div>
        <div className="text-[12px] font-medium text-neutral-700">Drives (TB, as sold)</div>
        <div className="mt-0.5 flex flex-wrap items-center gap-1.5" data-testid="drive-list">
          {fields.drives.map((drive, index) => (
            <span key={drive.key} className="inline-flex items-center">
              <input
                type="text"
                inputMode="decimal"
                aria-label={`Drive ${index + 1} (TB)`}
                aria-invalid={error(`drive.${index}`) ? true : undefined}
                className={`input w-14 rounded-r-none text-right ${error(`drive.${index}`) ? "border-red-400" : ""}`}
                value={drive.tb}
                onChange={(event) => setDrive(drive.key, event.target.value)}
              />
              <button
                type="button"
                className="h-7 rounded-r border border-l-0 border-neutral-300 bg-neutral-50 px-1.5 text-[12px] text-neutral-500 hover:bg-red-50 hover:text-red-700"
                aria-label={`Remove drive ${index + 1}`}
                onClick={() => set({ drives: fields.drives.filter((d) => d.key !== drive.key) })}
              >
                ×
              </button>
            </span>
          ))}
          <button type="button" className="btn" onClick={() => set({ drives: [...fields.drives, { key: newKey("drive"), tb: fields.drives.at(-1)?.tb ?? "8" }] })}>
            + Drive
          </button>
        </div>
        {fields.drives.map((_, index) => error(`drive.${index}`)).filter(Boolean).length > 0 || error("drives") ? (
          <ul className="mt-0.5 text-[12px] text-red-700" role="alert">
            {[error("drives"), ...fields.drives.map((_, index) => error(`drive.${index}`))].filter(Boolean).map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        ) : null}
        <div className="mt-1 flex items-center gap-1.5 text-[12px] text-neutral-600">
          Set
          <input type="text" inputMode="numeric" aria-label="Drive count" className="input w-12 text-right" value={fillCount} onChange={(event) => setFillCount(event.target.value)} />×
          <input type="text" inputMode="decimal" aria-label="Drive size (TB)" className="input w-14 text-right" value={fillSize} onChange={(event) => setFillSize(event.target.value)} />
          TB
          <button type="button" className="btn" onClick={fill}>
            Set drives
          </button>
        </div>
      </div>
    </fieldset>
  );
}

function PlannedFields({ fields, set, error }: { fields: ScenarioFields; set: (patch: Partial<ScenarioFields>) => void; error: (key: string) => string | undefined }) {
  const update = (key: string, patch: Partial<PlannedRow>) => set({ planned: fields.planned.map((row) => (row.key === key ? { ...row, ...patch } : row)) });
  return (
    <fieldset className="space-y-1">
      <legend className="text-[12px] font-semibold text-neutral-600 uppercase">Planned models</legend>
      {fields.planned.length === 0 ? <p className="text-[12px] text-neutral-500">None: only the current library and growth count.</p> : null}
      {fields.planned.map((row, index) => {
        const rowErrors = ["model", "parameters", "quant", "versions"].map((f) => error(`planned.${index}.${f}`)).filter(Boolean);
        return (
          <div key={row.key} className="rounded border border-neutral-200 bg-neutral-50/60 p-1.5" data-testid="planned-row">
            <div className="flex flex-wrap items-center gap-1.5">
              <select aria-label={`Model ${index + 1} source`} className="input w-[7.5rem]" value={row.source} onChange={(event) => update(row.key, { source: event.target.value as PlannedRow["source"] })}>
                <option value="reference">Reference</option>
                <option value="parameters">By size</option>
              </select>
              {row.source === "reference" ? (
                <select aria-label={`Model ${index + 1}`} className="input min-w-0 flex-1" value={row.model} onChange={(event) => update(row.key, { model: event.target.value })}>
                  {REFERENCE_MODELS.map((model) => (
                    <option key={model.id} value={model.id}>
                      {model.name}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  type="text"
                  aria-label={`Model ${index + 1} parameters`}
                  placeholder="14B"
                  className={`input min-w-0 flex-1 ${error(`planned.${index}.parameters`) ? "border-red-400" : ""}`}
                  value={row.parameters}
                  onChange={(event) => update(row.key, { parameters: event.target.value })}
                />
              )}
              <button type="button" className="btn" aria-label={`Remove model ${index + 1}`} onClick={() => set({ planned: fields.planned.filter((r) => r.key !== row.key) })}>
                ×
              </button>
            </div>
            <div className="mt-1 flex flex-wrap items-center gap-1.5">
              <select aria-label={`Model ${index + 1} quantisation`} className="input w-[7.5rem] font-mono" value={row.quant} onChange={(event) => update(row.key, { quant: event.target.value })}>
                {QUANTS.map((quant) => (
                  <option key={quant.name} value={quant.name}>
                    {quant.name}
                  </option>
                ))}
              </select>
              <input
                type="text"
                aria-label={`Model ${index + 1} more quantisations`}
                placeholder="+ Q8_0, F16"
                className={`input min-w-0 flex-1 font-mono ${error(`planned.${index}.quant`) ? "border-red-400" : ""}`}
                value={row.extraQuants}
                onChange={(event) => update(row.key, { extraQuants: event.target.value })}
              />
              <label className="flex items-center gap-1 text-[12px] text-neutral-600">
                versions
                <input
                  type="text"
                  inputMode="numeric"
                  aria-label={`Model ${index + 1} versions kept`}
                  className={`input w-12 text-right ${error(`planned.${index}.versions`) ? "border-red-400" : ""}`}
                  value={row.versions}
                  onChange={(event) => update(row.key, { versions: event.target.value })}
                />
              </label>
            </div>
            {rowErrors.length > 0 ? (
              <ul role="alert" className="mt-0.5 text-[12px] text-red-700">
                {rowErrors.map((message) => (
                  <li key={message}>{message}</li>
                ))}
              </ul>
            ) : null}
          </div>
        );
      })}
      <button type="button" className="btn" onClick={() => set({ planned: [...fields.planned, plannedRow()] })} data-testid="add-planned">
        + Model
      </button>
    </fieldset>
  );
}

function GrowthFields({ fields, set, error, currentBytes }: { fields: ScenarioFields; set: (patch: Partial<ScenarioFields>) => void; error: (key: string) => string | undefined; currentBytes: number }) {
  return (
    <fieldset className="space-y-2">
      <legend className="text-[12px] font-semibold text-neutral-600 uppercase">Growth and policy</legend>
      <div className="flex flex-wrap items-start gap-x-3 gap-y-2">
        <Field label="Models / quarter" htmlFor="scenario-growth" error={error("modelsPerQuarter")}>
          <input id="scenario-growth" type="text" inputMode="decimal" className="input w-20" value={fields.modelsPerQuarter} onChange={(event) => set({ modelsPerQuarter: event.target.value })} />
        </Field>
        <Field label="Horizon (years)" htmlFor="scenario-horizon" error={error("horizonYears")}>
          <input id="scenario-horizon" type="text" inputMode="decimal" className="input w-16" value={fields.horizonYears} onChange={(event) => set({ horizonYears: event.target.value })} />
        </Field>
        <div className="flex flex-col gap-0.5">
          <span className="text-[12px] font-medium text-neutral-700">Plan by</span>
          <div className="flex h-7 items-center gap-3" role="radiogroup" aria-label="Policy">
            <label className="flex items-center gap-1">
              <input type="radio" name="policy" checked={fields.policy === "exact"} onChange={() => set({ policy: "exact" })} />
              estimate
            </label>
            <label className="flex items-center gap-1" title="20 GB per 7B, 50 GB per 14B, 100 GB per 32B model at Q4_K_M">
              <input type="radio" name="policy" checked={fields.policy === "rule-of-thumb"} onChange={() => set({ policy: "rule-of-thumb" })} />
              rule of thumb
            </label>
          </div>
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <label className="flex items-center gap-1.5">
          <input type="checkbox" checked={fields.includeCurrent} onChange={(event) => set({ includeCurrent: event.target.checked })} data-testid="include-current" />
          Include the current library
        </label>
        {fields.currentBytes === null ? (
          <span className="text-neutral-500" data-testid="current-bytes">
            ({formatDecimalBytes(currentBytes)} in the catalogue now, identical content once)
          </span>
        ) : (
          <>
            <span className="text-neutral-500" data-testid="current-bytes">
              ({formatDecimalBytes(fields.currentBytes)} as saved)
            </span>
            <button type="button" className="btn" onClick={() => set({ currentBytes: null })}>
              Use the catalogue now: {formatDecimalBytes(currentBytes)}
            </button>
          </>
        )}
      </div>
    </fieldset>
  );
}

function SaveBar({ input, loaded, onSaved, valid }: { input: ScenarioInput; loaded: SavedScenarioView | null; onSaved: (id: number) => void; valid: boolean }) {
  const [state, formAction, pending] = useActionState(saveScenarioAction, initialSaveScenarioState);
  const [name, setName] = useState(loaded?.name ?? "");
  const onSavedRef = useRef(onSaved);
  useEffect(() => {
    onSavedRef.current = onSaved;
  });
  // Once per answer (each is a new state object): the editor then edits the saved row.
  useEffect(() => {
    if (state.ok && state.savedId !== undefined) onSavedRef.current(state.savedId);
  }, [state]);
  return (
    <form action={formAction} aria-label="Save scenario" className="flex flex-wrap items-center gap-1.5 border-b border-neutral-200 px-3 py-2">
      <input type="hidden" name="id" value={loaded ? String(loaded.id) : ""} />
      <input type="hidden" name="scenarioJson" value={JSON.stringify(input)} />
      <input type="text" name="name" aria-label="Scenario name" placeholder="Scenario name" className="input w-56" value={name} onChange={(event) => setName(event.target.value)} required />
      <button type="submit" name="mode" value="update" className="btn btn-primary" disabled={pending || !valid}>
        {pending ? "Saving…" : loaded ? "Save" : "Save scenario"}
      </button>
      {loaded ? (
        <button type="submit" name="mode" value="new" className="btn" disabled={pending || !valid}>
          Save as new
        </button>
      ) : null}
      {loaded ? (
        <span className="ml-auto flex items-center gap-2 text-[12px]">
          <span className="text-neutral-500">Export</span>
          <a className="text-sky-700 hover:underline" href={`/api/v1/capacity/scenarios/${loaded.id}.json`} download data-testid="export-json">
            JSON
          </a>
          <a className="text-sky-700 hover:underline" href={`/api/v1/capacity/scenarios/${loaded.id}.csv`} download data-testid="export-csv">
            CSV
          </a>
        </span>
      ) : null}
      {state.message && !pending ? (
        <p role={state.ok ? "status" : "alert"} className={`w-full text-[12px] ${state.ok ? "text-emerald-700" : "text-red-700"}`} data-testid="save-message">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}

function Results({ result, fields }: { result: Evaluated; fields: ScenarioFields }) {
  const evaluation = result.evaluation;
  if (!evaluation) {
    return (
      <div className="card border-red-300 p-3" role="alert" data-testid="scenario-issues">
        <h3 className="font-semibold text-red-800">The scenario cannot be evaluated yet</h3>
        <ul className="mt-1 list-disc pl-5 text-red-800">
          {result.issues.map((issue, i) => (
            <li key={`${issue.path}:${i}`}>
              {issue.path ? <code className="font-mono text-[12px]">{issue.path}</code> : null} {issue.message}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  const policyExact = evaluation.policy === "exact";
  return (
    <div className="space-y-3" data-testid="scenario-results" data-fits={evaluation.fits}>
      <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
        <Figure label="Raw" bytes={evaluation.rawBytes} testId="cap-raw" tone="muted" note="Every drive, spares included, as sold" />
        <Figure label={`Usable · ${RAID_LABELS[fields.raid]}`} bytes={evaluation.usableBytes} testId="cap-usable" note="After RAID redundancy, before DSM partitions and filesystem" />
        <Figure label={`Volume · ${evaluation.nas.filesystem.name}`} bytes={evaluation.volumeBytes} testId="cap-volume" tone="muted" note={evaluation.nas.filesystem.reason} />
        <Figure label={`Fillable · ${evaluation.nas.reservePercent} % kept free`} bytes={evaluation.availableBytes} testId="cap-available" note="The volume minus the keep-free reserve" />
      </div>
      <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
        <div className={`card px-2.5 py-1.5 ${policyExact ? "ring-1 ring-sky-500" : ""}`} data-testid="required-exact">
          <div className="text-[10px] tracking-wide text-neutral-500 uppercase">Needed · estimate {policyExact ? "(plan)" : ""}</div>
          <div className="text-[17px] leading-6 font-semibold tabular-nums">{decimal(evaluation.requiredBytesExact)}</div>
          <div className="text-[11px] text-neutral-500 tabular-nums">{binary(evaluation.requiredBytesExact)}</div>
        </div>
        <div className={`card px-2.5 py-1.5 ${policyExact ? "" : "ring-1 ring-sky-500"}`} data-testid="required-rule">
          <div className="text-[10px] tracking-wide text-neutral-500 uppercase">Needed · rule of thumb {policyExact ? "" : "(plan)"}</div>
          <div className="text-[17px] leading-6 font-semibold tabular-nums">{decimal(evaluation.requiredBytesRuleOfThumb)}</div>
          <div className="text-[11px] text-neutral-500 tabular-nums">{binary(evaluation.requiredBytesRuleOfThumb)}</div>
        </div>
        <div className={`card px-2.5 py-1.5 ${evaluation.fits ? "border-emerald-300 bg-emerald-50" : "border-red-300 bg-red-50"}`} data-testid="fits">
          <div className="text-[10px] tracking-wide text-neutral-500 uppercase">{evaluation.fits ? "Fits · headroom" : "Does not fit · short"}</div>
          <div className={`text-[17px] leading-6 font-semibold tabular-nums ${evaluation.fits ? "text-emerald-800" : "text-red-700"}`} data-testid="headroom">
            {decimal(Math.abs(evaluation.headroomBytes))}
          </div>
          <div className="text-[11px] text-neutral-500 tabular-nums">{binary(Math.abs(evaluation.headroomBytes))}</div>
        </div>
        <div className={`card px-2.5 py-1.5 ${evaluation.fillDate ? "border-amber-300 bg-amber-50" : ""}`} data-testid="fill-date">
          <div className="text-[10px] tracking-wide text-neutral-500 uppercase">Pool full on</div>
          <div className={`text-[17px] leading-6 font-semibold tabular-nums ${evaluation.fillDate ? "text-amber-900" : "text-neutral-500"}`}>{evaluation.fillDate ?? "not within 20 years"}</div>
          <div className="text-[11px] text-neutral-500">
            {evaluation.growth ? `${formatDecimalBytes(evaluation.growth.bytesPerQuarter)} a quarter` : "no growth set"}
          </div>
        </div>
      </div>
      <div className="card p-2">
        <div className="flex items-baseline justify-between px-1">
          <h3 className="text-[12px] font-semibold text-neutral-700">Usage over time</h3>
          <span className="text-[11px] text-neutral-500">
            quarterly, {evaluation.policy === "exact" ? "by the estimate" : "by the rule of thumb"} · in {evaluation.horizonYears} years: {decimal(evaluation.requiredAtHorizonBytes)}
          </span>
        </div>
        <UsageChart points={evaluation.usageOverTime} volumeBytes={evaluation.volumeBytes} availableBytes={evaluation.availableBytes} fillDate={evaluation.fillDate} />
      </div>
      {evaluation.warnings.length > 0 ? (
        <ul className="card space-y-0.5 border-amber-300 bg-amber-50 px-3 py-1.5 text-amber-950" data-testid="scenario-warnings">
          {evaluation.warnings.map((warning) => (
            <li key={warning}>⚠ {warning}</li>
          ))}
        </ul>
      ) : null}
      <details className="card" open data-testid="scenario-explanations">
        <summary className="cursor-pointer px-3 py-1.5 text-[12px] font-semibold text-neutral-700 select-none">How this is worked out</summary>
        <ul className="list-disc space-y-0.5 border-t border-neutral-100 py-1.5 pr-3 pl-7 text-[12px] text-neutral-700">
          {evaluation.explanations.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ul>
      </details>
      {evaluation.planned.length > 0 ? (
        <div className="card">
          <table className="data-table" data-testid="planned-footprints">
            <thead>
              <tr>
                <th>Planned model</th>
                <th>Quantisations</th>
                <th className="text-right">Versions</th>
                <th className="text-right">Estimate</th>
                <th className="text-right">Rule of thumb</th>
              </tr>
            </thead>
            <tbody>
              {evaluation.planned.map((model, i) => (
                <tr key={`${model.label}:${i}`}>
                  <td>{model.label}</td>
                  <td className="font-mono text-[12px]">{model.quants.map((q) => `${q.quant} ${formatDecimalBytes(q.fileBytes)}`).join(" + ")}</td>
                  <td className="text-right">{model.versions}</td>
                  <td className="text-right">{formatDecimalBytes(model.exactBytes)}</td>
                  <td className="text-right">{formatDecimalBytes(model.ruleOfThumbBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <CardSection
        titleId="recommendations-title"
        testId="recommendations"
        title="What to buy instead"
        aside={<span className="text-[12px] text-neutral-500">holds {decimal(evaluation.requiredAtHorizonBytes)} after the reserve · cheapest first</span>}
      >
        {evaluation.recommendations.length === 0 ? (
          <p className="px-3 py-2 text-neutral-500">No configuration up to 12 × 24 TB holds this plan.</p>
        ) : (
          <table className="data-table">
            <thead>
              <tr>
                <th>Configuration</th>
                <th className="text-right">Unit</th>
                <th className="text-right">Raw</th>
                <th className="text-right">Usable</th>
                <th className="text-right">Fillable</th>
                <th className="text-right">Headroom</th>
                <th className="text-right">Survives</th>
              </tr>
            </thead>
            <tbody>
              {evaluation.recommendations.map((rec) => (
                <tr key={rec.label} data-testid="recommendation-row">
                  <td>
                    <span className="font-medium">
                      {rec.drives} × {rec.driveTB} TB {RAID_LABELS[rec.raid]}
                    </span>
                    {rec.alsoAs.length > 0 ? <span className="text-neutral-500"> = {rec.alsoAs.map((level) => RAID_LABELS[level]).join(" / ")}</span> : null}
                    {rec.hotSpares > 0 ? <span className="text-neutral-500"> + {rec.hotSpares} spare</span> : null}
                  </td>
                  <td className="text-right whitespace-nowrap">
                    {rec.bays}-bay{rec.freeBays > 0 ? <span className="text-neutral-500"> ({rec.freeBays} free)</span> : null}
                  </td>
                  <td className="text-right">{formatTB(rec.rawBytes)}</td>
                  <td className="text-right">{formatTB(rec.usableBytes)}</td>
                  <td className="text-right">{formatTB(rec.availableBytes)}</td>
                  <td className="text-right text-emerald-800">{formatTB(rec.headroomBytes)}</td>
                  <td className="text-right whitespace-nowrap">
                    {rec.faultTolerance} drive{rec.faultTolerance === 1 ? "" : "s"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CardSection>
    </div>
  );
}

function SavedList({ saved, loadedId, onLoad }: { saved: SavedScenarioView[]; loadedId: number | null; onLoad: (scenario: SavedScenarioView) => void }) {
  return (
    <CardSection titleId="saved-title" testId="saved-scenarios" title={`Saved scenarios (${saved.length})`}>
      {saved.length === 0 ? (
        <p className="px-3 py-2 text-neutral-500">None yet: save the scenario above to keep it.</p>
      ) : (
        <table className="data-table">
          <tbody>
            {saved.map((scenario) => (
              <tr key={scenario.id} data-testid="saved-scenario" data-scenario-id={scenario.id} className={scenario.id === loadedId ? "bg-sky-50/70" : undefined}>
                <td className="font-medium">
                  {scenario.name} {scenario.id === loadedId ? <Badge tone="blue">editing</Badge> : null}
                  {scenario.error ? <div className="text-[12px] font-normal text-red-700">{scenario.error}</div> : null}
                </td>
                <td className="text-[12px] whitespace-nowrap text-neutral-500">{formatDateTime(scenario.updatedAt)}</td>
                <td className="whitespace-nowrap">
                  <div className="flex items-center justify-end gap-1.5">
                    <button type="button" className="btn" onClick={() => onLoad(scenario)} disabled={scenario.id === loadedId}>
                      Load
                    </button>
                    <a className="btn" href={`/api/v1/capacity/scenarios/${scenario.id}.json`} download>
                      JSON
                    </a>
                    <a className="btn" href={`/api/v1/capacity/scenarios/${scenario.id}.csv`} download>
                      CSV
                    </a>
                    <ActionButton action={deleteScenarioAction} fields={{ id: String(scenario.id) }} label="Delete" variant="danger" confirmText={`Delete the scenario ${scenario.name}?`} />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </CardSection>
  );
}

export function ScenarioEditor({ now, currentBytes, saved, initialId }: { now: string; currentBytes: number; saved: SavedScenarioView[]; initialId: number | null }) {
  const initial = saved.find((s) => s.id === initialId) ?? null;
  const [loadedId, setLoadedId] = useState<number | null>(initial?.id ?? null);
  const [fields, setFields] = useState<ScenarioFields>(() => (initial ? fieldsFromScenario(initial.scenario) : defaultScenarioFields()));
  // The save bar keeps its own name field: a new one whenever another scenario is loaded.
  const [saveBarKey, setSaveBarKey] = useState(0);
  const set = (patch: Partial<ScenarioFields>) => setFields((current) => ({ ...current, ...patch }));
  const nowDate = useMemo(() => new Date(now), [now]);
  const result = useMemo(() => evaluate(fields, currentBytes, nowDate), [fields, currentBytes, nowDate]);
  // A scenario deleted while loaded is edited as a new one.
  const loaded = saved.find((s) => s.id === loadedId) ?? null;
  const error = (key: string) => result.issues.find((issue) => issue.key === key)?.message;

  const load = (scenario: SavedScenarioView | null) => {
    setLoadedId(scenario?.id ?? null);
    setFields(scenario ? fieldsFromScenario(scenario.scenario) : defaultScenarioFields());
    setSaveBarKey((k) => k + 1);
    window.history.replaceState(null, "", scenario ? `/capacity?scenario=${scenario.id}` : "/capacity");
  };
  const onSaved = (id: number) => {
    setLoadedId(id);
    window.history.replaceState(null, "", `/capacity?scenario=${id}`);
  };

  return (
    <div className="space-y-3">
      <div className="grid items-start gap-3 xl:grid-cols-[30rem_minmax(0,1fr)]" data-testid="scenario-editor">
        <section className="card" aria-labelledby="scenario-title">
          <div className="flex items-center justify-between border-b border-neutral-200 px-3 py-2">
            <h2 id="scenario-title" className="text-[13px] font-semibold">
              Scenario {loaded ? <span className="font-normal text-neutral-500">· {loaded.name}</span> : <span className="font-normal text-neutral-500">· new</span>}
            </h2>
            <button type="button" className="btn" onClick={() => load(null)}>
              New
            </button>
          </div>
          <SaveBar key={saveBarKey} input={result.input} loaded={loaded} onSaved={onSaved} valid={result.evaluation !== null} />
          <div className="space-y-3 p-3">
            <NasFields fields={fields} set={set} error={error} />
            <PlannedFields fields={fields} set={set} error={error} />
            <GrowthFields fields={fields} set={set} error={error} currentBytes={currentBytes} />
          </div>
        </section>
        <Results result={result} fields={fields} />
      </div>
      <SavedList saved={saved} loadedId={loaded?.id ?? null} onLoad={load} />
    </div>
  );
}
