// What a library server action hands back to its form (a "use server" file may only export functions).
export interface ActionState {
  ok: boolean;
  message: string | null;
  /** Submitted values, so a rejected form keeps what the admin typed. */
  values?: Record<string, string>;
}

export const initialActionState: ActionState = { ok: false, message: null };
