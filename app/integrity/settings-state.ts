// What the hashing-settings server action hands back to its form (a "use server" file may only export functions).
export interface SettingsFormState {
  ok: boolean;
  message: string | null;
  /** One message per invalid field, shown next to it. */
  fieldErrors: Record<string, string>;
  /** Submitted values, so a rejected form keeps what the admin typed. */
  values?: Record<string, string | boolean>;
}

export const initialSettingsFormState: SettingsFormState = { ok: false, message: null, fieldErrors: {} };
