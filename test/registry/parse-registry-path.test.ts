// Routing and validation of /v2/ paths, before anything is looked up.
import { describe, expect, it } from "vitest";
import { isAppError } from "../../lib/errors.ts";
import { parseRegistryPath } from "../../lib/registry/parse-registry-path.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;

function codeOf(rawUrl: string): string {
  try {
    parseRegistryPath(rawUrl);
  } catch (error) {
    if (isAppError(error)) return String(error.details.registryCode);
    throw error;
  }
  return "accepted";
}

describe("parseRegistryPath", () => {
  it("routes the endpoints of the distribution API", () => {
    expect(parseRegistryPath("/v2/")).toEqual({ kind: "base" });
    expect(parseRegistryPath("/v2/_catalog?n=2&last=a%2Fb")).toMatchObject({ kind: "catalog" });
    expect((parseRegistryPath("/v2/_catalog?n=2&last=a%2Fb") as { query: URLSearchParams }).query.get("last")).toBe("a/b");
    expect(parseRegistryPath("/v2/shelf/model/tags/list")).toMatchObject({ kind: "tags", name: "shelf/model" });
    expect(parseRegistryPath("/v2/shelf/model/manifests/f16")).toEqual({ kind: "manifest", name: "shelf/model", reference: { kind: "tag", tag: "f16" } });
    expect(parseRegistryPath(`/v2/shelf/model/manifests/${DIGEST}`)).toEqual({ kind: "manifest", name: "shelf/model", reference: { kind: "digest", digest: DIGEST } });
    expect(parseRegistryPath(`/v2/shelf/model/blobs/${DIGEST}`)).toEqual({ kind: "blob", name: "shelf/model", digest: DIGEST });
    expect(parseRegistryPath("/v2/shelf/model/blobs/uploads/")).toEqual({ kind: "upload", name: "shelf/model" });
  });

  it("matches names and tags as Ollama sends them, case-insensitively", () => {
    expect(parseRegistryPath("/v2/Library/Qwen2.5/manifests/14b-Instruct-Q4_K_M")).toEqual({
      kind: "manifest",
      name: "library/qwen2.5",
      reference: { kind: "tag", tag: "14b-instruct-q4_k_m" },
    });
  });

  it("rejects traversal and encoded separators in names", () => {
    for (const path of ["/v2/../../etc/passwd/manifests/latest", "/v2/shelf/%2e%2e/manifests/latest", "/v2/shelf/a%2f..%2f..%2fb/manifests/x", "/v2//model/manifests/x", "/v2/shelf/.hidden/blobs/" + DIGEST, "/v2/shelf/mo%00del/tags/list"]) {
      expect(codeOf(path), path).toBe("NAME_INVALID");
    }
  });

  it("rejects malformed percent-encoding and over-long names", () => {
    expect(codeOf("/v2/shelf/%zz/tags/list")).toBe("NAME_INVALID");
    expect(codeOf("/v2/shelf/%ff/tags/list")).toBe("NAME_INVALID");
    expect(codeOf(`/v2/${"a".repeat(200)}/${"b".repeat(60)}/tags/list`)).toBe("NAME_INVALID");
    expect(codeOf(`/v2/${"a/".repeat(1100)}tags/list`)).toBe("NAME_INVALID");
  });

  it("rejects tags outside the reference grammar", () => {
    for (const tag of ["..%2f..%2fsecret", ".hidden", "-dash", "a%00b", "t".repeat(129)]) {
      expect(codeOf(`/v2/shelf/model/manifests/${tag}`), tag).toBe("TAG_INVALID");
    }
  });

  it("accepts only lower-case sha256 digests", () => {
    expect(codeOf(`/v2/shelf/model/blobs/sha256:${"AB".repeat(32)}`)).toBe("DIGEST_INVALID");
    expect(codeOf(`/v2/shelf/model/blobs/sha512:${"ab".repeat(64)}`)).toBe("DIGEST_INVALID");
    expect(codeOf("/v2/shelf/model/blobs/sha256:..%2f..%2fetc%2fpasswd")).toBe("DIGEST_INVALID");
    expect(codeOf(`/v2/shelf/model/blobs/sha256:${"ab".repeat(31)}`)).toBe("DIGEST_INVALID");
    expect(codeOf(`/v2/shelf/model/manifests/sha256:xyz`)).toBe("DIGEST_INVALID");
  });

  it("answers paths outside the API with an unknown-endpoint error", () => {
    for (const path of ["/", "/etc/passwd", "/v2/shelf/model", "/v2/shelf/model/manifests", "/v22/x"]) {
      expect(codeOf(path), path).toBe("UNSUPPORTED");
    }
  });
});
