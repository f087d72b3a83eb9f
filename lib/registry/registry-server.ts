// The catalogue as a read-only Docker Registry HTTP API V2 (`/v2/`), on plain
// node:http: `ollama pull <host>:<port>/<ns>/<model>:<tag> --insecure` and
// standard tools (skopeo, Docker Distribution) read it. Blobs stream from the
// library roots in ranges; nothing is copied. Started by the registry worker,
// `modelshelf serve` and the tests.
//
// Manifests come in two forms (registry-catalog.ts): the Docker schema 2
// manifest Ollama pulls (an Ollama tag's own file, byte-exact) and an OCI view
// of the same blobs for OCI tools. A tag request gets the OCI view when its
// Accept header asks for OCI manifests at least as much as for Docker ones
// (skopeo, crane, Docker); Ollama asks for Docker schema 2 only. A request by
// digest gets the form with that digest.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { chunkRecycler } from "../catalog/library-file-stream.ts";
import type { Db } from "../db/client.ts";
import { AppError, errorMessage } from "../errors.ts";
import { log } from "../log.ts";
import { MEDIA_TYPES } from "./manifest-json.ts";
import { parseRange } from "./parse-range.ts";
import { parseRegistryPath, type RegistryRoute } from "./parse-registry-path.ts";
import { createRegistryCatalog, type ManifestForm, type RegistryCatalog } from "./registry-catalog.ts";
import { registryError, toRegistryError } from "./registry-error.ts";

/** A connection with no traffic this long is closed: a client that stopped
 * reading would otherwise pin a file handle on the share forever (Ollama itself
 * gives up on a part after 30 s without progress). */
export const IDLE_SOCKET_TIMEOUT_MS = 120_000;
/** close() lets transfers in flight run this long before cutting them. */
export const CLOSE_GRACE_MS = 5_000;
/** Most entries one _catalog or tags/list page returns (Docker Distribution's cap as well). */
export const MAX_PAGE_ENTRIES = 1000;
/** Longest request path logged: paths come from the network. */
const LOGGED_PATH_CHARS = 300;

export interface RegistryServerOptions {
  db: Db;
  /** Bind address. */
  host: string;
  /** 0 picks a free port (tests, `modelshelf serve --port 0`). */
  port: number;
  /** Timeout for opening a library root and for each remote read (MODELSHELF_FS_TIMEOUT_MS). */
  fsTimeoutMs: number;
  /** How long catalogue lookups are reused (default CATALOG_CACHE_MS). */
  cacheMs?: number;
  closeGraceMs?: number;
  /** MODELSHELF_REGISTRY_URL: requests that arrive under its host get its scheme in Location (e.g. https behind a proxy). */
  publicUrl?: string | null;
}

export interface RegistryServer {
  /** http://host:port as bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startRegistryServer(options: RegistryServerOptions): Promise<RegistryServer> {
  const catalog = createRegistryCatalog(options.db, { fsTimeoutMs: options.fsTimeoutMs, cacheMs: options.cacheMs });
  const publicOrigin = options.publicUrl ? new URL(options.publicUrl) : null;
  const server = http.createServer((req, res) => void handle({ catalog, publicOrigin }, req, res));
  server.timeout = IDLE_SOCKET_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(new AppError("unavailable", `registry cannot listen on ${options.host}:${options.port}: ${error.message}`, { cause: error }));
    server.once("error", onError);
    server.listen(options.port, options.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  server.on("error", (error) => log.error("registry server error", { error }));
  const port = (server.address() as AddressInfo).port;
  const hostPart = options.host.includes(":") ? `[${options.host}]` : options.host;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${hostPart}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

interface Context {
  catalog: RegistryCatalog;
  publicOrigin: URL | null;
}

async function handle(context: Context, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const started = performance.now();
  // Aborted when the client goes away before the response is complete: stops opening and reading the file.
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
    log.debug("registry request", {
      method: req.method,
      path: (req.url ?? "").slice(0, LOGGED_PATH_CHARS),
      status: res.statusCode,
      completed: res.writableFinished,
      ms: Math.round(performance.now() - started),
    });
  });
  res.setHeader("Docker-Distribution-API-Version", "registry/2.0");
  try {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      // Do not read an upload's body only to refuse it.
      res.setHeader("Connection", "close");
      throw registryError("UNSUPPORTED", `this registry is read-only: ${String(req.method).slice(0, 16)} is not supported`);
    }
    const route = parseRegistryPath(req.url ?? "/");
    await dispatch(context, route, req, res, abort.signal);
  } catch (error) {
    sendError(req, res, error);
  }
}

async function dispatch(context: Context, route: RegistryRoute, req: http.IncomingMessage, res: http.ServerResponse, signal: AbortSignal): Promise<void> {
  const { catalog } = context;
  switch (route.kind) {
    case "base":
      return sendJson(req, res, 200, {});
    case "catalog": {
      const page = paginate(await catalog.repositories(), route.query);
      if (page.next) res.setHeader("Link", `</v2/_catalog?last=${encodeURIComponent(page.next)}&n=${page.n}>; rel="next"`);
      return sendJson(req, res, 200, { repositories: page.items });
    }
    case "tags": {
      const tags = await catalog.tags(route.name);
      if (!tags) throw registryError("NAME_UNKNOWN", `repository ${route.name} is not in the catalogue`, { detail: { name: route.name } });
      const page = paginate(tags, route.query);
      if (page.next) res.setHeader("Link", `</v2/${route.name}/tags/list?last=${encodeURIComponent(page.next)}&n=${page.n}>; rel="next"`);
      return sendJson(req, res, 200, { name: route.name, tags: page.items });
    }
    case "manifest": {
      if (route.reference.kind === "digest") {
        const { form } = await catalog.manifestByDigest(route.name, route.reference.digest);
        return sendManifest(req, res, form);
      }
      const served = await catalog.manifestByTag(route.name, route.reference.tag);
      res.setHeader("Vary", "Accept");
      return sendManifest(req, res, prefersOci(req.headers.accept) ? served.oci : served.docker);
    }
    case "blob":
      return sendBlob(context, route.name, route.digest, req, res, signal);
    case "upload":
      // No method at all is allowed here.
      res.setHeader("Allow", "");
      throw registryError("UNSUPPORTED", "this registry is read-only: blob uploads are not supported");
  }
}

function sendManifest(req: http.IncomingMessage, res: http.ServerResponse, form: ManifestForm): void {
  const etag = `"${form.digest}"`;
  res.setHeader("Docker-Content-Digest", form.digest);
  res.setHeader("ETag", etag);
  if (matchesEtag(req.headers["if-none-match"], etag)) {
    res.writeHead(304).end();
    return;
  }
  res.writeHead(200, { "Content-Type": form.mediaType, "Content-Length": form.bytes.byteLength });
  res.end(req.method === "HEAD" ? undefined : form.bytes);
}

async function sendBlob(
  context: Context,
  name: string,
  digest: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const blob = await context.catalog.resolveBlob(name, digest);
  const etag = `"${digest}"`;
  const size = blob.size;
  res.setHeader("Docker-Content-Digest", digest);
  res.setHeader("ETag", etag);
  res.setHeader("Accept-Ranges", "bytes");
  // Content-addressed: the bytes behind a digest never change.
  res.setHeader("Cache-Control", "max-age=31536000, immutable");
  if (matchesEtag(req.headers["if-none-match"], etag)) {
    res.writeHead(304).end();
    return;
  }
  const decision = parseRange(req.headers.range, size, header(req.headers["if-range"]), etag);
  if (decision.kind === "unsatisfiable") {
    res.setHeader("Content-Range", `bytes */${size}`);
    throw registryError("RANGE_INVALID", `range "${String(req.headers.range).slice(0, 100)}" cannot be satisfied for a blob of ${size} bytes`, { detail: { size } });
  }
  const head = req.method === "HEAD";
  const start = decision.kind === "partial" ? decision.start : 0;
  const end = decision.kind === "partial" ? decision.end : size - 1;
  // Opened before the status line, so a missing or changed file is still a clean error response.
  const body = await blob.open(head ? { start: 0, end: -1 } : { start, end }, signal);
  const headers: http.OutgoingHttpHeaders = { "Content-Type": "application/octet-stream", "Content-Length": end - start + 1 };
  if (decision.kind === "partial") {
    headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
  } else if (!head) {
    // Ollama's downloader reads Location from its first GET (server/download.go,
    // formats.md §4.2): a 200 without it fails older pulls. Point it at this URL.
    headers.Location = selfUrl(req, context.publicOrigin);
  }
  if (head) {
    // Nothing to send, but the (empty) read must finish so a remote root is released.
    await finished(body.resume());
    res.writeHead(decision.kind === "partial" ? 206 : 200, headers).end();
    return;
  }
  res.writeHead(decision.kind === "partial" ? 206 : 200, headers);
  try {
    await sendBody(body, res, signal);
  } catch (error) {
    if (signal.aborted) return;
    log.warn("registry: blob transfer failed", { digest, error: errorMessage(error) });
  }
}

/**
 * pipeline(body, res), except that each chunk goes back to the library stream once
 * the socket has taken it, so a blob streams through a few recycled buffers instead of
 * a new one per MiB (about 4× the throughput: bench/push.ts). A read error or the
 * client going away destroys both sides, as pipeline does.
 */
async function sendBody(body: Readable, res: http.ServerResponse, signal: AbortSignal): Promise<void> {
  const recycle = chunkRecycler(body);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const more = res.write(chunk, (error) => {
        if (!error) recycle?.reuse(chunk);
      });
      if (!more) await once(res, "drain", { signal });
    }
    // Like pipeline: done at "finish"; a client that leaves first (even after the last byte) aborts it.
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    await Promise.race([new Promise<void>((resolve) => res.end(() => resolve())), aborted]);
  } catch (error) {
    res.destroy();
    throw error;
  } finally {
    body.destroy();
  }
}

function sendJson(req: http.IncomingMessage, res: http.ServerResponse, status: number, value: unknown): void {
  const bytes = Buffer.from(JSON.stringify(value), "utf8");
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": bytes.byteLength });
  res.end(req.method === "HEAD" ? undefined : bytes);
}

function sendError(req: http.IncomingMessage, res: http.ServerResponse, error: unknown): void {
  const answer = toRegistryError(error);
  if (answer.unexpected) log.error("registry request failed", { path: (req.url ?? "").slice(0, LOGGED_PATH_CHARS), error });
  else if (answer.status >= 500) log.warn("registry request failed", { path: (req.url ?? "").slice(0, LOGGED_PATH_CHARS), error: errorMessage(error) });
  if (res.headersSent) {
    // Mid-body: the only honest signal left is a broken connection.
    res.destroy();
    return;
  }
  for (const name of ["Docker-Content-Digest", "ETag", "Accept-Ranges", "Cache-Control", "Vary"]) res.removeHeader(name);
  if (answer.status !== 405) res.removeHeader("Allow");
  if (answer.status !== 416) res.removeHeader("Content-Range");
  sendJson(req, res, answer.status, answer.body);
}

interface Page {
  items: string[];
  /** The last item, when more follow (the `last` of the next page). */
  next: string | null;
  n: number;
}

/** `n` and `last` pagination over a sorted list (distribution spec: entries after `last`, at most `n`). */
function paginate(sorted: readonly string[], query: URLSearchParams): Page {
  const rawN = query.get("n");
  let n = MAX_PAGE_ENTRIES;
  if (rawN !== null && rawN !== "") {
    if (!/^\d{1,9}$/.test(rawN)) throw registryError("PAGINATION_NUMBER_INVALID", `n must be a non-negative integer, got "${rawN.slice(0, 20)}"`);
    n = Math.min(Number(rawN), MAX_PAGE_ENTRIES);
  }
  const last = query.get("last");
  const from = last === null || last === "" ? 0 : firstAfter(sorted, last);
  const items = sorted.slice(from, from + n);
  const more = from + items.length < sorted.length;
  return { items, next: more && items.length > 0 ? items[items.length - 1]! : null, n };
}

function firstAfter(sorted: readonly string[], last: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= last) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether the Accept header wants an OCI image manifest at least as much as a Docker schema 2 one. */
function prefersOci(accept: string | undefined): boolean {
  if (!accept) return false;
  const quality = (type: string): number => {
    let best = 0;
    for (const range of accept.split(",")) {
      const [mediaType = "", ...params] = range.split(";").map((part) => part.trim());
      if (mediaType.toLowerCase() !== type) continue;
      const q = params.find((param) => /^q\s*=/i.test(param));
      const value = q === undefined ? 1 : Number(q.slice(q.indexOf("=") + 1));
      if (Number.isFinite(value)) best = Math.max(best, value);
    }
    return best;
  };
  const oci = quality(MEDIA_TYPES.ociManifest);
  return oci > 0 && oci >= quality(MEDIA_TYPES.dockerManifest);
}

function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((candidate) => {
    const tag = candidate.trim();
    return tag === "*" || tag === etag || tag === `W/${etag}`;
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Host header as sent, if it is a plain host[:port] (anything else could forge the Location). */
const HOST_HEADER = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The absolute URL of this request, for Location. */
function selfUrl(req: http.IncomingMessage, publicOrigin: URL | null): string {
  const path = (req.url ?? "/").split("?")[0]!;
  const host = requestHost(req);
  const scheme = publicOrigin && publicOrigin.host === host.toLowerCase() ? publicOrigin.protocol : "http:";
  return `${scheme}//${host}${path}`;
}

/** The host[:port] the client used, or else the local address it reached (HTTP/1.0 sends no Host). */
function requestHost(req: http.IncomingMessage): string {
  const sent = req.headers.host;
  if (sent && HOST_HEADER.test(sent)) return sent;
  const address = req.socket.localAddress ?? "127.0.0.1";
  return `${address.includes(":") ? `[${address}]` : address}:${req.socket.localPort}`;
}
