// Push by copy (delivery "models-dir"): the GGUF goes into the host's models
// directory, where the router's scan (common/preset.cpp load_from_models_dir)
// finds it — a single file as <id>.gguf, a split model as the folder <id>/ with
// its shards. Files are written under a staging name the scan cannot see, read
// back and checked against the catalogue's SHA-256, and only then renamed into
// place; then the router rescans (GET /models?reload=1) and must list the id.
import { createHash } from "node:crypto";
import { AppError, errorMessage, isAppError } from "../../errors.ts";
import { openLibraryFileStream } from "../../catalog/library-file-stream.ts";
import { cancelledError } from "../../hashing/cancelled-error.ts";
import type { HostTarget, PushContext, PushFile, PushSource } from "../types.ts";
import { listLlamaModels, modelPathOf, type LlamaModel } from "./llama-server-api.ts";
import { openWritableDir, stagingToken, type WritableDir } from "./writable-dir.ts";

/**
 * Where files are written before they are renamed into place. The scan makes a
 * model of every top-level "*.gguf" and of every sub-directory holding a .gguf
 * directly (not deeper). Staged single files end in ".partial" and staged split
 * models are folders one level further down, so nothing in here is ever listed.
 * The folder stays (empty) between pushes; it holds no model.
 */
export const STAGING_DIR = ".modelshelf-staging";

/** How a model sits in the models directory. */
export type ModelsDirLayout =
  | { kind: "file"; entry: string; files: { file: PushFile; name: string }[] }
  | { kind: "dir"; entry: string; files: { file: PushFile; name: string }[] };

/** Shard names the scan and llama.cpp's split loader both accept (formats.md 1.10). */
const SHARD_NAME = /^[^/\\\0]+-(\d{5})-of-(\d{5})\.gguf$/;
const DRAFT_PREFIXES = ["mtp-", "dspark-", "dflash-"];

/**
 * The files of `id` in a models directory. Split shards keep their catalogue file
 * names (llama.cpp finds shards 2..n from the first one's name), which must be
 * well-formed, numbered in order and not look like a projector or draft model.
 */
export function planModelsDirLayout(id: string, files: readonly PushFile[]): ModelsDirLayout {
  if (files.length === 0) throw new AppError("invalid-input", `${id} has no files to push`);
  if (files.length === 1) return { kind: "file", entry: `${id}.gguf`, files: [{ file: files[0] as PushFile, name: `${id}.gguf` }] };
  const names = new Set<string>();
  const planned = files.map((file, index) => {
    const match = SHARD_NAME.exec(file.fileName);
    const problem =
      file.shardIndex !== index
        ? `is shard ${file.shardIndex}, expected ${index} (files must come in shard order)`
        : match === null
          ? `is not named like a split shard ("<name>-00001-of-000NN.gguf")`
          : Number(match[1]) !== index + 1 || Number(match[2]) !== files.length
            ? `is numbered ${match[1]} of ${match[2]}, expected ${index + 1} of ${files.length}`
            : file.fileName.startsWith(".") || file.fileName.includes("mmproj") || DRAFT_PREFIXES.some((p) => file.fileName.startsWith(p))
              ? "would be taken for a hidden, projector or draft-model file by llama-server"
              : names.has(file.fileName)
                ? "appears twice"
                : null;
    if (problem !== null) throw new AppError("invalid-input", `Cannot push ${id}: its file "${file.fileName}" ${problem}`, { details: { id, fileName: file.fileName } });
    names.add(file.fileName);
    return { file, name: file.fileName };
  });
  return { kind: "dir", entry: id, files: planned };
}

function finalRel(layout: ModelsDirLayout, name: string): string {
  return layout.kind === "file" ? layout.entry : `${layout.entry}/${name}`;
}

/** Copies, verifies and places the model; returns the written paths (as an admin reads them). */
export async function copyToModelsDir(host: HostTarget, source: PushSource, id: string, ctx: PushContext): Promise<{ paths: string[]; model: LlamaModel }> {
  if (!host.modelsDir) throw new AppError("invalid-input", `${host.name} delivers by copy but has no models directory configured`);
  const layout = planModelsDirLayout(id, source.files);
  const call = { timeoutMs: ctx.timeoutMs, signal: ctx.signal };
  // Fail before copying gigabytes to a host that is down or not a router (a single-model
  // server's list has no per-model status and cannot take new models).
  await listLlamaModels(host.baseUrl, call);
  const dir = await openWritableDir(host.modelsDir, { timeoutMs: ctx.fsTimeoutMs });
  let paths: string[];
  try {
    paths = layout.files.map(({ name }) => dir.display(finalRel(layout, name)));
    if (await alreadyInPlace(dir, layout, ctx)) ctx.note(`${layout.entry} is already in ${dir.location} with the verified content; not copying it again`);
    else await stageAndPlace(dir, layout, id, ctx);
  } catch (error) {
    throw ctx.signal.aborted && !isAppError(error) ? cancelledError(`Pushing ${id} was cancelled`, ctx.signal.reason) : error;
  } finally {
    await dir.close();
  }
  ctx.note(`Asking ${host.baseUrl} to rescan its models`);
  const models = await listLlamaModels(host.baseUrl, { ...call, reload: true });
  const model = models.find((m) => m.id === id);
  if (model === undefined) {
    throw new AppError("conflict", `${host.baseUrl} does not list ${id} after rescanning: is ${host.modelsDir} the folder it was started with (--models-dir)?`, {
      details: { id, modelsDir: host.modelsDir },
    });
  }
  const hostPath = modelPathOf(model);
  const expected = layout.files[0]?.name;
  if (hostPath !== null && hostPath.split(/[\\/]/).pop() !== expected) {
    throw new AppError("conflict", `${host.baseUrl} lists ${id} but loads it from ${hostPath}, not the copied ${expected} (does a preset section override it?)`, {
      details: { id, hostPath },
    });
  }
  return { paths, model };
}

/** Streams one library file into `rel`, reporting bytes as they are written. */
async function copyFile(dir: WritableDir, rel: string, file: PushFile, ctx: PushContext, onBytes: (n: number) => void): Promise<void> {
  const stream = await openLibraryFileStream(file.libraryPath, file.relPath, {
    timeoutMs: ctx.fsTimeoutMs,
    signal: ctx.signal,
    throttle: ctx.throttle,
    expectedSize: file.sizeBytes,
  });
  const out = await dir.createFile(rel);
  try {
    for await (const chunk of stream.body as AsyncIterable<Buffer>) {
      await out.write(chunk);
      onBytes(chunk.length);
    }
    await out.finish();
  } catch (error) {
    stream.body.destroy();
    // The copy's failure is what matters; the caller removes the staged file.
    await out.abort().catch(() => undefined);
    throw error;
  }
}

/** SHA-256 of a written file, read back from the destination (what the host will read), within the bandwidth cap. */
async function hashWritten(dir: WritableDir, rel: string, ctx: PushContext, onBytes: (n: number) => void): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of dir.readChunks(rel, ctx.signal)) {
    if (ctx.throttle) await ctx.throttle.acquire(chunk.length, ctx.signal);
    hash.update(chunk);
    onBytes(chunk.length);
  }
  return hash.digest("hex");
}

/** Progress in bytes for one phase ("copying", "verifying"). */
function phase(ctx: PushContext, total: number, message: string): (n: number) => void {
  let done = 0;
  ctx.progress(0, total, "bytes", message);
  return (n) => {
    done += n;
    ctx.progress(done, total, "bytes", message);
  };
}

/** True when every final file exists with the right size and checksum (a retry after a failed rescan, a re-push). */
async function alreadyInPlace(dir: WritableDir, layout: ModelsDirLayout, ctx: PushContext): Promise<boolean> {
  for (const { file, name } of layout.files) {
    const entry = await dir.stat(finalRel(layout, name));
    if (entry?.type !== "file" || entry.size !== file.sizeBytes) return false;
  }
  const total = layout.files.reduce((sum, { file }) => sum + file.sizeBytes, 0);
  const onBytes = phase(ctx, total, `Checking the copy already in ${dir.location}`);
  for (const { file, name } of layout.files) {
    if ((await hashWritten(dir, finalRel(layout, name), ctx, onBytes)) !== file.sha256) return false;
  }
  return true;
}

async function ensureStagingDir(dir: WritableDir): Promise<void> {
  try {
    await dir.mkdir(STAGING_DIR);
  } catch (error) {
    if (!(isAppError(error) && error.code === "conflict") || (await dir.stat(STAGING_DIR))?.type !== "dir") throw error;
  }
}

async function stageAndPlace(dir: WritableDir, layout: ModelsDirLayout, id: string, ctx: PushContext): Promise<void> {
  await ensureStagingDir(dir);
  const token = `${id}.${stagingToken()}`;
  const staged = layout.kind === "file" ? `${STAGING_DIR}/${token}.partial` : `${STAGING_DIR}/${token}`;
  const stagedRel = (name: string): string => (layout.kind === "file" ? staged : `${staged}/${name}`);
  const total = layout.files.reduce((sum, { file }) => sum + file.sizeBytes, 0);
  let placed = false;
  try {
    if (layout.kind === "dir") await dir.mkdir(staged);
    const copied = phase(ctx, total, `Copying ${layout.entry} to ${dir.location}`);
    for (const { file, name } of layout.files) await copyFile(dir, stagedRel(name), file, ctx, copied);
    const verified = phase(ctx, total, `Verifying the copy of ${layout.entry}`);
    for (const { file, name } of layout.files) {
      const actual = await hashWritten(dir, stagedRel(name), ctx, verified);
      if (actual !== file.sha256) {
        throw new AppError(
          "corrupt-file",
          `The copy of ${file.relPath} at ${dir.display(stagedRel(name))} has SHA-256 ${actual}, not the verified ${file.sha256}: the library file changed since it was verified, or the write was corrupted. The copy was deleted; verify the library file again.`,
          { details: { file: file.relPath, expected: file.sha256, actual } },
        );
      }
    }
    await place(dir, layout, staged, token, ctx);
    placed = true;
  } finally {
    if (!placed) await removeStaged(dir, staged, layout.kind, ctx);
  }
}

/** Renames the staged copy into place; a split model's previous folder is moved aside first and deleted after. */
async function place(dir: WritableDir, layout: ModelsDirLayout, staged: string, token: string, ctx: PushContext): Promise<void> {
  const id = layout.kind === "file" ? layout.entry.slice(0, -".gguf".length) : layout.entry;
  if (layout.kind === "file") {
    // rename() replaces an older <id>.gguf atomically: the host sees the old file or the new one.
    await dir.rename(staged, layout.entry);
    // A folder of the same id (an earlier split push) would make the scan list the id twice.
    if ((await dir.stat(id))?.type === "dir") await removeQuietly(dir, id, ctx);
    return;
  }
  const previous = await dir.stat(layout.entry);
  const aside = `${STAGING_DIR}/${token}.old`;
  if (previous !== null) await dir.rename(layout.entry, aside);
  try {
    await dir.rename(staged, layout.entry);
  } catch (error) {
    if (previous !== null) {
      await dir.rename(aside, layout.entry).catch((restoreError: unknown) => {
        ctx.note(`Could not put the previous ${layout.entry} back from ${dir.display(aside)}: ${errorMessage(restoreError)}`);
      });
    }
    throw error;
  }
  if (previous !== null) await removeQuietly(dir, aside, ctx);
  if ((await dir.stat(`${id}.gguf`))?.type === "file") await removeQuietly(dir, `${id}.gguf`, ctx);
}

/** Cleanup after the model is in place: a failure leaves clutter, not a broken push, so it is noted instead of thrown. */
async function removeQuietly(dir: WritableDir, rel: string, ctx: PushContext): Promise<void> {
  try {
    await dir.removeTree(rel);
  } catch (error) {
    ctx.note(`Could not remove ${dir.display(rel)}: ${errorMessage(error)}`);
  }
}

async function removeStaged(dir: WritableDir, staged: string, kind: ModelsDirLayout["kind"], ctx: PushContext): Promise<void> {
  try {
    if (kind === "file") await dir.removeFile(staged);
    else await dir.removeTree(staged);
  } catch (error) {
    // The push already failed with its own error; a staged leftover is invisible to the host.
    ctx.note(`Could not remove the staged copy ${dir.display(staged)}: ${errorMessage(error)}`);
  }
}
