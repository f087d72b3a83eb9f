// The name a catalogue model gets on a llama-server host: its router model id,
// which is also the file name (<id>.gguf) or sub-directory (<id>/) in a models
// directory and the [<id>] section of a preset INI. Clients send it as "model".
import { AppError } from "../../errors.ts";
import { parseRef } from "../../registry/model-refs.ts";

/**
 * Longest id accepted: "<id>.gguf" must fit NAME_MAX (255 bytes) on the host's
 * filesystem, and a staging name adds a few bytes more.
 */
export const MAX_LLAMA_MODEL_ID_LENGTH = 200;

/**
 * llama-server's models-dir scan (common/preset.cpp load_from_models_dir) skips a
 * file whose name contains "mmproj" (a vision projector) or starts with a draft-model
 * prefix, and strips every ".gguf" from a file name to make the id. An id must
 * avoid all three or the model would be invisible or renamed on the host.
 */
const DRAFT_PREFIXES = ["mtp-", "dspark-", "dflash-"] as const;

/**
 * "namespace/model:tag" → "<model>-<tag>", with "<namespace>-" in front unless the
 * namespace is "library" (Ollama's default). No ":" (the preset loader rewrites the
 * part after a colon as an upper-case quant tag) and no "/" (it is a file name).
 * Everything a reference may contain ([a-z0-9._-]) is valid in a file name.
 */
export function llamaModelId(ref: string): string {
  const parsed = parseRef(ref);
  if (parsed === null) throw new AppError("invalid-input", `"${ref}" is not a model reference (namespace/model:tag)`, { details: { ref } });
  let id = `${parsed.namespace === "library" ? "" : `${parsed.namespace}-`}${parsed.model}-${parsed.tag}`;
  id = id.replaceAll(".gguf", "_gguf").replaceAll("mmproj", "mm_proj");
  for (const prefix of DRAFT_PREFIXES) {
    if (id.startsWith(prefix)) id = `${prefix.slice(0, -1)}_${id.slice(prefix.length)}`;
  }
  if (id.length > MAX_LLAMA_MODEL_ID_LENGTH) {
    throw new AppError("invalid-input", `The llama-server model id for "${ref}" would be ${id.length} characters; at most ${MAX_LLAMA_MODEL_ID_LENGTH} fit a file name`, {
      details: { ref, id },
    });
  }
  return id;
}

/**
 * Whether `name` can be a model id this driver writes or deletes: one plain path
 * component, not hidden (staging names start with "."), within the length limit.
 * Guards remove() against names a poll reported from elsewhere ("../x", "a/b").
 */
export function isSafeLlamaModelId(name: string): boolean {
  return name.length > 0 && name.length <= MAX_LLAMA_MODEL_ID_LENGTH && /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name) && !name.includes(".gguf");
}
