// Pushes a catalogue model to an Ollama host by upload (formats.md §4.1): every
// file becomes a blob (skipped when the host has it), then /api/create names the
// files by their host file names, with the Ollama extras (template, system,
// parameters, license) when the model has them, and the result is confirmed
// with /api/show and /api/tags. A retry starts again from the blob checks, so
// blobs uploaded by an earlier attempt are not sent twice.
import { AppError } from "../../errors.ts";
import { cancelledError } from "../../hashing/cancelled-error.ts";
import type { HostTarget, PushContext, PushOutcome, PushSource } from "../types.ts";
import { confirmOllamaModel } from "./confirm-ollama-model.ts";
import { reportedFailure } from "./ollama-failure.ts";
import { streamOllamaProgress, type ProgressLine } from "./stream-ollama-progress.ts";
import { uploadOllamaBlob } from "./upload-ollama-blob.ts";

/**
 * The shortest silence that fails a create. Since v0.30 Ollama rewrites an uploaded
 * GGUF through llama-quantize (formats.md §4.1) and parses every shard; for a model of
 * tens of gigabytes that takes minutes, during which the stream may say nothing.
 */
export const CREATE_IDLE_FLOOR_MS = 10 * 60_000;

/**
 * {"error"} lines of /api/create that describe the request or the files
 * (server/create.go's bad-request errors): sending the same again fails again.
 * Anything else (a blob pruned by a restart, an I/O error) is worth a retry.
 */
const PERMANENT_CREATE_ERRORS = [
  /invalid split GGUF/i,
  /supplied file was not in GGUF format/i,
  /invalid file magic/i,
  /unknown type/i,
  /no files provided/i,
  /LoRA adapters/i,
  /template error/i,
  /invalid model name/i,
  /file path must be relative/i,
  /invalid digest/i,
  /invalid license/i,
  /mixed model file types/i,
  /quantization is only supported/i,
];

function classifyCreateError(what: string, message: string): AppError {
  const permanent = PERMANENT_CREATE_ERRORS.some((pattern) => pattern.test(message));
  return reportedFailure(what, message, null, !permanent);
}

/** The JSON body of POST /api/create for `source` (formats.md §4.1 step 3). */
export function createRequestBody(source: PushSource): Record<string, unknown> {
  const files: Record<string, string> = {};
  for (const file of source.files) files[file.fileName] = `sha256:${file.sha256.toLowerCase()}`;
  const body: Record<string, unknown> = { model: source.ref, files };
  if (source.template) body.template = source.template;
  if (source.system) body.system = source.system;
  if (source.parameters && Object.keys(source.parameters).length > 0) body.parameters = source.parameters;
  if (source.license) body.license = source.license;
  return body;
}

function checkSource(source: PushSource): void {
  if (source.files.length === 0) throw new AppError("invalid-input", `${source.ref}: no files to push`);
  const names = new Set(source.files.map((f) => f.fileName));
  if (names.size !== source.files.length) throw new AppError("invalid-input", `${source.ref}: two files would get the same name on the host`);
}

/** Notes each distinct status once, and byte progress when a line carries it. */
function progressReporter(ctx: PushContext): (line: ProgressLine) => void {
  let lastNoted = "";
  return (line) => {
    if (line.total !== undefined && line.total > 0) ctx.progress(line.completed ?? 0, line.total, "bytes", line.status);
    if (line.status !== lastNoted) {
      lastNoted = line.status;
      ctx.note(line.status);
    }
  };
}

export async function pushOllamaUpload(host: HostTarget, source: PushSource, ctx: PushContext): Promise<PushOutcome> {
  checkSource(source);
  const files = [...source.files].sort((a, b) => a.shardIndex - b.shardIndex);
  const total = files.reduce((sum, f) => sum + f.sizeBytes, 0);
  let done = 0;
  ctx.progress(0, total, "bytes", "checking blobs");
  for (const file of files) {
    if (ctx.signal.aborted) throw cancelledError(`Pushing ${source.ref} to ${host.name} was cancelled`, ctx.signal.reason);
    const result = await uploadOllamaBlob(host, file, ctx, (bytes) => {
      done += bytes;
      ctx.progress(done, total, "bytes", `uploading ${file.fileName}`);
    });
    if (result === "present") {
      done += file.sizeBytes;
      ctx.progress(done, total, "bytes", `${file.fileName} already on ${host.name}`);
      ctx.note(`${file.fileName}: ${host.name} already has blob sha256:${file.sha256.toLowerCase()}`);
    } else ctx.note(`${file.fileName}: uploaded to ${host.name}`);
  }

  ctx.note(`creating ${source.ref} on ${host.name}`);
  await streamOllamaProgress(host, ctx, {
    path: "/api/create",
    body: createRequestBody(source),
    idleTimeoutMs: Math.max(ctx.timeoutMs, CREATE_IDLE_FLOOR_MS),
    classifyErrorLine: classifyCreateError,
    onLine: progressReporter(ctx),
  });
  const confirmed = await confirmOllamaModel(host, source.ref, ctx, { show: true });
  ctx.note(`${host.name} lists ${confirmed.hostName} (manifest sha256:${confirmed.hostDigest})`);
  return { hostName: confirmed.hostName, hostDigest: confirmed.hostDigest, sizeBytes: confirmed.sizeBytes, paths: [] };
}
