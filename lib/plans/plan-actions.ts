// Admin actions on saved planning inputs: storage scenarios (Capacity page)
// and host profiles (Fit page). Each is a defineAction (validated with the
// planners' own schemas, role checked, audited); pages and route handlers
// call these, never Prisma directly. A name is unique per kind: saving a new
// one under a taken name is a conflict, saving with an id updates that row.
import { z } from "zod";
import { defineAction } from "../actions/define-action.ts";
import type { Db } from "../db/client.ts";
import { AppError } from "../errors.ts";
import { hostProfileSchema, resolveHostProfile } from "../capacity/host-profile.ts";
import { scenarioSchema, type ScenarioInput } from "../capacity/scenario.ts";

/** Names show in lists and file names; longer is a mistake. */
export const MAX_SCENARIO_NAME_LENGTH = 100;

const idSchema = z.coerce.number({ error: "must be a number" }).int("must be a whole number").positive("must be a positive id").max(2 ** 31 - 1, "is too large");

const scenarioNameSchema = z
  .string({ error: "a scenario needs a name" })
  .trim()
  .min(1, "a scenario needs a name")
  .max(MAX_SCENARIO_NAME_LENGTH, `a scenario name is at most ${MAX_SCENARIO_NAME_LENGTH} characters`);

/** Prisma's unique-constraint violation: two saves raced for one name. */
function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "P2002";
}

async function saveNamed<Row extends { id: number }>(options: {
  what: string;
  id: number | undefined;
  name: string;
  findByName: () => Promise<{ id: number } | null>;
  exists: (id: number) => Promise<boolean>;
  create: () => Promise<Row>;
  update: (id: number) => Promise<Row>;
}): Promise<{ row: Row; created: boolean }> {
  const taken = await options.findByName();
  if (taken && taken.id !== options.id) throw new AppError("conflict", `a ${options.what} named "${options.name}" already exists`);
  try {
    if (options.id === undefined) return { row: await options.create(), created: true };
    if (!(await options.exists(options.id))) throw new AppError("not-found", `${options.what} ${options.id} not found`);
    return { row: await options.update(options.id), created: false };
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `a ${options.what} named "${options.name}" already exists`, { cause: error });
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Scenarios

/**
 * A scenario document that passes scenarioSchema, kept as written: the schema's output resolves
 * reference models and defaults, and the stored JSON must stay what `modelshelf plan` reads.
 */
const scenarioDocumentSchema = z.unknown().transform((raw, ctx): ScenarioInput => {
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return raw as ScenarioInput;
});

export const savePlanScenario = defineAction({
  name: "capacity.save-scenario",
  permission: "catalog.manage",
  schema: z.object({ id: idSchema.optional(), name: scenarioNameSchema, scenario: scenarioDocumentSchema }),
  target: (input) => (input.id === undefined ? `scenario-name:${input.name}` : `scenario:${input.id}`),
  async run({ db }, input) {
    // The document carries the name it is saved under, so an exported file says what it is.
    const scenarioJson = JSON.stringify({ ...input.scenario, name: input.name });
    const { row, created } = await saveNamed({
      what: "scenario",
      id: input.id,
      name: input.name,
      findByName: () => db.planScenario.findUnique({ where: { name: input.name }, select: { id: true } }),
      exists: async (id) => (await db.planScenario.count({ where: { id } })) > 0,
      create: () => db.planScenario.create({ data: { name: input.name, scenarioJson } }),
      update: (id) => db.planScenario.update({ where: { id }, data: { name: input.name, scenarioJson } }),
    });
    return { id: row.id, name: row.name, created };
  },
});

export const deletePlanScenario = defineAction({
  name: "capacity.delete-scenario",
  permission: "catalog.manage",
  schema: z.object({ id: idSchema }),
  target: (input) => `scenario:${input.id}`,
  async run({ db }, input) {
    return deleteRow(db, "scenario", input.id);
  },
});

// ---------------------------------------------------------------------------
// Host profiles

export const saveHostProfile = defineAction({
  name: "capacity.save-host-profile",
  permission: "catalog.manage",
  schema: z.object({ id: idSchema.optional(), profile: hostProfileSchema }),
  target: (input) => (input.id === undefined ? `host-profile-name:${input.profile.name}` : `host-profile:${input.id}`),
  async run({ db }, input) {
    // Checks what the schema alone cannot (an OS reserve as large as the RAM); throws invalid-input.
    resolveHostProfile(input.profile);
    const name = input.profile.name;
    const profileJson = JSON.stringify(input.profile);
    const { row, created } = await saveNamed({
      what: "host profile",
      id: input.id,
      name,
      findByName: () => db.hostProfile.findUnique({ where: { name }, select: { id: true } }),
      exists: async (id) => (await db.hostProfile.count({ where: { id } })) > 0,
      create: () => db.hostProfile.create({ data: { name, profileJson } }),
      update: (id) => db.hostProfile.update({ where: { id }, data: { name, profileJson } }),
    });
    return { id: row.id, name: row.name, created };
  },
});

export const deleteHostProfile = defineAction({
  name: "capacity.delete-host-profile",
  permission: "catalog.manage",
  schema: z.object({ id: idSchema }),
  target: (input) => `host-profile:${input.id}`,
  async run({ db }, input) {
    return deleteRow(db, "host profile", input.id);
  },
});

async function deleteRow(db: Db, what: "scenario" | "host profile", id: number): Promise<{ id: number; name: string }> {
  const row = what === "scenario" ? await db.planScenario.findUnique({ where: { id } }) : await db.hostProfile.findUnique({ where: { id } });
  if (!row) throw new AppError("not-found", `${what} ${id} not found`);
  if (what === "scenario") await db.planScenario.delete({ where: { id } });
  else await db.hostProfile.delete({ where: { id } });
  return { id: row.id, name: row.name };
}
