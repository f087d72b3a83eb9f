"use client";
// Hashing and scrub settings. Each invalid field shows its own message next to
// it and the typed values are kept; a saved form shows the stored values.
import { useActionState } from "react";
import { SettingField } from "../_components/setting-field.tsx";
import type { HashingSettings } from "../../lib/settings/hashing-settings.ts";
import { updateHashingSettingsAction } from "./actions.ts";
import { initialSettingsFormState } from "./settings-state.ts";

export function SettingsForm({ settings }: { settings: HashingSettings }) {
  const [state, formAction, pending] = useActionState(updateHashingSettingsAction, initialSettingsFormState);
  // A rejected form keeps what was typed; otherwise the stored settings are the defaults.
  const values = state.values ?? {
    concurrency: String(settings.concurrency),
    bandwidthMBps: settings.bandwidthMBps === null ? "" : String(settings.bandwidthMBps),
    scrubWindow: settings.scrubWindow,
    scrubIntervalDays: String(settings.scrubIntervalDays),
    scrubEnabled: settings.scrubEnabled,
    verifyNewFiles: settings.verifyNewFiles,
  };
  const text = (name: string) => String(values[name] ?? "");
  const error = (name: string) => state.fieldErrors[name];
  const inputProps = (name: string) => ({
    id: `setting-${name}`,
    name,
    defaultValue: text(name),
    "aria-invalid": error(name) ? true : undefined,
    "aria-describedby": error(name) ? `setting-${name}-error` : undefined,
  });
  const invalid = (name: string) => (error(name) ? "border-red-400" : "");

  return (
    // Keyed by the outcome so a rejected submission re-renders with the typed values as defaults.
    <form key={JSON.stringify(state)} action={formAction} aria-label="Hashing settings" className="space-y-3 p-3" noValidate>
      <div className="grid grid-cols-1 gap-x-4 gap-y-2 sm:grid-cols-2 lg:grid-cols-4">
        <SettingField idPrefix="setting" name="concurrency" label="Files hashed at once" hint="1–8. One spares the NAS; two uses both cores." error={error("concurrency")}>
          <input type="number" min={1} max={8} step={1} className={`input w-24 ${invalid("concurrency")}`} {...inputProps("concurrency")} />
        </SettingField>
        <SettingField idPrefix="setting" name="bandwidthMBps" label="Read cap (MB/s)" hint="For all hashing together. Empty = unlimited." error={error("bandwidthMBps")}>
          <input type="number" min={0} step="any" placeholder="unlimited" className={`input w-28 ${invalid("bandwidthMBps")}`} {...inputProps("bandwidthMBps")} />
        </SettingField>
        <SettingField idPrefix="setting" name="scrubWindow" label="Scrub window" hint={`HH:MM-HH:MM, server time; may wrap midnight. Empty or "always" = any time.`} error={error("scrubWindow")}>
          <input type="text" placeholder="01:00-06:00" autoComplete="off" className={`input w-36 font-mono ${invalid("scrubWindow")}`} {...inputProps("scrubWindow")} />
        </SettingField>
        <SettingField idPrefix="setting" name="scrubIntervalDays" label="Re-verify every (days)" hint="A file is due once its last verification is older." error={error("scrubIntervalDays")}>
          <input type="number" min={1} max={3650} step={1} className={`input w-24 ${invalid("scrubIntervalDays")}`} {...inputProps("scrubIntervalDays")} />
        </SettingField>
      </div>
      <div className="flex flex-wrap items-center gap-x-5 gap-y-1">
        <label className="flex items-center gap-1.5">
          <input type="checkbox" name="scrubEnabled" defaultChecked={values.scrubEnabled === true} />
          Scrub enabled <span className="text-neutral-500">(re-verify every file on schedule)</span>
        </label>
        <label className="flex items-center gap-1.5">
          <input type="checkbox" name="verifyNewFiles" defaultChecked={values.verifyNewFiles === true} />
          Verify new files <span className="text-neutral-500">(hash new and changed files after each scan)</span>
        </label>
      </div>
      <div className="flex items-center gap-2">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? "Saving…" : "Save settings"}
        </button>
        {state.message && !pending ? (
          <span role={state.ok ? "status" : "alert"} className={`text-[12px] ${state.ok ? "text-emerald-700" : "text-red-700"}`} data-testid="settings-message">
            {state.message}
          </span>
        ) : null}
      </div>
    </form>
  );
}
