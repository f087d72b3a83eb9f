// Admin actions that start verification ("verify now" outranks the scrub) and
// change the hashing settings.
import { z } from "zod";
import { defineAction } from "../actions/define-action.ts";
import type { Db } from "../db/client.ts";
import { AppError } from "../errors.ts";
import { hashingSettingsSchema, writeHashingSettings } from "../settings/hashing-settings.ts";
import { enqueueVerification } from "./enqueue-verification.ts";

/** Present, non-temporary files: what "verify" means for a model, a library or everything. */
async function verifiableFileIds(db: Db, where: Record<string, unknown>): Promise<number[]> {
  const rows = await db.libraryFile.findMany({
    where: { ...where, missingSince: null, state: { not: "ignored" } },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  return rows.map((row) => row.id);
}

export const verifyModel = defineAction({
  name: "hashing.verify-model",
  permission: "catalog.manage",
  schema: z.object({ modelId: z.coerce.number().int().positive() }),
  target: (input) => `model:${input.modelId}`,
  async run({ db }, input) {
    const model = await db.model.findUnique({ where: { id: input.modelId }, select: { id: true } });
    if (!model) throw new AppError("not-found", `model ${input.modelId} not found`);
    const ids = await verifiableFileIds(db, { modelId: model.id });
    return { files: ids.length, ...(await enqueueVerification(db, ids, "manual")) };
  },
});

export const verifyLibrary = defineAction({
  name: "hashing.verify-library",
  permission: "catalog.manage",
  schema: z.object({ libraryId: z.coerce.number().int().positive() }),
  target: (input) => `library:${input.libraryId}`,
  async run({ db }, input) {
    const library = await db.library.findUnique({ where: { id: input.libraryId }, select: { id: true } });
    if (!library) throw new AppError("not-found", `library ${input.libraryId} not found`);
    const ids = await verifiableFileIds(db, { libraryId: library.id });
    return { files: ids.length, ...(await enqueueVerification(db, ids, "manual")) };
  },
});

export const verifyEverything = defineAction({
  name: "hashing.verify-all",
  permission: "catalog.manage",
  schema: z.object({}),
  async run({ db }) {
    const ids = await verifiableFileIds(db, { library: { enabled: true } });
    return { files: ids.length, ...(await enqueueVerification(db, ids, "manual")) };
  },
});

export const verifyFileNow = defineAction({
  name: "hashing.verify-file",
  permission: "catalog.manage",
  schema: z.object({ fileId: z.coerce.number().int().positive() }),
  target: (input) => `file:${input.fileId}`,
  async run({ db }, input) {
    const ids = await verifiableFileIds(db, { id: input.fileId });
    if (ids.length === 0) throw new AppError("not-found", `file ${input.fileId} is not a present, verifiable file`);
    return { files: 1, ...(await enqueueVerification(db, ids, "manual")) };
  },
});

export const updateHashingSettings = defineAction({
  name: "hashing.update-settings",
  permission: "catalog.manage",
  schema: hashingSettingsSchema,
  target: () => "settings:hashing",
  async run({ db }, input) {
    await writeHashingSettings(db, input);
    return input;
  },
});
