// What the save-scenario server action hands back to the editor (a "use server" file may only export functions).
export interface SaveScenarioState {
  ok: boolean;
  message: string | null;
  /** The name submitted (or saved), so the field keeps it. */
  name?: string;
  /** The saved row, after a successful save: the editor then edits that one. */
  savedId?: number;
}

export const initialSaveScenarioState: SaveScenarioState = { ok: false, message: null };
