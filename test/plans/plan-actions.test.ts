import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localAdminActor } from "../../lib/actions/define-action.ts";
import { deleteHostProfile, deletePlanScenario, saveHostProfile, savePlanScenario } from "../../lib/plans/plan-actions.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";
import { SEEDED_SCENARIO } from "../helpers/seed-catalog.ts";

let temp: TempDb;
const ctx = () => ({ db: temp.db, actor: localAdminActor() });
const viewer = () => ({ db: temp.db, actor: { id: "guest", roles: ["viewer" as const] } });

beforeAll(async () => {
  temp = await createTempDb("modelshelf-plan-actions-");
});

afterAll(async () => {
  await temp.cleanup();
});

const plan = { nas: { raid: "raid5", drivesTB: [4, 4, 4, 4] }, planned: [{ model: "qwen2.5-7b", quant: "Q4_K_M", versions: 2 }] };

describe("savePlanScenario", () => {
  it("stores the document as written, under its name, and audits the save", async () => {
    const saved = await savePlanScenario(ctx(), { name: "  Office NAS ", scenario: plan });
    expect(saved).toMatchObject({ name: "Office NAS", created: true });
    const row = await temp.db.planScenario.findUniqueOrThrow({ where: { id: saved.id } });
    // Not the schema's output (resolved models, defaults): what `modelshelf plan` reads.
    expect(JSON.parse(row.scenarioJson)).toEqual({ ...plan, name: "Office NAS" });
    const audit = await temp.db.auditEntry.findFirst({ where: { action: "capacity.save-scenario" }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ outcome: "ok", target: "scenario-name:Office NAS" });
  });

  it("updates the row named by id, name included", async () => {
    const { id } = await savePlanScenario(ctx(), { name: "Draft", scenario: plan });
    const updated = await savePlanScenario(ctx(), { id, name: "Final", scenario: SEEDED_SCENARIO });
    expect(updated).toEqual({ id, name: "Final", created: false });
    expect(JSON.parse((await temp.db.planScenario.findUniqueOrThrow({ where: { id } })).scenarioJson).nas.raid).toBe("shr");
  });

  it("refuses a second scenario under a taken name", async () => {
    await expect(savePlanScenario(ctx(), { name: "Office NAS", scenario: plan })).rejects.toMatchObject({
      code: "conflict",
      message: 'a scenario named "Office NAS" already exists',
    });
  });

  it("rejects a document the planner rejects, naming the field", async () => {
    await expect(savePlanScenario(ctx(), { name: "Typo", scenario: { nas: { raid: "raid5", drivesTB: [4000, 4, 4] } } })).rejects.toMatchObject({
      code: "invalid-input",
      message: "scenario.nas.drivesTB.0: drive 1: 4000 TB is larger than any drive sold (max 200 TB); sizes are in TB, not GB",
    });
    await expect(savePlanScenario(ctx(), { name: " ", scenario: plan })).rejects.toMatchObject({ message: "name: a scenario needs a name" });
  });

  it("reports an unknown id when updating or deleting", async () => {
    await expect(savePlanScenario(ctx(), { id: 99_999, name: "Ghost", scenario: plan })).rejects.toMatchObject({ code: "not-found", message: "scenario 99999 not found" });
    await expect(deletePlanScenario(ctx(), { id: 99_999 })).rejects.toMatchObject({ code: "not-found", message: "scenario 99999 not found" });
  });

  it("deletes a scenario", async () => {
    const { id } = await savePlanScenario(ctx(), { name: "Short-lived", scenario: plan });
    expect(await deletePlanScenario(ctx(), { id })).toEqual({ id, name: "Short-lived" });
    expect(await temp.db.planScenario.count({ where: { id } })).toBe(0);
  });

  it("lets only an admin change scenarios", async () => {
    await expect(savePlanScenario(viewer(), { name: "Not mine", scenario: plan })).rejects.toMatchObject({ code: "forbidden" });
    expect(await temp.db.planScenario.count({ where: { name: "Not mine" } })).toBe(0);
  });
});

describe("saveHostProfile", () => {
  const workstation = { name: "gpu-box", ramGB: 64, gpus: [{ name: "RTX 4090", vramGB: 24 }] };

  it("stores the profile as validated, named by its name", async () => {
    const saved = await saveHostProfile(ctx(), { profile: workstation });
    expect(saved).toMatchObject({ name: "gpu-box", created: true });
    const row = await temp.db.hostProfile.findUniqueOrThrow({ where: { id: saved.id } });
    expect(JSON.parse(row.profileJson)).toEqual({ ...workstation, unifiedMemory: false });
  });

  it("refuses a second profile under a taken name, but updates its own row", async () => {
    await expect(saveHostProfile(ctx(), { profile: workstation })).rejects.toMatchObject({ code: "conflict", message: 'a host profile named "gpu-box" already exists' });
    const { id } = await temp.db.hostProfile.findUniqueOrThrow({ where: { name: "gpu-box" } });
    expect(await saveHostProfile(ctx(), { id, profile: { ...workstation, ramGB: 128 } })).toEqual({ id, name: "gpu-box", created: false });
  });

  it("rejects an OS reserve that leaves no RAM, and a GPU without VRAM", async () => {
    await expect(saveHostProfile(ctx(), { profile: { name: "tiny", ramGB: 4, osReserveGB: 4 } })).rejects.toMatchObject({
      code: "invalid-input",
      message: "invalid host profile: osReserveBytes (4294967296) must be less than the RAM (4294967296)",
    });
    await expect(saveHostProfile(ctx(), { profile: { name: "no-vram", ramGB: 32, gpus: [{ name: "A2000" }] } })).rejects.toMatchObject({
      code: "invalid-input",
      message: "profile.gpus: gpus[0] (A2000): give the VRAM as vramBytes or vramGB (exactly one)",
    });
  });

  it("deletes a profile, and reports an unknown one", async () => {
    const { id } = await saveHostProfile(ctx(), { profile: { name: "retired", ramGB: 16 } });
    expect(await deleteHostProfile(ctx(), { id })).toEqual({ id, name: "retired" });
    await expect(deleteHostProfile(ctx(), { id })).rejects.toMatchObject({ code: "not-found", message: `host profile ${id} not found` });
  });
});
