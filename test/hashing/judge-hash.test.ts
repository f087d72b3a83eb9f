import { describe, expect, it } from "vitest";
import { judgeHash, verdictMessage, type Expected } from "../../lib/hashing/judge-hash.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);
const claim = (sha256: string, source: string, sourcePath = ""): Expected => ({ sha256, source, sourcePath });

describe("judgeHash", () => {
  it("verifies against the strongest outside claim", () => {
    const verdict = judgeHash(A, [claim(A, "sha256sums", "SHA256SUMS"), claim(A, "ollama-blob-name")]);
    expect(verdict).toMatchObject({ status: "verified", expected: { source: "ollama-blob-name" }, recordFirstSeen: true });
  });

  it("reports a mismatch when any outside claim disagrees", () => {
    const verdict = judgeHash(A, [claim(A, "sidecar", "m.gguf.sha256"), claim(B, "sha256sums", "SHA256SUMS")]);
    expect(verdict).toMatchObject({ status: "mismatch", expected: { sha256: B, sourcePath: "SHA256SUMS" }, corruption: false });
    expect(verdictMessage(verdict)).toBe(`MISMATCH: expected ${B} (sha256sums:SHA256SUMS)`);
  });

  it("records a first-seen hash when nothing else is known", () => {
    expect(judgeHash(A, [])).toEqual({ status: "verified", expected: null, recordFirstSeen: true });
  });

  it("verifies against its own first-seen hash as weaker evidence", () => {
    expect(judgeHash(A, [claim(A, "first-seen")])).toMatchObject({ status: "verified", expected: { source: "first-seen" }, recordFirstSeen: false });
  });

  it("calls a changed hash of an unchanged file corruption", () => {
    const verdict = judgeHash(B, [claim(A, "first-seen")]);
    expect(verdict).toMatchObject({ status: "mismatch", corruption: true });
    expect(verdictMessage(verdict)).toContain("CORRUPTION");
  });

  it("compares hashes case-insensitively", () => {
    expect(judgeHash(A.toUpperCase(), [claim(A, "sidecar", "x.sha256")]).status).toBe("verified");
  });
});
