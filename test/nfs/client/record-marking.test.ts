import { describe, expect, it } from "vitest";
import { encodeFragments, encodeRecord, RecordDecoder } from "../../../lib/nfs/client/record-marking.ts";

const bytes = (n: number, seed = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe("record marking (RFC 5531 §11)", () => {
  it("frames a record as one last fragment with its length", () => {
    const framed = encodeRecord(new Uint8Array([9, 9, 9]));
    expect([...framed]).toEqual([0x80, 0, 0, 3, 9, 9, 9]);
  });

  it("reassembles a record sent in several fragments", () => {
    const payload = bytes(10_000);
    const records = new RecordDecoder({ maxRecordBytes: 20_000 }).push(encodeFragments(payload, 999));
    expect(records).toHaveLength(1);
    expect(Buffer.from(records[0] as Uint8Array).equals(Buffer.from(payload))).toBe(true);
  });

  it("reassembles records split at every possible byte boundary of the stream", () => {
    const stream = Buffer.concat([encodeFragments(bytes(50, 1), 7), encodeRecord(bytes(3, 2)), encodeRecord(new Uint8Array(0))]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new RecordDecoder({ maxRecordBytes: 100 });
      const records = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(records.map((r) => Buffer.from(r).toString("hex"))).toEqual([
        Buffer.from(bytes(50, 1)).toString("hex"),
        Buffer.from(bytes(3, 2)).toString("hex"),
        "",
      ]);
    }
  });

  it("returns several records that arrive in one chunk, in order", () => {
    const stream = Buffer.concat([encodeRecord(bytes(4, 1)), encodeRecord(bytes(8, 2)), encodeRecord(bytes(12, 3))]);
    expect(new RecordDecoder({ maxRecordBytes: 100 }).push(stream).map((r) => r.length)).toEqual([4, 8, 12]);
  });

  it("rejects a fragment larger than the record limit before buffering it", () => {
    const header = Buffer.from([0x80, 0x10, 0, 0]); // one fragment of 1 MiB
    expect(() => new RecordDecoder({ maxRecordBytes: 64 * 1024 }).push(header)).toThrow(/exceeds the limit of 65536/);
  });

  it("rejects a record whose fragments together exceed the limit", () => {
    const decoder = new RecordDecoder({ maxRecordBytes: 1000 });
    expect(() => decoder.push(encodeFragments(bytes(1500), 400))).toThrow(expect.objectContaining({ code: "io" }) as Error);
  });

  it("rejects a record split into more fragments than allowed", () => {
    const decoder = new RecordDecoder({ maxRecordBytes: 1 << 20, maxFragments: 10 });
    const empties = Buffer.concat(Array.from({ length: 11 }, () => Buffer.from([0, 0, 0, 0])));
    expect(() => decoder.push(empties)).toThrow(/more than 10 fragments/);
  });
});
