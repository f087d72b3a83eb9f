"use client";
// Push a catalogue model to a host now, or assign it (the desired state a
// reconcile enforces). Models are picked by reference; the methods offered are
// the ones the chosen host can receive (Ollama: upload or pull; llama-server:
// copy into its models directory, or a preset entry when it reads the NAS).
import { startTransition, useActionState, useState, type FormEvent } from "react";
import type { PushMethod } from "../../lib/hosts/types.ts";
import { initialActionState } from "../libraries/action-state.ts";
import { assignModelAction, pushModelAction } from "./actions.ts";

export interface PushHostOption {
  id: number;
  name: string;
  /** Allowed methods, the default first. */
  methods: PushMethod[];
  enabled: boolean;
  /** llama-server hosts can load the model right after the push. */
  canLoad: boolean;
}

export interface PushModelOption {
  ref: string;
  label: string;
}

const methodText: Record<PushMethod, string> = {
  upload: "upload — sent to the host's API",
  pull: "pull — the host pulls from ModelShelf",
  copy: "copy — into its models directory",
  preset: "preset — it reads the NAS itself",
};

function Message({ ok, message, testId }: { ok: boolean; message: string | null; testId: string }) {
  if (!message) return null;
  return (
    <span role={ok ? "status" : "alert"} className={`text-[12px] ${ok ? "text-emerald-700" : "text-red-700"}`} data-testid={testId}>
      {message}
    </span>
  );
}

function ModelSelect({ id, models, label }: { id: string; models: PushModelOption[]; label: string }) {
  // Shown even with one choice: the admin must see which model a push or assignment is about.
  return (
    <div className="flex flex-col gap-0.5">
      <label htmlFor={id} className="text-[12px] font-medium text-neutral-700">
        {label}
      </label>
      <select id={id} name="model" className="input w-[26rem] max-w-full font-mono text-[12px]">
        {models.map((model) => (
          <option key={model.ref} value={model.ref}>
            {model.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function PushForm({ hosts, models, testId = "push-form" }: { hosts: PushHostOption[]; models: PushModelOption[]; testId?: string }) {
  const [state, formAction, pending] = useActionState(pushModelAction, initialActionState);
  const firstEnabled = hosts.find((host) => host.enabled) ?? hosts[0];
  const [hostId, setHostId] = useState(firstEnabled ? String(firstEnabled.id) : "");
  const host = hosts.find((h) => String(h.id) === hostId);
  const idPrefix = `${testId}-`;
  // Submitted by hand rather than through the action prop: React resets a form after its
  // action, which would put the host select back on the first host while the methods
  // shown stay those of the chosen one. Keeping the choices also suits pushing to one host in turn.
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    startTransition(() => formAction(data));
  };
  if (hosts.length === 0 || models.length === 0) return null;
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2" aria-label="Push a model" data-testid={testId}>
      {hosts.length === 1 ? (
        <input type="hidden" name="hostId" value={hostId} />
      ) : (
        <div className="flex flex-col gap-0.5">
          <label htmlFor={`${idPrefix}host`} className="text-[12px] font-medium text-neutral-700">
            Host
          </label>
          <select id={`${idPrefix}host`} name="hostId" value={hostId} onChange={(event) => setHostId(event.target.value)} className="input w-52">
            {hosts.map((option) => (
              <option key={option.id} value={String(option.id)} disabled={!option.enabled}>
                {option.name}
                {option.enabled ? "" : " (disabled)"}
              </option>
            ))}
          </select>
        </div>
      )}
      <ModelSelect id={`${idPrefix}model`} models={models} label="Model" />
      <div className="flex flex-col gap-0.5">
        <label htmlFor={`${idPrefix}method`} className="text-[12px] font-medium text-neutral-700">
          Method
        </label>
        {/* Keyed by host: another host's methods replace the options and the default. */}
        <select key={hostId} id={`${idPrefix}method`} name="method" defaultValue={host?.methods[0]} className="input">
          {(host?.methods ?? []).map((method) => (
            <option key={method} value={method}>
              {methodText[method]}
            </option>
          ))}
        </select>
      </div>
      {host?.canLoad ? (
        <label className="flex items-center gap-1 self-center text-[12px] text-neutral-700" title="POST /models/load once the model is in place: the push fails if the host cannot run it">
          <input type="checkbox" name="load" data-testid={`${testId}-load`} /> Load after push
        </label>
      ) : null}
      <button type="submit" className="btn btn-primary" disabled={pending || !host?.enabled} data-testid={`${testId}-submit`}>
        {pending ? "Queuing…" : "Push"}
      </button>
      {!pending ? <Message ok={state.ok} message={state.message} testId={`${testId}-message`} /> : null}
    </form>
  );
}

export function AssignForm({ hostId, methods, models }: { hostId: number; methods: PushMethod[]; models: PushModelOption[] }) {
  const [state, formAction, pending] = useActionState(assignModelAction, initialActionState);
  if (models.length === 0) return null;
  return (
    <form action={formAction} className="flex flex-wrap items-end gap-2" aria-label="Assign a model" data-testid="assign-form">
      <input type="hidden" name="hostId" value={hostId} />
      <ModelSelect id="assign-model" models={models} label="Model" />
      <div className="flex flex-col gap-0.5">
        <label htmlFor="assign-method" className="text-[12px] font-medium text-neutral-700">
          Method
        </label>
        <select id="assign-method" name="method" defaultValue="auto" className="input">
          <option value="auto">auto (the host&apos;s default: {methods[0]})</option>
          {methods.map((method) => (
            <option key={method} value={method}>
              {method}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="btn" disabled={pending} data-testid="assign-submit">
        {pending ? "Assigning…" : "Assign"}
      </button>
      {!pending ? <Message ok={state.ok} message={state.message} testId="assign-message" /> : null}
    </form>
  );
}
