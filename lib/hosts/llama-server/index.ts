// The llama-server driver (lib/hosts/types.ts contract): poll, push by copy or
// preset, load, remove, and the model id a catalogue reference gets on a host.
export { pollLlamaServer, type PollLlamaServerOptions } from "./poll-llama-server.ts";
export { llamaServerDriver } from "./llama-server-driver.ts";
export { pushLlamaModel, llamaPushMethod, type PushLlamaModelOptions } from "./push-llama-model.ts";
export { removeLlamaModel, type RemoveContext, type RemoveOutcome, type RemoveLlamaModelOptions } from "./remove-llama-model.ts";
export { loadLlamaModel, unloadLlamaModel, listLlamaModels, LOAD_TIMEOUT_MS, MAX_MODELS } from "./llama-server-api.ts";
export { llamaModelId, isSafeLlamaModelId, MAX_LLAMA_MODEL_ID_LENGTH } from "./llama-model-id.ts";
export { upsertPresetSection, removePresetSection, readPresetSections, type PresetEntry } from "./preset-ini.ts";
export { mapLibraryPath } from "./map-library-path.ts";
export { STAGING_DIR } from "./copy-to-models-dir.ts";
export { MAX_RESPONSE_BYTES } from "./llama-http.ts";
