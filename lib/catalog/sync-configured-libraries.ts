// Makes the Library table reflect MODELSHELF_LIBRARIES: listed roots exist
// (source "env"); roots dropped from the list are disabled, not deleted, so
// their history stays. Roots added in the UI are left alone.
import type { Db } from "../db/client.ts";

/**
 * @param source "env" for MODELSHELF_LIBRARIES, "demo" for the generated demo
 *   library (which later configured roots do not disable).
 */
export async function syncConfiguredLibraries(
  db: Db,
  paths: readonly string[],
  source: "env" | "demo" = "env",
): Promise<{ added: string[] }> {
  const added: string[] = [];
  for (const libraryPath of paths) {
    const existing = await db.library.findUnique({ where: { path: libraryPath } });
    if (!existing) {
      await db.library.create({ data: { path: libraryPath, source } });
      added.push(libraryPath);
    } else if (existing.source === "env" && !existing.enabled) {
      await db.library.update({ where: { id: existing.id }, data: { enabled: true } });
    }
  }
  if (source !== "env") return { added };
  await db.library.updateMany({
    where: { source: "env", path: { notIn: [...paths] } },
    data: { enabled: false },
  });
  return { added };
}
