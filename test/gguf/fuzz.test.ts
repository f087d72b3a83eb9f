// Seeded mutation fuzzing: the scanner parses whatever lies on the share, so
// no mutation of a valid file may crash the reader, hang it or blow up memory.
// Deterministic (fixed seeds), so a failure reproduces with its mutation label.

import { describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors.ts";
import { bufferSource } from "../../lib/gguf/byte-source.ts";
import { buildTinyModel } from "../../lib/gguf/build-tiny-model.ts";
import { readGgufHeader, readGgufHeaderFromBytes } from "../../lib/gguf/read-gguf-header.ts";
import { summarizeGguf } from "../../lib/gguf/summarize-gguf.ts";
import { allValueTypesFile, mutate, seededRandom } from "../helpers/gguf-fixtures.ts";

const MUTATIONS_PER_FIXTURE = 2000;
// Generous for a loaded 2-core CI box; a valid tiny header parses in well under 1 ms.
const MAX_PARSE_MS = 250;
const MAX_HEAP_GROWTH_BYTES = 64 * 1024 * 1024;

interface FuzzReport {
  parsed: number;
  rejected: number;
  slowest: number;
}

async function fuzz(name: string, bytes: Uint8Array, seed: number): Promise<FuzzReport> {
  const hotEnd = readGgufHeaderFromBytes(bytes, { fileLabel: name }).tensorDataOffset + 64;
  const random = seededRandom(seed);
  const baseline = process.memoryUsage().heapUsed;
  const report: FuzzReport = { parsed: 0, rejected: 0, slowest: 0 };
  for (let i = 0; i < MUTATIONS_PER_FIXTURE; i++) {
    const mutation = mutate(bytes, hotEnd, random);
    const label = `${name} mutation #${i} (${mutation.kind})`;
    const started = performance.now();
    try {
      const header = await readGgufHeader(bufferSource(mutation.bytes), { fileLabel: name });
      // Whatever parses must also summarise: the catalogue calls both.
      JSON.stringify(summarizeGguf(header, mutation.bytes.length));
      report.parsed++;
    } catch (error) {
      expect(error, label).toBeInstanceOf(AppError);
      const appError = error as AppError;
      expect(["corrupt-file", "unsupported"], `${label}: ${appError.message}`).toContain(appError.code);
      // The reader's safety net must never be what caught it: every failure has an explicit check.
      expect(appError.details.unexpected, `${label}: ${appError.message}`).toBeUndefined();
      report.rejected++;
    }
    const elapsed = performance.now() - started;
    report.slowest = Math.max(report.slowest, elapsed);
    expect(elapsed, label).toBeLessThan(MAX_PARSE_MS);
    if (i % 100 === 0) expect(process.memoryUsage().heapUsed - baseline, label).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
  }
  return report;
}

describe("readGgufHeader under random corruption", () => {
  it("survives 2000 mutations of a file with every value type", { timeout: 60_000 }, async () => {
    const report = await fuzz("all-types.gguf", allValueTypesFile(), 0x5eed_0001);
    expect(report.parsed + report.rejected).toBe(MUTATIONS_PER_FIXTURE);
    expect(report.rejected).toBeGreaterThan(report.parsed / 10); // the mutations do hit structure
  });

  it("survives 2000 mutations of a tiny llama model's header", { timeout: 60_000 }, async () => {
    const report = await fuzz("tiny-llama.gguf", buildTinyModel({ alignment: 64 }), 0x5eed_0002);
    expect(report.parsed + report.rejected).toBe(MUTATIONS_PER_FIXTURE);
  });

  it("survives 2000 mutations of a tiny qwen2 model with a BPE tokenizer", { timeout: 60_000 }, async () => {
    const report = await fuzz("tiny-qwen2.gguf", buildTinyModel({ architecture: "qwen2", fileType: "Q8_0", version: 2 }), 0x5eed_0003);
    expect(report.parsed + report.rejected).toBe(MUTATIONS_PER_FIXTURE);
  });
});
