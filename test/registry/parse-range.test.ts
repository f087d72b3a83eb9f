// Single byte ranges against a blob of known size (RFC 9110 §14).
import { describe, expect, it } from "vitest";
import { parseRange } from "../../lib/registry/parse-range.ts";

const SIZE = 1000;

describe("parseRange", () => {
  it("serves the whole blob without a Range header", () => {
    expect(parseRange(undefined, SIZE)).toEqual({ kind: "full" });
  });

  it("reads first, middle, last, open-ended and suffix ranges", () => {
    expect(parseRange("bytes=0-99", SIZE)).toEqual({ kind: "partial", start: 0, end: 99 });
    expect(parseRange("bytes=400-599", SIZE)).toEqual({ kind: "partial", start: 400, end: 599 });
    expect(parseRange("bytes=900-999", SIZE)).toEqual({ kind: "partial", start: 900, end: 999 });
    expect(parseRange("bytes=900-", SIZE)).toEqual({ kind: "partial", start: 900, end: 999 });
    expect(parseRange("bytes=-100", SIZE)).toEqual({ kind: "partial", start: 900, end: 999 });
    expect(parseRange(" bytes = 5 - 9 ", SIZE)).toEqual({ kind: "partial", start: 5, end: 9 });
  });

  it("clips a range that runs past the end, and a suffix longer than the blob", () => {
    expect(parseRange("bytes=990-5000", SIZE)).toEqual({ kind: "partial", start: 990, end: 999 });
    expect(parseRange("bytes=-5000", SIZE)).toEqual({ kind: "partial", start: 0, end: 999 });
  });

  it("finds a range unsatisfiable when it starts past the end, is empty, reversed or malformed", () => {
    for (const header of ["bytes=1000-", "bytes=1000-1000", "bytes=-0", "bytes=5-2", "bytes=abc", "bytes=-", "bytes", "bytes=1-2-3", "bytes=99999999999999999-"]) {
      expect(parseRange(header, SIZE), header).toEqual({ kind: "unsatisfiable" });
    }
    expect(parseRange("bytes=0-0", 0)).toEqual({ kind: "unsatisfiable" });
  });

  it("ignores other units and multiple ranges, answering with the whole blob", () => {
    expect(parseRange("items=0-5", SIZE)).toEqual({ kind: "full" });
    expect(parseRange("bytes=0-5,10-20", SIZE)).toEqual({ kind: "full" });
  });

  it("honours the range only when If-Range names the blob's ETag", () => {
    const etag = '"sha256:abc"';
    expect(parseRange("bytes=0-9", SIZE, etag, etag)).toEqual({ kind: "partial", start: 0, end: 9 });
    expect(parseRange("bytes=0-9", SIZE, '"sha256:other"', etag)).toEqual({ kind: "full" });
    expect(parseRange("bytes=0-9", SIZE, "Wed, 21 Oct 2015 07:28:00 GMT", etag)).toEqual({ kind: "full" });
  });
});
