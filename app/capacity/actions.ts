"use server";
// Server actions of the Capacity page: save the scenario being edited (as a
// new one, or over the one loaded) and delete a saved one. Each calls one lib
// action as the local admin (validated with the planner's schema,
// permission-checked, audited there) and revalidates the page; errors come
// back as a message for the form, never as a throw.
import { revalidatePath } from "next/cache";
import { localAdminActor } from "../../lib/actions/define-action.ts";
import { deletePlanScenario, savePlanScenario } from "../../lib/plans/plan-actions.ts";
import { getDb } from "../../lib/db/client.ts";
import { toHttp } from "../../lib/errors.ts";
import type { ActionState } from "../libraries/action-state.ts";
import type { SaveScenarioState } from "./save-state.ts";

/** The editor posts the scenario document as JSON; a larger one is not from the editor. */
const MAX_SCENARIO_JSON_CHARS = 256 * 1024;

function field(formData: FormData, name: string): string {
  const value = formData.get(name);
  return typeof value === "string" ? value : "";
}

function context() {
  return { db: getDb(), actor: localAdminActor() };
}

// Save the edited scenario: over the loaded one when "id" is set (unless "Save as new"), else as a new one.
export async function saveScenarioAction(_previous: SaveScenarioState, formData: FormData): Promise<SaveScenarioState> {
  const name = field(formData, "name");
  const id = field(formData, "mode") === "new" ? "" : field(formData, "id").trim();
  const json = field(formData, "scenarioJson");
  if (json.length > MAX_SCENARIO_JSON_CHARS) return { ok: false, message: `Not saved: the scenario is larger than ${MAX_SCENARIO_JSON_CHARS} characters.`, name };
  let scenario: unknown;
  try {
    scenario = JSON.parse(json);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { ok: false, message: "Not saved: the editor sent no readable scenario.", name };
  }
  try {
    const saved = await savePlanScenario(context(), { ...(id === "" ? {} : { id }), name, scenario });
    revalidatePath("/capacity");
    return { ok: true, message: saved.created ? `Saved as “${saved.name}”.` : `Saved “${saved.name}”.`, name: saved.name, savedId: saved.id };
  } catch (error) {
    // toHttp logs anything that is not an AppError and replaces its message.
    return { ok: false, message: `Not saved: ${toHttp(error).body.error.message}`, name };
  }
}

// Delete one saved scenario.
export async function deleteScenarioAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const deleted = await deletePlanScenario(context(), { id: field(formData, "id") });
    revalidatePath("/capacity");
    return { ok: true, message: `Deleted ${deleted.name}` };
  } catch (error) {
    return { ok: false, message: toHttp(error).body.error.message };
  }
}
