// What the host-profile server actions hand back to their forms (a "use server" file may only export functions).

/** The form's fields as typed, so a rejected form keeps them. GPUs are rows of name + VRAM. */
export interface HostProfileFormValues {
  id: string;
  name: string;
  ramGB: string;
  unifiedMemory: boolean;
  /** Percent of RAM the GPU may use (unified memory only); empty = the default share. */
  usableSharePercent: string;
  /** Empty = the default reserve. */
  osReserveGB: string;
  gpus: Array<{ name: string; vramGB: string }>;
}

export interface HostProfileFormState {
  ok: boolean;
  message: string | null;
  /** One message per invalid field ("name", "ramGB", "gpus.0.name", "gpus.1.vramGB", "gpus", …), shown next to it. */
  fieldErrors: Record<string, string>;
  values?: HostProfileFormValues;
  /** The saved row, after a successful save. */
  savedId?: number;
}

export const initialHostProfileFormState: HostProfileFormState = { ok: false, message: null, fieldErrors: {} };

export const emptyHostProfileValues: HostProfileFormValues = {
  id: "",
  name: "",
  ramGB: "",
  unifiedMemory: false,
  usableSharePercent: "",
  osReserveGB: "",
  gpus: [],
};
