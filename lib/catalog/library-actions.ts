// Admin actions on library roots. Each is a defineAction (validated, role
// checked, audited); pages and route handlers call these, never Prisma directly.
import path from "node:path";
import { z } from "zod";
import { defineAction } from "../actions/define-action.ts";
import { AppError, errorMessage } from "../errors.ts";
import { parseNfsUrl } from "../nfs/client/nfs-url.ts";
import { isNfsUrl } from "./library-path.ts";
import { enqueueJob } from "../jobs/enqueue-job.ts";

/** Manual scans jump ahead of scheduled ones. */
const MANUAL_SCAN_PRIORITY = 10;

/** A mounted path, or an nfs:// URL read with the built-in NFSv3 client. */
const libraryPathSchema = z
  .string()
  .trim()
  .min(1, "a path is required")
  .max(4096, "path too long")
  .refine((p) => !p.includes("\0"), "must not contain NUL bytes")
  .superRefine((p, ctx) => {
    if (isNfsUrl(p)) {
      try {
        parseNfsUrl(p);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: errorMessage(error) });
      }
    } else if (!path.isAbsolute(p)) {
      ctx.addIssue({ code: "custom", message: "must be an absolute path (e.g. /mnt/nas/models) or an nfs:// URL (e.g. nfs://nas.local/volume1/models)" });
    }
  })
  .transform((p) => (isNfsUrl(p) ? p : path.resolve(p)));

export const addLibrary = defineAction({
  name: "catalog.add-library",
  permission: "catalog.manage",
  schema: z.object({ path: libraryPathSchema, label: z.string().trim().max(200).optional() }),
  target: (input) => `library-path:${input.path}`,
  async run({ db }, input) {
    const existing = await db.library.findUnique({ where: { path: input.path } });
    if (existing) throw new AppError("conflict", `${input.path} is already a library`);
    const library = await db.library.create({
      data: { path: input.path, label: input.label || null, source: "ui" },
    });
    // The worker checks the root (the web app never touches the share).
    await enqueueJob(db, "catalog.scan-library", { libraryId: library.id, trigger: "manual" }, { priority: MANUAL_SCAN_PRIORITY });
    return library;
  },
});

export const requestLibraryScan = defineAction({
  name: "catalog.scan-library",
  permission: "catalog.manage",
  schema: z.object({ libraryId: z.coerce.number().int().positive(), acceptMissing: z.boolean().default(false) }),
  target: (input) => `library:${input.libraryId}`,
  async run({ db }, input) {
    const library = await db.library.findUnique({ where: { id: input.libraryId } });
    if (!library) throw new AppError("not-found", `library ${input.libraryId} not found`);
    if (!library.enabled) throw new AppError("conflict", `library ${library.path} is disabled`);
    return enqueueJob(
      db,
      "catalog.scan-library",
      { libraryId: library.id, trigger: "manual", acceptMissing: input.acceptMissing },
      { priority: MANUAL_SCAN_PRIORITY },
    );
  },
});

export const setLibraryEnabled = defineAction({
  name: "catalog.set-library-enabled",
  permission: "catalog.manage",
  schema: z.object({ libraryId: z.coerce.number().int().positive(), enabled: z.boolean() }),
  target: (input) => `library:${input.libraryId}`,
  async run({ db }, input) {
    const library = await db.library.findUnique({ where: { id: input.libraryId } });
    if (!library) throw new AppError("not-found", `library ${input.libraryId} not found`);
    return db.library.update({ where: { id: library.id }, data: { enabled: input.enabled } });
  },
});

export const removeLibrary = defineAction({
  name: "catalog.remove-library",
  permission: "catalog.manage",
  schema: z.object({ libraryId: z.coerce.number().int().positive() }),
  target: (input) => `library:${input.libraryId}`,
  async run({ db }, input) {
    const library = await db.library.findUnique({ where: { id: input.libraryId } });
    if (!library) throw new AppError("not-found", `library ${input.libraryId} not found`);
    if (library.source === "env") {
      throw new AppError("conflict", `${library.path} comes from MODELSHELF_LIBRARIES; remove it there, or disable it here`);
    }
    // Only catalogue rows go; files on the share are never touched.
    await db.library.delete({ where: { id: library.id } });
    return { removed: library.id };
  },
});
