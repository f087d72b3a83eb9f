"use client";
// Add or edit an inference host. The kind decides what else is asked: an
// Ollama host only needs its URL; a llama-server host receives models either
// copied into its models directory or by reading the NAS itself, through a
// preset file ModelShelf writes and a map of how it sees each library root.
// Fields of the other choice stay in the form (hidden) so switching back keeps
// them; each invalid field shows the schema's message next to it.
import { useActionState, useState } from "react";
import { saveHostAction } from "./actions.ts";
import { initialHostFormState, type HostFormValues } from "./form-state.ts";
import { Labelled } from "../_components/labelled.tsx";

export interface ProfileOption {
  id: number;
  name: string;
}

function FieldError({ name, error }: { name: string; error: string | undefined }) {
  if (!error) return null;
  return (
    <p id={`host-${name}-error`} role="alert" className="text-[12px] text-red-700" data-testid={`host-error-${name}`}>
      {error}
    </p>
  );
}

let rowKeys = 0;
const newRowKey = () => `path-${++rowKeys}`;

const URL_PLACEHOLDER: Record<string, string> = { ollama: "http://10.0.0.5:11434", "llama-server": "http://10.0.0.6:8080" };

function HostFields({ values, errors, profiles }: { values: HostFormValues; errors: Record<string, string>; profiles: ProfileOption[] }) {
  const [kind, setKind] = useState(values.kind === "llama-server" ? "llama-server" : "ollama");
  const [delivery, setDelivery] = useState(values.delivery === "nas-direct" ? "nas-direct" : "models-dir");
  const [rows, setRows] = useState(() => (values.pathMap.length > 0 ? values.pathMap : [{ from: "", to: "" }]).map((row) => ({ ...row, key: newRowKey() })));
  const llama = kind === "llama-server";
  const input = (name: string) => ({
    id: `host-${name}`,
    name,
    "aria-invalid": errors[name] ? true : undefined,
    "aria-describedby": errors[name] ? `host-${name}-error` : undefined,
  });
  const invalid = (key: string) => (errors[key] ? "border-red-400" : "");
  const pathMapError = errors.pathMap;

  return (
    <>
      <div className="flex flex-wrap items-start gap-x-3 gap-y-2">
        <Labelled htmlFor="host-name" label="Name" className="w-52">
          <input type="text" defaultValue={values.name} placeholder="gpu-box-1" autoComplete="off" spellCheck={false} className={`input w-full ${invalid("name")}`} {...input("name")} />
          <FieldError name="name" error={errors.name} />
        </Labelled>
        <fieldset className="flex flex-col gap-0.5">
          <legend className="mb-0.5 text-[12px] font-medium text-neutral-700">Kind</legend>
          <div className="flex h-7 items-center gap-3" role="radiogroup">
            {(["ollama", "llama-server"] as const).map((option) => (
              <label key={option} className="flex items-center gap-1.5">
                <input type="radio" name="kind" value={option} checked={kind === option} onChange={() => setKind(option)} data-testid={`host-kind-${option}`} />
                {option === "ollama" ? "Ollama" : "llama-server"}
              </label>
            ))}
          </div>
          <FieldError name="kind" error={errors.kind} />
        </fieldset>
        <Labelled htmlFor="host-baseUrl" label="Base URL" className="w-72">
          <input type="text" inputMode="url" defaultValue={values.baseUrl} placeholder={URL_PLACEHOLDER[kind]} autoComplete="off" spellCheck={false} className={`input w-full font-mono ${invalid("baseUrl")}`} {...input("baseUrl")} />
          <FieldError name="baseUrl" error={errors.baseUrl} />
        </Labelled>
        <Labelled htmlFor="host-hostProfileId" label="Host profile" hint="RAM and VRAM, from the Fit page." className="w-64">
          <select defaultValue={values.hostProfileId} className={`input w-full ${invalid("hostProfileId")}`} {...input("hostProfileId")}>
            <option value="">None</option>
            {profiles.map((profile) => (
              <option key={profile.id} value={String(profile.id)}>
                {profile.name}
              </option>
            ))}
          </select>
          <FieldError name="hostProfileId" error={errors.hostProfileId} />
        </Labelled>
      </div>

      <fieldset hidden={!llama} className="space-y-2 rounded border border-neutral-200 px-2.5 pt-1 pb-2" data-testid="llama-delivery">
        <legend className="px-1 text-[12px] font-medium text-neutral-700">How the llama-server host receives models</legend>
        <div className="flex flex-wrap gap-x-5 gap-y-1">
          <label className="flex items-center gap-1.5">
            <input type="radio" name="delivery" value="models-dir" checked={delivery === "models-dir"} onChange={() => setDelivery("models-dir")} data-testid="host-delivery-models-dir" />
            Copied into its models directory <span className="text-neutral-500">(--models-dir)</span>
          </label>
          <label className="flex items-center gap-1.5">
            <input type="radio" name="delivery" value="nas-direct" checked={delivery === "nas-direct"} onChange={() => setDelivery("nas-direct")} data-testid="host-delivery-nas-direct" />
            It reads the NAS directly <span className="text-neutral-500">(--models-preset)</span>
          </label>
        </div>
        <FieldError name="delivery" error={errors.delivery} />
        <div hidden={delivery !== "models-dir"}>
          <Labelled htmlFor="host-modelsDir" label="Models directory" hint="Where ModelShelf copies files: a path here, or nfs://host/export/path." className="max-w-[40rem]">
            <input type="text" defaultValue={values.modelsDir} placeholder="/mnt/gpu-box/models or nfs://gpu-box/srv/models" autoComplete="off" spellCheck={false} className={`input w-full font-mono ${invalid("modelsDir")}`} {...input("modelsDir")} />
            <FieldError name="modelsDir" error={errors.modelsDir} />
          </Labelled>
        </div>
        <div hidden={delivery !== "nas-direct"} className="space-y-2">
          <Labelled htmlFor="host-presetPath" label="Preset file" hint="The INI file ModelShelf writes and the host was started with." className="max-w-[40rem]">
            <input type="text" defaultValue={values.presetPath} placeholder="/mnt/gpu-box/etc/llama/presets.ini" autoComplete="off" spellCheck={false} className={`input w-full font-mono ${invalid("presetPath")}`} {...input("presetPath")} />
            <FieldError name="presetPath" error={errors.presetPath} />
          </Labelled>
          <div className="space-y-1" role="group" aria-labelledby="host-pathmap-label">
            <div id="host-pathmap-label" className="text-[12px] font-medium text-neutral-700">
              Path map <span className="font-normal text-neutral-500">— how the host sees each library root</span>
            </div>
            {rows.map((row, index) => (
              <div key={row.key} className="flex flex-wrap items-start gap-1.5" data-testid="host-pathmap-row">
                <div>
                  <input
                    type="text"
                    name="pathFrom"
                    defaultValue={row.from}
                    aria-label={`Path map ${index + 1}: library path`}
                    placeholder="nfs://nas/volume1/models"
                    autoComplete="off"
                    spellCheck={false}
                    className={`input w-80 font-mono ${invalid(`pathMap.${index}.from`)}`}
                  />
                  <FieldError name={`pathMap.${index}.from`} error={errors[`pathMap.${index}.from`]} />
                </div>
                <span className="leading-7 text-neutral-500" aria-hidden>
                  →
                </span>
                <div>
                  <input
                    type="text"
                    name="pathTo"
                    defaultValue={row.to}
                    aria-label={`Path map ${index + 1}: path on the host`}
                    placeholder="/mnt/models"
                    autoComplete="off"
                    spellCheck={false}
                    className={`input w-64 font-mono ${invalid(`pathMap.${index}.to`)}`}
                  />
                  <FieldError name={`pathMap.${index}.to`} error={errors[`pathMap.${index}.to`]} />
                </div>
                <button type="button" className="btn" aria-label={`Remove path map row ${index + 1}`} onClick={() => setRows((current) => current.filter((r) => r.key !== row.key))}>
                  Remove
                </button>
              </div>
            ))}
            <FieldError name="pathMap" error={pathMapError} />
            <button type="button" className="btn" onClick={() => setRows((current) => [...current, { from: "", to: "", key: newRowKey() }])} data-testid="host-add-pathmap">
              + Add mapping
            </button>
          </div>
        </div>
      </fieldset>

      <div className="flex flex-wrap items-center gap-x-5 gap-y-1">
        <label className="flex items-center gap-1.5">
          <input type="checkbox" name="enabled" defaultChecked={values.enabled} />
          Enabled <span className="text-neutral-500">(polled; pushes and reconciles allowed)</span>
        </label>
        <label className="flex items-center gap-1.5">
          <input type="checkbox" name="autoReconcile" defaultChecked={values.autoReconcile} data-testid="host-autoReconcile" />
          Auto-reconcile <span className="text-neutral-500">(repair drift after every poll: push what is assigned, remove what ModelShelf pushed and is not)</span>
        </label>
      </div>
    </>
  );
}

export function HostForm({ initial, profiles }: { initial: HostFormValues; profiles: ProfileOption[] }) {
  const [state, formAction, pending] = useActionState(saveHostAction, initialHostFormState);
  const values = state.values ?? initial;
  const editing = initial.id !== "";
  return (
    // Keyed by the outcome: a rejected form re-renders with what was typed, a saved new host with an empty form.
    <form key={JSON.stringify(state)} action={formAction} aria-label={editing ? `Edit host ${initial.name}` : "Add host"} className="space-y-2.5 p-3" noValidate data-testid="host-form">
      <input type="hidden" name="id" value={initial.id} />
      <HostFields values={values} errors={state.fieldErrors} profiles={profiles} />
      <div className="flex flex-wrap items-center gap-2 border-t border-neutral-100 pt-2">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? "Saving…" : editing ? "Save host" : "Add host"}
        </button>
        {state.message && !pending ? (
          <span role={state.ok ? "status" : "alert"} className={`text-[12px] ${state.ok ? "text-emerald-700" : "text-red-700"}`} data-testid="host-form-message">
            {state.message}
          </span>
        ) : null}
      </div>
    </form>
  );
}
