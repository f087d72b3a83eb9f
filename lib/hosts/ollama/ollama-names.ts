// Ollama's model names (types/model/name.go): "ns/model:tag" defaults to host
// registry.ollama.ai, namespace "library" and tag "latest", and /api/tags spells
// a name in its shortest form (DisplayShortest). The driver compares the name it
// created or pulled with the listing through this, case-insensitively as Ollama
// does (getExistingName).

const DEFAULT_HOST = "registry.ollama.ai";
const DEFAULT_NAMESPACE = "library";
const DEFAULT_TAG = "latest";

function cutLast(s: string, sep: string): [string, string] | null {
  const i = s.lastIndexOf(sep);
  return i < 0 ? null : [s.slice(0, i), s.slice(i + sep.length)];
}

/** How /api/tags and /api/ps spell `name`: "qwen:7b" for library models, "ns/m:t", "host:port/ns/m:t". */
export function ollamaShortName(name: string): string {
  let rest = name.trim();
  let tag = DEFAULT_TAG;
  if (rest.lastIndexOf(":") > rest.lastIndexOf("/")) [rest, tag] = cutLast(rest, ":")!;
  let namespace = DEFAULT_NAMESPACE;
  let host = DEFAULT_HOST;
  let model = rest;
  const modelCut = cutLast(rest, "/");
  if (modelCut) {
    [rest, model] = modelCut;
    const nsCut = cutLast(rest, "/");
    if (nsCut) {
      [host, namespace] = nsCut;
      host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
    } else namespace = rest;
  }
  let prefix = "";
  if (host.toLowerCase() !== DEFAULT_HOST) prefix = `${host}/${namespace}/`;
  else if (namespace.toLowerCase() !== DEFAULT_NAMESPACE) prefix = `${namespace}/`;
  return `${prefix}${model}:${tag || DEFAULT_TAG}`;
}

/** True when two names denote the same model on a host. */
export function sameOllamaName(a: string, b: string): boolean {
  return ollamaShortName(a).toLowerCase() === ollamaShortName(b).toLowerCase();
}
