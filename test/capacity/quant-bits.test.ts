// Bits per weight of GGUF quantisations: the cited table and the weight-size estimate.
import { describe, expect, it } from "vitest";
import { QUANTS, bitsPerWeight, canonicalQuantName, estimateWeightBytes, findQuant } from "../../lib/capacity/quant-bits.ts";
import { GGML_TYPES } from "../../lib/gguf/index.ts";

const LLAMA_31_8B_PARAMETERS = 8_030_261_248;

describe("quantisation table", () => {
  it("covers the quantisations people download", () => {
    const names = QUANTS.map((quant) => quant.name);
    for (const name of [
      "F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q5_1", "Q5_0", "Q4_K_M", "Q4_K_S", "Q4_1", "Q4_0",
      "Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K", "IQ4_XS", "IQ4_NL", "IQ3_M", "IQ3_S", "IQ3_XS", "IQ3_XXS", "IQ2_M", "IQ2_S",
      "IQ2_XS", "IQ2_XXS", "IQ1_M", "IQ1_S", "TQ1_0", "TQ2_0", "MXFP4",
    ]) {
      expect(names).toContain(name);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it("cites a source for every entry", () => {
    for (const quant of QUANTS) {
      expect(quant.source).toMatch(/llama\.cpp|ggml/);
      expect(quant.bitsPerWeight).toBeGreaterThan(1);
    }
  });

  it("gives the measured Llama-3.1-8B averages for K-quant mixes, from llama.cpp's quantize README", () => {
    expect(bitsPerWeight("Q4_K_M")).toBe(4.8944);
    expect(bitsPerWeight("Q5_K_M")).toBe(5.7036);
    expect(bitsPerWeight("Q6_K")).toBe(6.5633);
    expect(bitsPerWeight("Q8_0")).toBe(8.5008);
    expect(findQuant("Q4_K_M")?.source).toMatch(/tools\/quantize\/README\.md.*Llama-3\.1-8B.*approximate/);
  });

  it("reproduces the README's Llama-3.1-8B file sizes in GiB", () => {
    const gib = (quant: string) => Number((estimateWeightBytes(LLAMA_31_8B_PARAMETERS, quant) / 2 ** 30).toFixed(2));
    expect(gib("Q4_K_M")).toBe(4.58);
    expect(gib("Q5_K_M")).toBe(5.33);
    expect(gib("Q6_K")).toBe(6.14);
    expect(gib("Q8_0")).toBe(7.95);
    expect(gib("F16")).toBe(14.96);
    expect(gib("IQ4_XS")).toBe(4.17);
    expect(gib("Q3_K_M")).toBe(3.74);
    expect(gib("Q2_K")).toBe(2.95);
  });

  it("uses ggml's block sizes where no measurement exists", () => {
    const blockBits = (name: string) => {
      const type = GGML_TYPES.find((t) => t.name === name);
      return type ? (type.bytesPerBlock * 8) / type.blockSize : Number.NaN;
    };
    for (const name of ["F32", "TQ1_0", "TQ2_0", "MXFP4"]) expect(bitsPerWeight(name)).toBe(blockBits(name));
  });

  it("never goes below the bits of the mix's main block type", () => {
    expect(bitsPerWeight("Q4_K_M")).toBeGreaterThanOrEqual(4.5);
    expect(bitsPerWeight("Q4_0")).toBeGreaterThanOrEqual(4.5);
    expect(bitsPerWeight("Q8_0")).toBeGreaterThanOrEqual(8.5);
    expect(bitsPerWeight("IQ1_S")).toBeGreaterThanOrEqual(1.5625);
  });
});

describe("quantisation lookups", () => {
  it("ignores case, as Ollama tags write q4_K_M", () => {
    expect(bitsPerWeight("q4_K_M")).toBe(4.8944);
    expect(bitsPerWeight(" iq4_xs ")).toBe(4.4597);
  });

  it("resolves llama-quantize's aliases to the medium mix", () => {
    expect(canonicalQuantName("Q4_K")).toBe("Q4_K_M");
    expect(canonicalQuantName("q5_k")).toBe("Q5_K_M");
    expect(canonicalQuantName("Q3_K")).toBe("Q3_K_M");
  });

  it("rejects an unknown quantisation as invalid input, listing the known names", () => {
    expect(() => bitsPerWeight("Q4KM")).toThrow(/^unknown quantisation "Q4KM"; known: F32, F16, BF16, Q8_0, .*Q4_K_M.*IQ1_S$/);
    let thrown: unknown;
    try {
      bitsPerWeight("Q9");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "invalid-input", details: { quant: "Q9" } });
  });

  it("estimates weight bytes as parameters × bits / 8, rounded up", () => {
    expect(estimateWeightBytes(1000, "Q8_0")).toBe(Math.ceil((1000 * 8.5008) / 8));
    expect(estimateWeightBytes(7_615_616_512, "Q4_K_M")).toBe(4_659_234_183);
    expect(() => estimateWeightBytes(0, "Q4_K_M")).toThrow("parameters must be a positive number (got 0)");
  });
});
