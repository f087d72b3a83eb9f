// Fixtures for the Ollama driver tests (test/hosts/ollama-*.test.ts): a library
// folder of real GGUF files in a temp dir, PushFile/PushSource/PushContext built
// from it, and a HostTarget pointing at the double.
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import type { Throttle } from "../../lib/hashing/throttle.ts";
import type { HostTarget, PushContext, PushFile, PushSource } from "../../lib/hosts/types.ts";

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Temp library folders, removed after each test. */
export function useLibraries(): (files: Record<string, Uint8Array>) => Promise<string> {
  const created: string[] = [];
  afterEach(async () => {
    await Promise.all(created.splice(0).map((dir) => fsp.rm(dir, { recursive: true, force: true })));
  });
  return async (files) => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "modelshelf-ollama-lib-"));
    created.push(dir);
    for (const [relPath, bytes] of Object.entries(files)) {
      await fsp.mkdir(path.dirname(path.join(dir, relPath)), { recursive: true });
      await fsp.writeFile(path.join(dir, relPath), bytes);
    }
    return dir;
  };
}

export function hostTarget(baseUrl: string, name = "test-ollama"): HostTarget {
  return { id: 1, name, kind: "ollama", baseUrl, delivery: null, modelsDir: null, presetPath: null, pathMap: [] };
}

export function pushFile(libraryPath: string, relPath: string, bytes: Uint8Array, shardIndex = 0): PushFile {
  return { libraryPath, relPath, sizeBytes: bytes.length, sha256: sha256Hex(bytes), shardIndex, fileName: path.basename(relPath) };
}

export function pushSource(ref: string, files: PushFile[], extras: Partial<PushSource> = {}): PushSource {
  return { modelId: 1, ref, files, template: null, system: null, parameters: null, license: null, contextSize: null, ...extras };
}

export interface RecordingContext extends PushContext {
  notes: string[];
  progressCalls: { done: number; total: number; unit: "bytes" | "steps"; message?: string }[];
}

export function pushContext(overrides: { signal?: AbortSignal; throttle?: Throttle | null; timeoutMs?: number } = {}): RecordingContext {
  const notes: string[] = [];
  const progressCalls: RecordingContext["progressCalls"] = [];
  return {
    signal: overrides.signal ?? new AbortController().signal,
    progress: (done, total, unit, message) => progressCalls.push({ done, total, unit, ...(message === undefined ? {} : { message }) }),
    note: (message) => notes.push(message),
    throttle: overrides.throttle ?? null,
    timeoutMs: overrides.timeoutMs ?? 5000,
    fsTimeoutMs: 5000,
    notes,
    progressCalls,
  };
}
