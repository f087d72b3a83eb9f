import { describe, expect, it } from "vitest";
import { DEFAULT_OS_RESERVE_BYTES, GiB, defaultUnifiedShare, parseHostProfile, parseMemorySize } from "../../lib/capacity/host-profile.ts";

describe("host profiles", () => {
  it("reads RAM and VRAM in GB as binary gigabytes, with the default OS reserve", () => {
    expect(parseHostProfile({ name: "box", ramGB: 64, gpus: [{ name: "RTX 4090", vramGB: 24 }] })).toEqual({
      name: "box",
      ramBytes: 64 * GiB,
      osReserveBytes: DEFAULT_OS_RESERVE_BYTES,
      unifiedMemory: false,
      usableShare: null,
      gpus: [{ name: "RTX 4090", vramBytes: 24 * GiB }],
    });
  });

  it("accepts bytes as well as GB", () => {
    expect(parseHostProfile({ name: "box", ramBytes: 17_179_869_184, osReserveBytes: 0 })).toMatchObject({ ramBytes: 16 * GiB, osReserveBytes: 0, gpus: [] });
  });

  it("gives a unified-memory GPU 2/3 of RAM up to 36 GiB and 3/4 above", () => {
    expect(defaultUnifiedShare(32 * GiB)).toBeCloseTo(2 / 3);
    expect(defaultUnifiedShare(64 * GiB)).toBe(0.75);
    expect(parseHostProfile({ name: "mac", ramGB: 64, unifiedMemory: true, gpus: [{ name: "M2 Max" }] })).toMatchObject({
      usableShare: 0.75,
      gpus: [{ name: "M2 Max", vramBytes: 48 * GiB }],
    });
    expect(parseHostProfile({ name: "mac", ramGB: 16, unifiedMemory: true, usableShare: 0.9 }).gpus).toEqual([{ name: "integrated GPU", vramBytes: Math.floor(16 * GiB * 0.9) }]);
  });

  it.each([
    [{ name: "x" }, "invalid host profile: ramBytes: give the RAM as ramBytes or ramGB (exactly one)"],
    [{ name: "x", ramGB: 16, ramBytes: 1 }, "invalid host profile: ramBytes: give the RAM as ramBytes or ramGB (exactly one)"],
    [{ name: " ", ramGB: 16 }, "invalid host profile: name: a host profile needs a name"],
    [{ name: "x", ramGB: -1 }, "invalid host profile: ramGB: must be more than 0"],
    [{ name: "x", ramGB: 16, gpus: [{ name: "A" }] }, "invalid host profile: gpus: gpus[0] (A): give the VRAM as vramBytes or vramGB (exactly one)"],
    [{ name: "x", ramGB: 16, unifiedMemory: true, gpus: [{ name: "M1", vramGB: 8 }] }, "invalid host profile: gpus.0.vramBytes: a unified-memory GPU has no VRAM of its own: set usableShare instead"],
    [{ name: "x", ramGB: 16, usableShare: 0.7 }, "invalid host profile: usableShare: usableShare only applies with unifiedMemory: true"],
    [{ name: "x", ramGB: 16, unifiedMemory: true, usableShare: 1.5 }, "invalid host profile: usableShare: usableShare must be at most 1"],
    [{ name: "x", ramGB: 16, cpus: 8 }, 'invalid host profile: profile: Unrecognized key: "cpus"'],
    [{ name: "x", ramGB: 2, osReserveGB: 2 }, "invalid host profile: osReserveBytes (2147483648) must be less than the RAM (2147483648)"],
  ])("rejects %j with an exact message", (input, message) => {
    expect(() => parseHostProfile(input)).toThrow(message);
  });

  it("names every problem at once", () => {
    expect(() => parseHostProfile({ name: "", ramGB: 0 })).toThrow("invalid host profile: name: a host profile needs a name; ramGB: must be more than 0");
  });
});

describe("memory sizes on the command line", () => {
  it.each([
    ["16GB", 16 * GiB],
    ["16 GiB", 16 * GiB],
    ["24g", 24 * GiB],
    ["512MB", 512 * 1024 ** 2],
    ["1.5GB", 1.5 * GiB],
    ["1TB", 1024 * GiB],
    ["16", 16 * GiB],
    ["17179869184", 16 * GiB],
  ])("reads %s", (text, bytes) => {
    expect(parseMemorySize(text)).toBe(bytes);
  });

  it("rejects what is not a size", () => {
    expect(() => parseMemorySize("lots")).toThrow('not a memory size: "lots" (use e.g. 16GB, 512MB or a byte count)');
  });
});
