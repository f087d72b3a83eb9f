// Ollama's parameter-size label, including Go's half-to-even rounding.
import { describe, expect, it } from "vitest";
import { formatFixedLikeGo, humanNumber } from "../../lib/registry/human-number.ts";

describe("humanNumber (Ollama's format.HumanNumber)", () => {
  it("gives the labels of Ollama's own test table", () => {
    const table: [bigint, string][] = [
      [0n, "0"],
      [1_000_000n, "1M"],
      [125_000_000n, "125M"],
      [500_500_000n, "500.50M"],
      [500_550_000n, "500.55M"],
      [1_000_000_000n, "1B"],
      [2_800_000_000n, "2.8B"],
      [2_850_000_000n, "2.9B"],
      [1_000_000_000_000n, "1000B"],
    ];
    for (const [count, label] of table) expect(humanNumber(count), String(count)).toBe(label);
  });

  it("labels thousands without decimals and small counts as plain numbers", () => {
    expect(humanNumber(115_008n)).toBe("115K");
    expect(humanNumber(999n)).toBe("999");
    expect(humanNumber(14_770_033_664n)).toBe("14.8B");
  });

  it("rounds exact ties to even as Go's %.1f does, where toFixed would round up", () => {
    expect((2.25).toFixed(1)).toBe("2.3");
    expect(humanNumber(2_250_000_000n)).toBe("2.2B");
    expect(humanNumber(2_350_000_000n)).toBe("2.4B");
    expect(humanNumber(2_500n)).toBe("2K");
    expect(humanNumber(3_500n)).toBe("4K");
  });

  it("carries a round-up into the integer part", () => {
    expect(formatFixedLikeGo(9.96, 1)).toBe("10.0");
    expect(formatFixedLikeGo(999.999, 2)).toBe("1000.00");
  });
});
