// Pure parsing of an Ollama manifest file (manifests/<host>/<ns>/<model>/<tag>)
// into the facts the catalogue keeps. See formats.md §3.
import { createHash } from "node:crypto";
import { z } from "zod";
import { AppError } from "../errors.ts";

const digestSchema = z.string().regex(/^sha256:[0-9a-fA-F]{64}$/, "digest must be sha256:<64 hex>");

const layerSchema = z.object({
  mediaType: z.string().max(200),
  digest: digestSchema,
  size: z.number().int().nonnegative(),
  from: z.string().max(4096).optional(),
  name: z.string().max(4096).optional(),
});

const manifestSchema = z.object({
  schemaVersion: z.number().int(),
  mediaType: z.string().max(200).optional(),
  config: layerSchema.optional(),
  // A real manifest has a handful of layers; thousands means garbage.
  layers: z.array(layerSchema).max(10_000),
});

export type OllamaLayer = z.infer<typeof layerSchema>;

export const OLLAMA_MEDIA = {
  model: "application/vnd.ollama.image.model",
  projector: "application/vnd.ollama.image.projector",
  adapter: "application/vnd.ollama.image.adapter",
  template: "application/vnd.ollama.image.template",
  system: "application/vnd.ollama.image.system",
  params: "application/vnd.ollama.image.params",
  license: "application/vnd.ollama.image.license",
  prompt: "application/vnd.ollama.image.prompt",
} as const;

/** Layers whose content is GGUF and therefore catalogued as files. */
export const GGUF_LAYER_TYPES: ReadonlySet<string> = new Set([OLLAMA_MEDIA.model, OLLAMA_MEDIA.projector, OLLAMA_MEDIA.adapter]);

export interface ParsedManifest {
  /** Hex SHA-256 of the manifest bytes: Ollama's /api/tags digest. */
  digest: string;
  size: number;
  config: OllamaLayer | null;
  layers: OllamaLayer[];
  modelLayer: OllamaLayer | null;
  totalSize: number;
}

export function parseOllamaManifest(bytes: Uint8Array, label: string): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new AppError("corrupt-file", `${label}: manifest is not valid UTF-8 JSON`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("corrupt-file", `${label}: not an Ollama manifest (${issue?.path.join(".") || "root"}: ${issue?.message ?? "?"})`);
  }
  const manifest = parsed.data;
  const modelLayers = manifest.layers.filter((layer) => layer.mediaType === OLLAMA_MEDIA.model);
  const totalSize = manifest.layers.reduce((sum, layer) => sum + layer.size, manifest.config?.size ?? 0);
  return {
    digest: createHash("sha256").update(bytes).digest("hex"),
    size: bytes.byteLength,
    config: manifest.config ?? null,
    layers: manifest.layers,
    modelLayer: modelLayers[0] ?? null,
    totalSize,
  };
}

/** sha256:<hex> → blobs/sha256-<hex> (relative to the store root). */
export function blobRelPath(digest: string): string {
  return `blobs/${digest.replace(":", "-").toLowerCase()}`;
}

/** The display name Ollama uses: registry.ollama.ai/library is implied. */
export function ollamaTagName(host: string, namespace: string, model: string, tag: string): string {
  if (host === "registry.ollama.ai" && namespace === "library") return `${model}:${tag}`;
  if (host === "registry.ollama.ai") return `${namespace}/${model}:${tag}`;
  return `${host}/${namespace}/${model}:${tag}`;
}
