import { describe, expect, it } from "vitest";
import { XdrReader, XdrWriter } from "../../../lib/nfs/client/xdr.ts";

const reader = (w: XdrWriter): XdrReader => new XdrReader(w.finish());

describe("XDR (RFC 4506)", () => {
  it("round-trips unsigned, signed and 64-bit integers in big-endian order", () => {
    const w = new XdrWriter(4).uint32(0xdeadbeef).int32(-2).uint64(0x0102030405060708n).bool(true);
    expect([...w.finish().subarray(0, 4)]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    const r = reader(w);
    expect(r.uint32()).toBe(0xdeadbeef);
    expect(r.int32()).toBe(-2);
    expect(r.uint64()).toBe(0x0102030405060708n);
    expect(r.bool()).toBe(true);
    r.end();
  });

  it("pads opaque data and strings to 4 bytes with zeros", () => {
    const bytes = new XdrWriter().opaque(new Uint8Array([1, 2, 3, 4, 5]), 16).string("ab", 16).finish();
    expect([...bytes]).toEqual([0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 2, 0x61, 0x62, 0, 0]);
    const r = new XdrReader(bytes);
    expect([...r.opaque(16)]).toEqual([1, 2, 3, 4, 5]);
    expect(r.string(16)).toBe("ab");
    r.end();
  });

  it("round-trips UTF-8 strings", () => {
    expect(reader(new XdrWriter().string("modèle-日本.gguf", 255)).string(255)).toBe("modèle-日本.gguf");
  });

  it("refuses a length larger than the bytes that remain, before allocating", () => {
    const r = new XdrReader(new XdrWriter().uint32(0x7fff_ffff).finish());
    expect(() => r.opaque(0xffff_ffff)).toThrow(expect.objectContaining({ code: "io" }) as Error);
  });

  it("refuses an opaque longer than its declared maximum", () => {
    const r = reader(new XdrWriter().opaque(new Uint8Array(65), 1000));
    expect(() => r.opaque(64, "file handle")).toThrow("file handle is 65 bytes, the limit is 64");
  });

  it("refuses an array count the remaining bytes cannot hold", () => {
    const r = reader(new XdrWriter().uint32(1000).uint32(1));
    expect(() => r.array(10_000, 4, "gids", (e) => e.uint32())).toThrow(/gids needs 4000 bytes/);
  });

  it("refuses an array longer than its maximum", () => {
    const r = reader(new XdrWriter().uint32(3).uint32(1).uint32(2).uint32(3));
    expect(() => r.array(2, 4, "gids", (e) => e.uint32())).toThrow("gids has 3 elements, the limit is 2");
  });

  it("stops a linked list at its maximum length", () => {
    const w = new XdrWriter();
    for (let i = 0; i < 5; i++) w.bool(true).uint32(i);
    const r = reader(w.bool(false));
    expect(() => r.list(4, "export", (e) => e.uint32())).toThrow("export has more than 4 entries");
  });

  it("reads a linked list to its end", () => {
    const w = new XdrWriter().bool(true).uint32(7).bool(true).uint32(8).bool(false);
    expect(reader(w).list(10, "entry", (e) => e.uint32())).toEqual([7, 8]);
  });

  it("refuses a bool that is neither 0 nor 1", () => {
    expect(() => reader(new XdrWriter().uint32(2)).bool("eof")).toThrow("eof must be 0 or 1, got 2");
  });

  it("refuses a 64-bit size above 2^53 where a JS number is needed", () => {
    expect(() => reader(new XdrWriter().uint64(2n ** 60n)).safeUint64("size")).toThrow(/size .* is larger than 2\^53/);
  });

  it("reports trailing bytes after a complete reply", () => {
    const r = reader(new XdrWriter().uint32(1).uint32(2));
    r.uint32();
    expect(() => r.end("GETPORT reply")).toThrow("4 unexpected bytes after the GETPORT reply");
  });

  it("reports a truncated value with the offset where it broke", () => {
    const r = new XdrReader(new Uint8Array(6));
    r.uint32();
    expect(() => r.uint32("count")).toThrow("count needs 4 bytes at offset 4, only 2 remain");
  });

  it("refuses to encode values outside their XDR range", () => {
    expect(() => new XdrWriter().uint32(-1)).toThrow(expect.objectContaining({ code: "invalid-input" }) as Error);
    expect(() => new XdrWriter().uint32(2 ** 32)).toThrow(/out of range/);
    expect(() => new XdrWriter().opaque(new Uint8Array(65), 64)).toThrow(/exceeds its limit of 64/);
  });
});
