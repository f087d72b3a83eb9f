// Model footprints: catalogue bytes with identical content once, planned-model estimates, the rule of thumb.
import { describe, expect, it } from "vitest";
import { GGUF_HEADER_ALLOWANCE_BYTES, catalogueFootprint, estimatePlannedModel, ruleOfThumbBytes } from "../../lib/capacity/footprint.ts";

const GB = 1e9;

describe("catalogue footprint", () => {
  it("counts identical content once and reports the duplicate bytes", () => {
    const footprint = catalogueFootprint([
      { sha256OrFingerprint: "sha256:aa", sizeBytes: 4_000 },
      { sha256OrFingerprint: "sha256:aa", sizeBytes: 4_000 }, // the Ollama blob of the same file
      { sha256OrFingerprint: "header:bb", sizeBytes: 1_000 },
    ]);
    expect(footprint).toEqual({ fileCount: 3, uniqueFileCount: 2, storedBytes: 9_000, uniqueBytes: 5_000, duplicateBytes: 4_000 });
  });

  it("is empty for an empty catalogue", () => {
    expect(catalogueFootprint([])).toEqual({ fileCount: 0, uniqueFileCount: 0, storedBytes: 0, uniqueBytes: 0, duplicateBytes: 0 });
  });

  it("refuses one content key with two sizes, since any total would be wrong", () => {
    expect(() =>
      catalogueFootprint([
        { sha256OrFingerprint: "sha256:aa", sizeBytes: 4_000 },
        { sha256OrFingerprint: "sha256:aa", sizeBytes: 5_000 },
      ]),
    ).toThrow("files with content sha256:aa have different sizes (4000 and 5000 bytes)");
  });
});

describe("planned model estimate", () => {
  it("is parameters × bits / 8 plus the header allowance, per quantisation and per kept version", () => {
    const estimate = estimatePlannedModel({ label: "Qwen2.5 7B", parameters: 7_615_616_512, quants: ["Q4_K_M", "q8_0"], versions: 2 });
    const q4 = Math.ceil((7_615_616_512 * 4.8944) / 8) + GGUF_HEADER_ALLOWANCE_BYTES;
    const q8 = Math.ceil((7_615_616_512 * 8.5008) / 8) + GGUF_HEADER_ALLOWANCE_BYTES;
    expect(estimate.quants.map((quant) => [quant.quant, quant.bitsPerWeight, quant.fileBytes])).toEqual([
      ["Q4_K_M", 4.8944, q4],
      ["Q8_0", 8.5008, q8],
    ]);
    expect(estimate.perVersionBytes).toBe(q4 + q8);
    expect(estimate.exactBytes).toBe(2 * (q4 + q8));
  });

  it("puts a Qwen2.5 7B Q4_K_M file at the size of the published one (4.68 GB)", () => {
    const estimate = estimatePlannedModel({ label: "Qwen2.5 7B", parameters: 7_615_616_512, quants: ["Q4_K_M"], versions: 1 });
    expect(estimate.exactBytes / GB).toBeCloseTo(4.68, 2);
  });

  it("counts a quantisation listed twice once", () => {
    const estimate = estimatePlannedModel({ label: "x", parameters: 7e9, quants: ["Q4_K_M", "q4_k"], versions: 1 });
    expect(estimate.quants).toHaveLength(1);
  });

  it("shows the rule of thumb for the size class next to the exact estimate", () => {
    const estimate = estimatePlannedModel({ label: "Qwen2.5 7B", parameters: 7_615_616_512, nominalParameters: 7e9, quants: ["Q4_K_M"], versions: 1 });
    expect(estimate.ruleOfThumbBytes).toBe(20 * GB);
    expect(estimate.exactBytes).toBeLessThan(estimate.ruleOfThumbBytes);
  });

  it("rejects zero versions and an empty quantisation list", () => {
    expect(() => estimatePlannedModel({ label: "m", parameters: 7e9, quants: ["Q4_K_M"], versions: 0 })).toThrow(
      "m: versions must be a whole number, 1 or more (got 0)",
    );
    expect(() => estimatePlannedModel({ label: "m", parameters: 7e9, quants: [], versions: 1 })).toThrow("m: at least one quantisation is needed");
  });
});

describe("rule of thumb", () => {
  it("plans exactly 20 GB per 7B, 50 GB per 14B and 100 GB per 32B model", () => {
    expect(ruleOfThumbBytes(7e9)).toBe(20 * GB);
    expect(ruleOfThumbBytes(14e9)).toBe(50 * GB);
    expect(ruleOfThumbBytes(32e9)).toBe(100 * GB);
  });

  it("interpolates linearly between the anchors", () => {
    expect(ruleOfThumbBytes(10.5e9)).toBe(35 * GB);
    expect(ruleOfThumbBytes(23e9)).toBe(75 * GB);
  });

  it("scales in proportion below 7B and above 32B", () => {
    expect(ruleOfThumbBytes(3.5e9)).toBe(10 * GB);
    expect(ruleOfThumbBytes(64e9)).toBe(200 * GB);
    expect(ruleOfThumbBytes(70e9)).toBe(218.75 * GB);
  });

  it("never shrinks as models grow", () => {
    let previous = 0;
    for (let parameters = 0.1e9; parameters <= 100e9; parameters += 0.1e9) {
      const bytes = ruleOfThumbBytes(parameters);
      expect(bytes).toBeGreaterThanOrEqual(previous);
      previous = bytes;
    }
  });
});
