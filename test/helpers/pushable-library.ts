// A scanned and verified library of generated GGUF files in a temp dir: what
// the hosts tests push. Files are llama.cpp-loadable tiny models.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { scanLibrary } from "../../lib/catalog/scan-library.ts";
import type { Db } from "../../lib/db/client.ts";
import { buildTinyModel, splitGguf } from "../../lib/gguf/index.ts";
import { verifyFile } from "../../lib/hashing/verify-file.ts";
import { loadModelRefs, type ModelRef } from "../../lib/registry/model-refs.ts";
import { hashingSettingsSchema, writeHashingSettings } from "../../lib/settings/hashing-settings.ts";

export interface PushableLibrary {
  root: string;
  libraryId: number;
  refs: ModelRef[];
  /** Reference of the file (or split set) whose name starts with `stem`. */
  refOf(stem: string): ModelRef;
}

export const tinyLlama = (seed: number, name = `Tiny ${seed}`) => buildTinyModel({ architecture: "llama", fileType: "F16", name, seed, tokenizer: "llama" });

/**
 * Writes `files` (relative path → bytes; `splits` → shards written as
 * <stem>-0000n-of-0000m.gguf) under `root`, scans the library and verifies every file.
 */
export async function createPushableLibrary(
  db: Db,
  root: string,
  files: Record<string, Uint8Array>,
  splits: Record<string, { bytes: Uint8Array; shards: number }> = {},
): Promise<PushableLibrary> {
  await mkdir(root, { recursive: true });
  await writeHashingSettings(db, hashingSettingsSchema.parse({ verifyNewFiles: false }));
  for (const [relPath, bytes] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, relPath)), { recursive: true });
    await writeFile(path.join(root, relPath), bytes);
  }
  for (const [stem, { bytes, shards }] of Object.entries(splits)) {
    const parts = splitGguf(bytes, shards);
    for (const [i, part] of parts.entries()) {
      await writeFile(path.join(root, `${stem}-${String(i + 1).padStart(5, "0")}-of-${String(shards).padStart(5, "0")}.gguf`), part);
    }
  }
  const library = (await db.library.findUnique({ where: { path: root } })) ?? (await db.library.create({ data: { path: root, source: "env" } }));
  await scanLibrary(db, { libraryId: library.id, trigger: "manual", acceptMissing: false }, { settings: { stableMs: 0, fsTimeoutMs: 5_000 } });
  for (const file of await db.libraryFile.findMany({ where: { libraryId: library.id, state: "indexed" } })) {
    await verifyFile(db, file.id, { trigger: "manual", readTimeoutMs: 5_000 });
  }
  const refs = await loadModelRefs(db);
  return {
    root,
    libraryId: library.id,
    refs,
    refOf(stem) {
      const lower = stem.toLowerCase();
      const found = refs.find((r) => r.model.startsWith(lower.replace(/_/g, "_")));
      if (!found) throw new Error(`no reference for ${stem} among ${refs.map((r) => r.ref).join(", ")}`);
      return found;
    },
  };
}
