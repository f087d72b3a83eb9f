// The catalogue as plain JSON-safe records, for the CLI (`scan`, `models`).
import type { Db } from "../db/client.ts";
import { libraryFilePath } from "./library-path.ts";

export interface ModelDescription {
  id: number;
  name: string;
  architecture: string;
  fileType: string;
  parameterCount: number;
  sizeBytes: number;
  contextLength: number | null;
  files: string[];
  missingFiles: string[];
  ollamaTags: string[];
  problems: string[];
}

export async function describeModels(db: Db, options: { libraryId?: number } = {}): Promise<ModelDescription[]> {
  const fileFilter = options.libraryId === undefined ? {} : { libraryId: options.libraryId };
  const models = await db.model.findMany({
    where: { files: { some: fileFilter } },
    orderBy: [{ displayName: "asc" }, { id: "asc" }],
    include: {
      files: { where: fileFilter, include: { library: { select: { path: true } } }, orderBy: { relPath: "asc" } },
      tags: { where: { ...fileFilter, missingSince: null }, orderBy: [{ model: "asc" }, { tag: "asc" }] },
    },
  });
  return models.map((model) => ({
    id: model.id,
    name: model.displayName,
    architecture: model.architecture,
    fileType: model.fileType,
    parameterCount: Number(model.parameterCount),
    sizeBytes: Number(model.totalBytes),
    contextLength: model.contextLength,
    files: model.files.filter((f) => !f.missingSince).map((f) => libraryFilePath(f.library.path, f.relPath)),
    missingFiles: model.files.filter((f) => f.missingSince).map((f) => libraryFilePath(f.library.path, f.relPath)),
    ollamaTags: model.tags.map((tag) => `${tag.namespace}/${tag.model}:${tag.tag}`),
    problems: JSON.parse(model.problemsJson) as string[],
  }));
}
