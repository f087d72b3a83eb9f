// One labelled settings input with its hint, or its error in place of the hint
// (Integrity and Hosts settings forms). Ids derive from `idPrefix` + name so the
// label, the input and the error line up for screen readers and tests.
import type { ReactNode } from "react";

export function SettingField({ idPrefix, name, label, hint, error, children }: { idPrefix: string; name: string; label: string; hint: string; error?: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-0.5">
      <label htmlFor={`${idPrefix}-${name}`} className="text-[12px] font-medium text-neutral-700">
        {label}
      </label>
      {children}
      {error ? (
        <p id={`${idPrefix}-${name}-error`} role="alert" className="text-[12px] text-red-700" data-testid={`${idPrefix.replace(/^(.*)setting$/, "$1setting-error")}-${name}`}>
          {error}
        </p>
      ) : (
        <p className="text-[11px] text-neutral-500">{hint}</p>
      )}
    </div>
  );
}

/** A settings form's field errors from zod issues: the first message per field; a missing number says so. */
export function settingsFieldErrors(issues: ReadonlyArray<{ path: PropertyKey[]; code: string; message: string }>): Record<string, string> {
  const fieldErrors: Record<string, string> = {};
  for (const issue of issues) {
    const key = String(issue.path[0] ?? "form");
    fieldErrors[key] ??= issue.code === "invalid_type" ? "required: a number" : issue.message;
  }
  return fieldErrors;
}
