// The /v2/ request path as a route, every segment checked against the
// distribution reference grammar before anything is looked up. The raw path is
// split and decoded segment by segment (never URL-normalised first), so "..",
// "%2e%2e", "%2f" or NUL can only fail validation, never move the lookup. Pure.
import { registryError } from "./registry-error.ts";

export type ManifestReference = { kind: "tag"; tag: string } | { kind: "digest"; digest: string };

export type RegistryRoute =
  | { kind: "base" }
  | { kind: "catalog"; query: URLSearchParams }
  | { kind: "tags"; name: string; query: URLSearchParams }
  | { kind: "manifest"; name: string; reference: ManifestReference }
  | { kind: "blob"; name: string; digest: string }
  | { kind: "upload"; name: string };

/** A repository path component (distribution/reference). Names are matched lower-cased: Ollama sends them as typed. */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** distribution/reference tag grammar (case-sensitive there; catalogue tags are lower-case, so lookups lower-case it). */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Any digest the grammar allows (other algorithms are valid syntax but unsupported here). */
const ANY_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** distribution's NameTotalLengthMax. */
const MAX_NAME_LENGTH = 255;
/** Longest sane path: a 255-character name plus "/manifests/" and a digest, with room for percent-encoding. */
const MAX_PATH_LENGTH = 2048;

export function parseRegistryPath(rawUrl: string): RegistryRoute {
  const q = rawUrl.indexOf("?");
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : rawUrl.slice(q + 1));
  if (rawPath.length > MAX_PATH_LENGTH) throw registryError("NAME_INVALID", "request path too long");
  if (rawPath === "/v2" || rawPath === "/v2/") return { kind: "base" };
  if (!rawPath.startsWith("/v2/")) throw notFound(rawPath);
  const segments = rawPath.slice("/v2/".length).split("/").map(decodeSegment);
  if (segments.length === 1 && segments[0] === "_catalog") return { kind: "catalog", query };

  const uploads = segments.findIndex((segment, i) => segment === "blobs" && segments[i + 1] === "uploads" && i >= 1);
  if (uploads >= 1) return { kind: "upload", name: parseName(segments.slice(0, uploads)) };
  const n = segments.length;
  if (n >= 3 && segments[n - 2] === "tags" && segments[n - 1] === "list") {
    return { kind: "tags", name: parseName(segments.slice(0, n - 2)), query };
  }
  if (n >= 3 && segments[n - 2] === "manifests") {
    return { kind: "manifest", name: parseName(segments.slice(0, n - 2)), reference: parseReference(segments[n - 1]!) };
  }
  if (n >= 3 && segments[n - 2] === "blobs") {
    return { kind: "blob", name: parseName(segments.slice(0, n - 2)), digest: parseDigest(segments[n - 1]!) };
  }
  throw notFound(rawPath);
}

function notFound(rawPath: string) {
  return registryError("UNSUPPORTED", `no registry endpoint at ${rawPath.slice(0, 200)}`, { status: 404 });
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    // A malformed escape ("%zz", a lone "%") or escaped bytes that are not UTF-8 ("%ff").
    throw registryError("NAME_INVALID", "malformed percent-encoding in the request path", { cause: error });
  }
}

function parseName(components: string[]): string {
  const name = components.join("/").toLowerCase();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || !components.every((c) => COMPONENT.test(c.toLowerCase()))) {
    throw registryError("NAME_INVALID", "invalid repository name", { detail: { name: printable(components.join("/")) } });
  }
  return name;
}

function parseReference(reference: string): ManifestReference {
  if (reference.includes(":")) return { kind: "digest", digest: parseDigest(reference) };
  if (!TAG.test(reference)) throw registryError("TAG_INVALID", "invalid tag", { detail: { tag: printable(reference) } });
  return { kind: "tag", tag: reference.toLowerCase() };
}

function parseDigest(digest: string): string {
  if (SHA256_DIGEST.test(digest)) return digest;
  const message = ANY_DIGEST.test(digest) ? "unsupported digest algorithm or encoding (sha256 with lower-case hex only)" : "invalid digest";
  throw registryError("DIGEST_INVALID", message, { detail: { digest: printable(digest) } });
}

/** What a client sent, safe to echo in a JSON error: bounded and without control characters. */
function printable(text: string): string {
  return text.slice(0, 300).replace(/[\u0000-\u001f\u007f]/g, "?");
}
