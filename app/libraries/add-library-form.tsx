"use client";
// "Add library" form: validation errors from the action are shown inline and
// the typed values are kept.
import { useActionState } from "react";
import { addLibraryAction } from "./actions.ts";
import { initialActionState } from "./action-state.ts";

export function AddLibraryForm() {
  const [state, formAction, pending] = useActionState(addLibraryAction, initialActionState);
  const error = state.ok ? null : state.message;
  const showHint = !error && !(state.ok && state.message);
  return (
    // Keyed by the outcome so a rejected submission re-renders with the typed values as defaults.
    <form key={JSON.stringify(state)} action={formAction} className="flex flex-wrap items-start gap-2" aria-label="Add library">
      <div className="flex flex-col gap-1">
        <input
          name="path"
          required
          defaultValue={state.values?.path ?? ""}
          placeholder="/mnt/nas/models or nfs://nas.local/volume1/models"
          aria-label="Library path"
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "add-library-error" : showHint ? "add-library-hint" : undefined}
          className={`input w-[40rem] max-w-full font-mono ${error ? "border-red-400" : ""}`}
        />
        {error ? (
          <p id="add-library-error" role="alert" className="text-[12px] text-red-700">
            {error}
          </p>
        ) : null}
        {state.ok && state.message ? (
          <p role="status" className="text-[12px] text-emerald-700">
            {state.message}
          </p>
        ) : null}
        {showHint ? (
          <p id="add-library-hint" className="text-[11px] text-neutral-500">
            nfs:// options: <code className="font-mono">?uid=1026&amp;gid=100</code> (the owner of the files),{" "}
            <code className="font-mono">nfsport=</code>, <code className="font-mono">mountport=</code> (default: asked from port 111),{" "}
            <code className="font-mono">timeout=</code> (ms)
          </p>
        ) : null}
      </div>
      <input name="label" defaultValue={state.values?.label ?? ""} placeholder="Label (optional)" aria-label="Library label" className="input w-48" />
      <button type="submit" className="btn btn-primary" disabled={pending}>
        {pending ? "Adding…" : "Add library"}
      </button>
    </form>
  );
}
