import { describe, expect, it } from "vitest";
import { GGML_TYPES, fileTypeForTensorType, fileTypeName, ggmlTypeName, tensorByteSize } from "../../lib/gguf/ggml-types.ts";

describe("ggml types", () => {
  it("lists ids 0..42 in order, marking the removed ones", () => {
    expect(GGML_TYPES.map((t) => t.id)).toEqual(Array.from({ length: 43 }, (_, i) => i));
    expect(GGML_TYPES.filter((t) => t.removed).map((t) => t.id)).toEqual([4, 5, 31, 32, 33, 36, 37, 38]);
  });

  it("computes tensor sizes from block size and bytes per block", () => {
    expect(tensorByteSize(1, [64, 320])).toBe(64n * 320n * 2n); // F16
    expect(tensorByteSize(8, [64, 320])).toBe((64n * 320n) / 32n * 34n); // Q8_0
    expect(tensorByteSize(12, [4096, 14336])).toBe((4096n * 14336n) / 256n * 144n); // Q4_K
    expect(tensorByteSize(0, [])).toBe(4n); // a scalar
  });

  it("has no size for unknown or removed types, or rows that split a block", () => {
    expect(tensorByteSize(99, [32])).toBeNull();
    expect(tensorByteSize(4, [32])).toBeNull();
    expect(tensorByteSize(8, [16])).toBeNull();
  });

  it("names unknown tensor types instead of throwing", () => {
    expect(ggmlTypeName(12)).toBe("Q4_K");
    expect(ggmlTypeName(43)).toBe("unknown(43)");
  });
});

describe("fileTypeName", () => {
  it("maps llama_ftype codes to the usual labels", () => {
    expect(fileTypeName(0)).toBe("F32");
    expect(fileTypeName(1)).toBe("F16");
    expect(fileTypeName(2)).toBe("Q4_0");
    expect(fileTypeName(7)).toBe("Q8_0");
    expect(fileTypeName(15)).toBe("Q4_K_M");
    expect(fileTypeName(32)).toBe("BF16");
    expect(fileTypeName(41)).toBe("Q2_0");
  });

  it("answers unknown for removed, future and nonsense codes, never throwing", () => {
    for (const code of [4, 5, 6, 33, 42, 1024, -1, 1.5, Number.NaN]) expect(fileTypeName(code)).toBe("unknown");
  });

  it("guesses the file type from a dominant tensor type the way llama.cpp does", () => {
    expect(fileTypeForTensorType(12)).toBe(15); // Q4_K → Q4_K_M
    expect(fileTypeForTensorType(8)).toBe(7); // Q8_0
    expect(fileTypeForTensorType(39)).toBeUndefined(); // MXFP4: llama.cpp has no guess either
  });
});
