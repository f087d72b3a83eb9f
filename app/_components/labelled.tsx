// A form control with its label above and an optional hint below (Fit and Hosts forms).
import type { ReactNode } from "react";

export function Labelled({ htmlFor, label, hint, className, children }: { htmlFor: string; label: string; hint?: string; className?: string; children: ReactNode }) {
  return (
    <div className={`flex flex-col gap-0.5 ${className ?? ""}`}>
      <label htmlFor={htmlFor} className="text-[12px] font-medium text-neutral-700">
        {label}
      </label>
      {children}
      {hint ? <p className="text-[11px] text-neutral-500">{hint}</p> : null}
    </div>
  );
}
