// Shapes of the Ollama answers the driver reads (formats.md §4.1; ollama/ollama
// api/types.go). Every answer is checked before use: a host behind a proxy, an
// old version or something else on the port must read as an error, not as data.
// Unknown fields are ignored (Ollama adds fields between versions).
import { z } from "zod";

/** A real tag list has tens of models; ten thousand means the answer is not one. */
const MAX_LISTED_MODELS = 10_000;
/** Names, digests, version strings: short by nature; a megabyte "name" is garbage. */
const MAX_TEXT = 4096;

const hexDigestSchema = z.string().regex(/^[0-9a-f]{64}$/i, "digest must be 64 hex characters");
const text = z.string().max(MAX_TEXT);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const ollamaErrorSchema = z.object({ error: z.string() });

export const ollamaVersionSchema = z.object({ version: text.min(1) });
export type OllamaVersion = z.infer<typeof ollamaVersionSchema>;

export const ollamaDetailsSchema = z
  .object({
    parent_model: text.nullish(),
    format: text.nullish(),
    family: text.nullish(),
    families: z.array(text).max(100).nullish(),
    parameter_size: text.nullish(),
    quantization_level: text.nullish(),
  })
  .nullish();
export type OllamaDetails = z.infer<typeof ollamaDetailsSchema>;

export const ollamaTagsSchema = z.object({
  models: z
    .array(
      z.object({
        name: text.min(1),
        model: text.nullish(),
        modified_at: text.nullish(),
        size: count,
        digest: hexDigestSchema,
        details: ollamaDetailsSchema,
      }),
    )
    .max(MAX_LISTED_MODELS),
});
export type OllamaTags = z.infer<typeof ollamaTagsSchema>;

export const ollamaPsSchema = z.object({
  models: z
    .array(
      z.object({
        name: text.min(1),
        model: text.nullish(),
        size: count,
        digest: hexDigestSchema,
        details: ollamaDetailsSchema,
        expires_at: text.nullish(),
        size_vram: count.nullish(),
        context_length: count.nullish(),
      }),
    )
    .max(MAX_LISTED_MODELS),
});
export type OllamaPs = z.infer<typeof ollamaPsSchema>;

/** Only what the driver confirms with: the model exists and is a model. */
export const ollamaShowSchema = z.object({
  details: ollamaDetailsSchema,
  model_info: z.record(z.string(), z.unknown()).nullish(),
  capabilities: z.array(text).max(100).nullish(),
});
export type OllamaShow = z.infer<typeof ollamaShowSchema>;

/** One NDJSON line of /api/create or /api/pull (api.ProgressResponse, or {"error"}). */
export const ollamaProgressSchema = z.union([
  z.object({ error: z.string() }),
  z.object({
    status: z.string(),
    digest: text.optional(),
    total: count.optional(),
    completed: count.optional(),
  }),
]);
export type OllamaProgress = z.infer<typeof ollamaProgressSchema>;
