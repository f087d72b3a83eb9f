"use client";
// Host profiles: the list (Edit fills the form, Delete asks first) and the
// add/edit form with GPU rows that can be added and removed. Validation
// errors come back from the server action and sit next to their field.
import { useActionState, useEffect, useRef, useState } from "react";
import { formatBytes } from "../../lib/catalog/format.ts";
import { CardSection } from "../_components/card-section.tsx";
import { ActionButton } from "../libraries/action-button.tsx";
import { deleteHostProfileAction, saveHostProfileAction } from "./actions.ts";
import { emptyHostProfileValues, initialHostProfileFormState, type HostProfileFormValues } from "./form-state.ts";
import type { HostProfileView } from "./profile-view.ts";
import { Labelled } from "../_components/labelled.tsx";

/** What a host offers, in one line: "64 GiB RAM · RTX 4090 24.0 GiB" or "64 GiB unified (48.0 GiB for the GPU)". */
export function hostSummary(profile: HostProfileView): string {
  const host = profile.host;
  if (!host) return profile.error ?? "unusable";
  const ram = `${formatBytes(host.ramBytes)} RAM`;
  const reserve = `${formatBytes(host.osReserveBytes)} OS reserve`;
  if (host.unifiedMemory) {
    const gpu = host.gpus[0];
    return `${ram}, unified · ${gpu ? `${gpu.name}: ${formatBytes(gpu.vramBytes)} usable (${Math.round((host.usableShare ?? 0) * 100)} %)` : ""} · ${reserve}`;
  }
  const gpus = host.gpus.length === 0 ? "no GPU" : host.gpus.map((gpu) => `${gpu.name} ${formatBytes(gpu.vramBytes)}`).join(" + ");
  return `${ram} · ${gpus} · ${reserve}`;
}

function FieldError({ id, error }: { id: string; error: string | undefined }) {
  if (!error) return null;
  return (
    <p id={id} role="alert" className="text-[12px] text-red-700" data-testid={`profile-error-${id.replace(/^profile-/, "").replace(/-error$/, "")}`}>
      {error}
    </p>
  );
}

let rowKeys = 0;
const newRowKey = () => `gpu-${++rowKeys}`;

function ProfileForm({ initial, onSaved, onCancel }: { initial: HostProfileFormValues; onSaved: (message: string) => void; onCancel: () => void }) {
  const [state, formAction, pending] = useActionState(saveHostProfileAction, initialHostProfileFormState);
  const onSavedRef = useRef(onSaved);
  useEffect(() => {
    onSavedRef.current = onSaved;
  });
  const values = state.values ?? initial;
  const [unified, setUnified] = useState(values.unifiedMemory);
  const [gpus, setGpus] = useState(() => values.gpus.map((gpu) => ({ ...gpu, key: newRowKey() })));
  const error = (key: string) => state.fieldErrors[key];
  const editing = values.id !== "";

  // Once per successful submission (each answer is a new state object): the parent starts a fresh form.
  useEffect(() => {
    if (state.ok) onSavedRef.current(state.message ?? "Saved.");
  }, [state]);

  const input = (name: string, key: string = name) => ({
    id: `profile-${key}`,
    name,
    "aria-invalid": error(key) ? true : undefined,
    "aria-describedby": error(key) ? `profile-${key}-error` : undefined,
  });
  const invalid = (key: string) => (error(key) ? "border-red-400" : "");

  return (
    <form action={formAction} aria-label={editing ? `Edit host profile ${initial.name}` : "Add host profile"} className="space-y-2 p-3" noValidate data-testid="profile-form">
      <input type="hidden" name="id" value={values.id} />
      <div className="flex flex-wrap items-start gap-x-3 gap-y-2">
        <Labelled htmlFor="profile-name" label="Name" className="w-64">
          <input type="text" defaultValue={values.name} placeholder="gpu-box-1" autoComplete="off" className={`input w-full ${invalid("name")}`} {...input("name")} />
          <FieldError id="profile-name-error" error={error("name")} />
        </Labelled>
        <Labelled htmlFor="profile-ramGB" label="RAM (GB)" className="w-28">
          <input type="text" inputMode="decimal" defaultValue={values.ramGB} placeholder="64" className={`input w-full ${invalid("ramGB")}`} {...input("ramGB")} />
          <FieldError id="profile-ramGB-error" error={error("ramGB")} />
        </Labelled>
        <Labelled htmlFor="profile-osReserveGB" label="OS reserve (GB)" hint="Empty: 2 GB." className="w-32">
          <input type="text" inputMode="decimal" defaultValue={values.osReserveGB} placeholder="2" className={`input w-full ${invalid("osReserveGB")}`} {...input("osReserveGB")} />
          <FieldError id="profile-osReserveGB-error" error={error("osReserveGB")} />
        </Labelled>
        <div className="flex flex-col gap-0.5">
          <span className="text-[12px] font-medium text-neutral-700">Memory</span>
          <label className="flex h-7 items-center gap-1.5">
            <input type="checkbox" name="unifiedMemory" checked={unified} onChange={(event) => setUnified(event.target.checked)} data-testid="profile-unified" />
            Unified (Apple silicon)
          </label>
        </div>
        {unified ? (
          <Labelled htmlFor="profile-usableSharePercent" label="GPU share (%)" hint="Empty: 67 % ≤ 36 GB, else 75 %." className="w-44">
            <input type="text" inputMode="decimal" defaultValue={values.usableSharePercent} placeholder="auto" className={`input w-full ${invalid("usableSharePercent")}`} {...input("usableSharePercent")} />
            <FieldError id="profile-usableSharePercent-error" error={error("usableSharePercent")} />
          </Labelled>
        ) : null}
      </div>
      <fieldset className="space-y-1">
        <legend className="text-[12px] font-medium text-neutral-700">GPUs {unified ? <span className="font-normal text-neutral-500">(the integrated GPU uses the share of RAM above)</span> : null}</legend>
        {gpus.length === 0 ? <p className="text-[12px] text-neutral-500">No GPU: models run on the CPU.</p> : null}
        {gpus.map((gpu, index) => (
          <div key={gpu.key} className="flex flex-wrap items-start gap-2" data-testid="profile-gpu-row">
            <div>
              <input
                type="text"
                name="gpuName"
                aria-label={`GPU ${index + 1} name`}
                defaultValue={gpu.name}
                placeholder={unified ? "M2 Ultra" : "RTX 4090"}
                autoComplete="off"
                className={`input w-56 ${invalid(`gpus.${index}.name`)}`}
              />
              <FieldError id={`profile-gpus.${index}.name-error`} error={error(`gpus.${index}.name`)} />
            </div>
            {unified ? (
              <input type="hidden" name="gpuVramGB" value="" />
            ) : (
              <div>
                <input
                  type="text"
                  name="gpuVramGB"
                  inputMode="decimal"
                  aria-label={`GPU ${index + 1} VRAM (GB)`}
                  defaultValue={gpu.vramGB}
                  placeholder="VRAM GB"
                  className={`input w-28 ${invalid(`gpus.${index}.vramGB`)}`}
                />
                <FieldError id={`profile-gpus.${index}.vramGB-error`} error={error(`gpus.${index}.vramGB`)} />
              </div>
            )}
            <button type="button" className="btn" aria-label={`Remove GPU ${index + 1}`} onClick={() => setGpus((rows) => rows.filter((row) => row.key !== gpu.key))}>
              Remove
            </button>
          </div>
        ))}
        <FieldError id="profile-gpus-error" error={error("gpus")} />
        {unified && gpus.length > 0 ? null : (
          <button type="button" className="btn" onClick={() => setGpus((rows) => [...rows, { name: "", vramGB: "", key: newRowKey() }])} data-testid="profile-add-gpu">
            + Add GPU
          </button>
        )}
      </fieldset>
      <div className="flex items-center gap-2 border-t border-neutral-100 pt-2">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? "Saving…" : editing ? "Save profile" : "Add profile"}
        </button>
        {editing ? (
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
        {state.message && !state.ok && !pending ? (
          <span role="alert" className="text-[12px] text-red-700" data-testid="profile-form-message">
            {state.message}
          </span>
        ) : null}
      </div>
    </form>
  );
}

export function HostProfiles({ profiles }: { profiles: HostProfileView[] }) {
  const [editing, setEditing] = useState<HostProfileView | null>(null);
  // A new form (fresh fields) after each save or cancel, and whenever another profile is picked for editing.
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const reset = (message: string | null) => {
    setEditing(null);
    setNotice(message);
    setGeneration((g) => g + 1);
  };
  return (
    <CardSection titleId="profiles-title" testId="host-profiles" title={`Host profiles (${profiles.length})`} aside={<span className="text-[12px] text-neutral-500">Memory sizes in GB of 2^30 bytes, as memory is sold</span>}>
      {profiles.length === 0 ? (
        <p className="px-3 py-2 text-neutral-500">No host profiles yet: add the machines you run models on.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Memory</th>
              <th className="w-1" />
            </tr>
          </thead>
          <tbody>
            {profiles.map((profile) => (
              <tr key={profile.id} data-testid="profile-row" data-profile-id={profile.id} className={editing?.id === profile.id ? "bg-sky-50/70" : undefined}>
                <td className="font-medium whitespace-nowrap">{profile.name}</td>
                <td className={profile.host ? "text-neutral-700" : "text-red-700"}>{hostSummary(profile)}</td>
                <td className="whitespace-nowrap">
                  <div className="flex items-center gap-1.5">
                    <button
                      type="button"
                      className="btn"
                      onClick={() => {
                        setEditing(profile);
                        setNotice(null);
                        setGeneration((g) => g + 1);
                      }}
                    >
                      Edit
                    </button>
                    <ActionButton action={deleteHostProfileAction} fields={{ id: String(profile.id) }} label="Delete" variant="danger" confirmText={`Delete the host profile ${profile.name}?`} />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="border-t border-neutral-200">
        <div className="flex items-baseline gap-3 px-3 pt-2">
          <h3 className="text-[12px] font-semibold text-neutral-600 uppercase">{editing ? `Edit ${editing.name}` : "Add a host profile"}</h3>
          {notice ? (
            <span role="status" className="text-[12px] text-emerald-700" data-testid="profile-form-notice">
              {notice}
            </span>
          ) : null}
        </div>
        <ProfileForm key={generation} initial={editing?.values ?? emptyHostProfileValues} onSaved={(message) => reset(message)} onCancel={() => reset(null)} />
      </div>
    </CardSection>
  );
}
