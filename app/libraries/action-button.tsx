"use client";
// A one-button form for a library server action, with its pending state and
// the action's message shown next to it.
import { useActionState, type FormEvent } from "react";
import { initialActionState, type ActionState } from "./action-state.ts";

interface ActionButtonProps {
  action: (previous: ActionState, formData: FormData) => Promise<ActionState>;
  fields: Record<string, string>;
  label: string;
  pendingLabel?: string;
  variant?: "default" | "primary" | "danger";
  /** Asked with window.confirm before submitting (destructive actions). */
  confirmText?: string;
  testId?: string;
}

const variantClass = { default: "btn", primary: "btn btn-primary", danger: "btn btn-danger" };

export function ActionButton({ action, fields, label, pendingLabel, variant = "default", confirmText, testId }: ActionButtonProps) {
  const [state, formAction, pending] = useActionState(action, initialActionState);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    if (confirmText && !window.confirm(confirmText)) event.preventDefault();
  }

  return (
    <form action={formAction} onSubmit={onSubmit} className="inline-flex items-center gap-1.5">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button type="submit" className={variantClass[variant]} disabled={pending} data-testid={testId}>
        {pending ? (pendingLabel ?? `${label}…`) : label}
      </button>
      {state.message && !pending ? (
        <span role={state.ok ? "status" : "alert"} className={`text-[12px] ${state.ok ? "text-emerald-700" : "text-red-700"}`}>
          {state.message}
        </span>
      ) : null}
    </form>
  );
}
