// Read-modify-write of a host's preset INI (local path or nfs:// URL): the new
// text goes to a temporary file beside it, is made durable, and replaces the
// old file by an atomic rename, so llama-server never reads a half-written
// preset (it would refuse every model of the host).
import path from "node:path";
import { AppError } from "../../errors.ts";
import { isNfsUrl } from "../../catalog/library-path.ts";
import { openWritableDir, stagingToken } from "./writable-dir.ts";

/**
 * Largest preset file read. A section is ~200 bytes, so 1 MiB is thousands of
 * models; anything larger is not a preset and must not be loaded whole.
 */
export const MAX_PRESET_BYTES = 1024 * 1024;
/** Used for a new preset file: readable by the host's llama-server user. */
const NEW_PRESET_MODE = 0o644;

/** Edits of one file in this process run one after another: two pushes must not lose each other's section. */
const queues = new Map<string, Promise<unknown>>();

/** Splits a file location into its folder and name; nfs:// URLs keep their options on the folder. */
export function splitFileLocation(location: string): { folder: string; name: string } {
  if (!isNfsUrl(location)) return { folder: path.dirname(path.resolve(location)), name: path.basename(location) };
  const queryAt = location.search(/[?#]/);
  const bare = queryAt < 0 ? location : location.slice(0, queryAt);
  const query = queryAt < 0 ? "" : location.slice(queryAt);
  const slash = bare.lastIndexOf("/");
  const name = decodeURIComponent(bare.slice(slash + 1));
  if (slash < "nfs://".length || name === "") throw new AppError("invalid-input", `${location} does not name a file`, { details: { location } });
  return { folder: `${bare.slice(0, slash)}${query}`, name };
}

export interface EditPresetResult {
  /** The preset file as an admin reads it. */
  display: string;
  /** False when the edit left the text as it was (nothing was written). */
  changed: boolean;
  /** The text now in the file. */
  text: string;
}

/** Applies `edit` to the file's text ("" when it does not exist yet) and writes the result back atomically. */
export function editPresetFile(presetPath: string, edit: (text: string) => string, options: { fsTimeoutMs: number }): Promise<EditPresetResult> {
  const previous = queues.get(presetPath) ?? Promise.resolve();
  const next = previous.then(
    () => editNow(presetPath, edit, options.fsTimeoutMs),
    () => editNow(presetPath, edit, options.fsTimeoutMs),
  );
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  queues.set(presetPath, settled);
  void settled.then(() => {
    if (queues.get(presetPath) === settled) queues.delete(presetPath);
  });
  return next;
}

async function editNow(presetPath: string, edit: (text: string) => string, fsTimeoutMs: number): Promise<EditPresetResult> {
  const { folder, name } = splitFileLocation(presetPath);
  const dir = await openWritableDir(folder, { timeoutMs: fsTimeoutMs });
  try {
    const display = dir.display(name);
    const old = await dir.readText(name, MAX_PRESET_BYTES);
    const text = edit(old ?? "");
    // Unchanged, or nothing to write where no file exists: leave the file system alone.
    if (text === (old ?? "")) return { display, changed: false, text };
    const mode = (await dir.stat(name))?.mode ?? NEW_PRESET_MODE;
    // Dot-prefixed and not ".ini": nobody mistakes it for a preset while it exists.
    const temp = `.${name}.modelshelf-${stagingToken()}.tmp`;
    const file = await dir.createFile(temp, { mode });
    try {
      await file.write(Buffer.from(text, "utf8"));
      await file.finish();
      await dir.rename(temp, name);
    } catch (error) {
      // The first failure is the one to report; a leftover dot-file is harmless clutter.
      await file.abort().catch(() => undefined);
      await dir.removeFile(temp).catch(() => false);
      throw error;
    }
    // Another writer (an admin's editor, another ModelShelf) may have replaced it meanwhile.
    const written = await dir.readText(name, MAX_PRESET_BYTES);
    if (written !== text) {
      throw new AppError("conflict", `${display} changed while ModelShelf was writing it; try again`, { retryable: true, details: { path: display } });
    }
    return { display, changed: true, text };
  } finally {
    await dir.close();
  }
}
