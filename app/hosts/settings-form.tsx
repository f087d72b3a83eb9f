"use client";
// Push and poll settings. Each invalid field shows its own message next to it
// and the typed values are kept; a saved form shows the stored values.
import { useActionState } from "react";
import { SettingField } from "../_components/setting-field.tsx";
import type { HostsSettings } from "../../lib/settings/hosts-settings.ts";
import { initialSettingsFormState } from "../integrity/settings-state.ts";
import { saveHostsSettingsAction } from "./actions.ts";

export function HostsSettingsForm({ settings }: { settings: HostsSettings }) {
  const [state, formAction, pending] = useActionState(saveHostsSettingsAction, initialSettingsFormState);
  // A rejected form keeps what was typed; otherwise the stored settings are the defaults.
  const values = state.values ?? {
    pushBandwidthMBps: settings.pushBandwidthMBps === null ? "" : String(settings.pushBandwidthMBps),
    pushConcurrency: String(settings.pushConcurrency),
    pollIntervalSeconds: String(settings.pollIntervalSeconds),
    requestTimeoutSeconds: String(settings.requestTimeoutSeconds),
  };
  const error = (name: string) => state.fieldErrors[name];
  const inputProps = (name: string) => ({
    id: `hosts-setting-${name}`,
    name,
    defaultValue: String(values[name] ?? ""),
    "aria-invalid": error(name) ? true : undefined,
    "aria-describedby": error(name) ? `hosts-setting-${name}-error` : undefined,
    className: `input w-28 ${error(name) ? "border-red-400" : ""}`,
  });

  return (
    // Keyed by the outcome so a rejected submission re-renders with the typed values as defaults.
    <form key={JSON.stringify(state)} action={formAction} aria-label="Push and poll settings" className="space-y-3 p-3" noValidate data-testid="hosts-settings-form">
      <div className="grid grid-cols-1 gap-x-4 gap-y-2 sm:grid-cols-2 lg:grid-cols-4">
        <SettingField idPrefix="hosts-setting" name="pushBandwidthMBps" label="Push read cap (MB/s)" hint="For all pushes together, read from the NAS. Empty = unlimited." error={error("pushBandwidthMBps")}>
          <input type="number" min={0} step="any" placeholder="unlimited" {...inputProps("pushBandwidthMBps")} />
        </SettingField>
        <SettingField idPrefix="hosts-setting" name="pushConcurrency" label="Pushes at once" hint="1–8. Two keeps one slow host from holding up the rest." error={error("pushConcurrency")}>
          <input type="number" min={1} max={8} step={1} {...inputProps("pushConcurrency")} />
        </SettingField>
        <SettingField idPrefix="hosts-setting" name="pollIntervalSeconds" label="Poll every (seconds)" hint="10 s – 24 h, for every enabled host." error={error("pollIntervalSeconds")}>
          <input type="number" min={10} step={1} {...inputProps("pollIntervalSeconds")} />
        </SettingField>
        <SettingField idPrefix="hosts-setting" name="requestTimeoutSeconds" label="Request timeout (seconds)" hint="1–600, per host API call (not a whole transfer)." error={error("requestTimeoutSeconds")}>
          <input type="number" min={1} max={600} step={1} {...inputProps("requestTimeoutSeconds")} />
        </SettingField>
      </div>
      <div className="flex items-center gap-2">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? "Saving…" : "Save settings"}
        </button>
        {state.message && !pending ? (
          <span role={state.ok ? "status" : "alert"} className={`text-[12px] ${state.ok ? "text-emerald-700" : "text-red-700"}`} data-testid="hosts-settings-message">
            {state.message}
          </span>
        ) : null}
      </div>
    </form>
  );
}
