// Public API of the Ollama driver.
export { ollamaDriver } from "./ollama-driver.ts";
export { pollOllamaHost } from "./poll-ollama-host.ts";
export { pushOllamaPull, pullName, PULL_IDLE_FLOOR_MS } from "./push-ollama-pull.ts";
export { pushOllamaUpload, createRequestBody, CREATE_IDLE_FLOOR_MS } from "./push-ollama-upload.ts";
export { removeOllamaModel } from "./remove-ollama-model.ts";
export { uploadOllamaBlob, UPLOAD_IDLE_FLOOR_MS, type BlobUploadResult } from "./upload-ollama-blob.ts";
export { confirmOllamaModel, type ConfirmedModel } from "./confirm-ollama-model.ts";
export { ollamaShortName, sameOllamaName } from "./ollama-names.ts";
