// The contract between the hosts jobs (poll, push, remove) and the per-kind
// drivers (lib/hosts/ollama, lib/hosts/llama-server). Drivers speak to one host
// over HTTP (and, for llama-server copies, write into its models directory);
// they never touch the database: jobs pass them what they need and record what
// they return.
import type { Throttle } from "../hashing/throttle.ts";

export type HostKind = "ollama" | "llama-server";
export type LlamaDelivery = "models-dir" | "nas-direct";
export type PushMethod = "upload" | "pull" | "copy" | "preset";

/** A library-prefix translation for hosts that read the NAS themselves. */
export interface PathMapping {
  /** Library path prefix as ModelShelf knows it (local path or nfs:// URL). */
  from: string;
  /** The same folder as the host sees it (e.g. /mnt/models). */
  to: string;
}

export interface HostTarget {
  id: number;
  name: string;
  kind: HostKind;
  /** "http://10.0.0.5:11434", no trailing slash. */
  baseUrl: string;
  delivery: LlamaDelivery | null;
  /** llama-server models-dir delivery: local path or nfs:// URL. */
  modelsDir: string | null;
  /** llama-server nas-direct delivery: preset INI path ModelShelf writes (local or nfs://). */
  presetPath: string | null;
  pathMap: PathMapping[];
}

/** One model as a host reports it. */
export interface HostModelReport {
  /** The host's name for it: Ollama "ns/model:tag" (as /api/tags spells it), llama-server model id. */
  name: string;
  /** Ollama: manifest digest, hex without "sha256:". llama-server: null. */
  digest: string | null;
  sizeBytes: number | null;
  loaded: boolean;
  /** Memory in use while loaded (Ollama /api/ps size), else null. */
  loadedBytes: number | null;
  vramBytes: number | null;
  /** "present" (Ollama) or llama-server status.value. */
  status: string | null;
  /** Host-specific facts worth showing (family, quantisation, path, args, context length). */
  details: Record<string, unknown>;
}

export interface PollReport {
  reachable: boolean;
  version: string | null;
  /** Why the host could not be polled, or a partial failure; null when all went well. */
  error: string | null;
  models: HostModelReport[];
}

/** One file of the model to push, as the catalogue knows it. */
export interface PushFile {
  libraryPath: string;
  relPath: string;
  sizeBytes: number;
  /** Verified SHA-256 (hex). Pushes require verified files. */
  sha256: string;
  /** 0-based shard index (0 for single-file models). */
  shardIndex: number;
  /** Base name to give it on the host ("qwen-7b-q4_k_m-00001-of-00002.gguf"). */
  fileName: string;
}

/** What ModelShelf pushes: a catalogue model under its reference. */
export interface PushSource {
  modelId: number;
  /** "namespace/model:tag" (lib/registry/model-refs.ts). */
  ref: string;
  /** In shard order. */
  files: PushFile[];
  /** From the Ollama manifest when the model came from an Ollama store. */
  template: string | null;
  system: string | null;
  /** Ollama params layer (JSON object of options). */
  parameters: Record<string, unknown> | null;
  license: string | null;
  /** Suggested context size for llama-server presets (from the fit estimate), or null. */
  contextSize: number | null;
}

export interface PushContext {
  signal: AbortSignal;
  /** Reports progress; bytes for transfers. Cheap to call often. */
  progress(done: number, total: number, unit: "bytes" | "steps", message?: string): void;
  /** Status lines (NDJSON statuses, phases) for the job log. */
  note(message: string): void;
  throttle: Throttle | null;
  /** Per-request timeout for control calls (not for whole transfers). */
  timeoutMs: number;
  /** Filesystem timeout for library reads and models-dir writes. */
  fsTimeoutMs: number;
}

/** What the host confirmed after a push. Drivers throw unless the host confirmed it. */
export interface PushOutcome {
  /** The host's name for the model (as its poll will report it). */
  hostName: string;
  /** Ollama: manifest digest (hex) from /api/tags after create/pull. llama-server: sha256 of the first file. */
  hostDigest: string | null;
  sizeBytes: number | null;
  /** Files written on the host side (llama-server copy/preset). */
  paths: string[];
}
