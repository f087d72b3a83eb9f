import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { localAdminActor } from "../../lib/actions/define-action.ts";
import { addLibrary, removeLibrary, requestLibraryScan } from "../../lib/catalog/library-actions.ts";
import { isAppError } from "../../lib/errors.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

let temp: TempDb;
beforeEach(async () => {
  temp = await createTempDb();
});
afterEach(async () => {
  await temp.cleanup();
});

const admin = () => ({ db: temp.db, actor: localAdminActor() });
const viewer = () => ({ db: temp.db, actor: { id: "guest", roles: ["viewer"] as const } });

describe("library actions", () => {
  it("adds a library, queues its first scan and audits the action", async () => {
    const library = await addLibrary(admin(), { path: "/mnt/nas/models", label: "NAS" });
    expect(library.path).toBe("/mnt/nas/models");
    const jobs = await temp.db.job.findMany();
    expect(jobs.map((j) => j.name)).toEqual(["catalog.scan-library"]);
    const audit = await temp.db.auditEntry.findMany();
    expect(audit).toMatchObject([{ actor: "local-admin", action: "catalog.add-library", outcome: "ok" }]);
  });

  it("rejects a relative path with a clear message", async () => {
    const error = await addLibrary(admin(), { path: "models" }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("invalid-input");
    expect(String((error as Error).message)).toContain("absolute path");
  });

  it("refuses a duplicate library", async () => {
    await addLibrary(admin(), { path: "/srv/models" });
    const error = await addLibrary(admin(), { path: "/srv/models/" }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("conflict");
  });

  it("denies a viewer and records the denial", async () => {
    const error = await addLibrary(viewer(), { path: "/srv/models" }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("forbidden");
    expect(await temp.db.library.count()).toBe(0);
    expect(await temp.db.auditEntry.findMany()).toMatchObject([{ actor: "guest", outcome: "denied" }]);
  });

  it("queues one scan however often 'scan now' is pressed", async () => {
    const library = await addLibrary(admin(), { path: "/srv/models" });
    await requestLibraryScan(admin(), { libraryId: library.id });
    await requestLibraryScan(admin(), { libraryId: library.id });
    expect(await temp.db.job.count({ where: { state: "queued" } })).toBe(1);
  });

  it("will not remove a library configured in MODELSHELF_LIBRARIES", async () => {
    const library = await temp.db.library.create({ data: { path: "/env/models", source: "env" } });
    const error = await removeLibrary(admin(), { libraryId: library.id }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("conflict");
  });
});
