// A strict Ollama test double: a node:http server on 127.0.0.1 with a real
// on-disk store (formats.md §3) that answers the endpoints ModelShelf uses the
// way upstream Ollama does (formats.md §4.1, §4.2; ollama/ollama server/*.go).
// No Ollama binary can run here, so the driver's tests and the official
// `ollama` npm client are run against this instead. Where upstream behaviour
// is copied, the comment names the upstream function it follows.
//
// Scope: GGUF `files` creates, blob upload, tags/show/delete/ps/version, model
// load/unload through /api/generate, and pulls from a registry with the
// downloader's HEAD / direct-URL / Range-parts algorithm. It runs no inference,
// imports no safetensors and does not create from another model (`from`).
//
// Known differences from a real server, none of which the driver relies on:
// - create keeps the uploaded blob as the model layer; since v0.30 Ollama may
//   rewrite it through llama-quantize (formats.md §4.1), and it adds a template
//   (+ stop params) layer when tokenizer.chat_template matches a built-in one.
// - templates are only checked for balanced {{ }}, not parsed as Go templates.
// - pulls never authenticate (no 401 / WWW-Authenticate round), do not share a
//   download between concurrent pulls, and stop when the client disconnects
//   (upstream keeps downloading in the background).
// - /api/show reads model_info and tensors from the first model layer; verbose
//   arrays are cut at the GGUF reader's inline limit.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, promises as fsp, type Stats } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { request } from "undici";
import type { ByteSource } from "../../lib/gguf/byte-source.ts";
import { fileTypeName, ggmlTypeName } from "../../lib/gguf/ggml-types.ts";
import type { GgufValue } from "../../lib/gguf/gguf-value-type.ts";
import { readGgufHeader, type GgufHeader } from "../../lib/gguf/read-gguf-header.ts";

// ---------------------------------------------------------------------------
// Constants (upstream values unless said otherwise)

/** server/download.go numDownloadParts: a blob is fetched in up to 16 parallel Range parts. */
export const NUM_DOWNLOAD_PARTS = 16;
/** server/download.go minDownloadPartSize = 100 * format.MegaByte (decimal megabytes). */
export const MIN_DOWNLOAD_PART_SIZE = 100 * 1000 * 1000;
/** server/download.go maxDownloadPartSize = 1000 * format.MegaByte. */
export const MAX_DOWNLOAD_PART_SIZE = 1000 * 1000 * 1000;
/** server/download.go maxRetries: a failing part is tried this often before the pull fails. */
export const MAX_PART_TRIES = 6;
/** server/download.go: the direct-URL lookup runs under context.WithTimeout(ctx, 30*time.Second). */
export const DIRECT_URL_TIMEOUT_MS = 30_000;
/** server/download.go Wait: progress is reported on a 60 ms ticker. */
const PROGRESS_TICK_MS = 60;
/** net/http discards at most this much of an unread request body before closing the connection (maxPostHandlerReadBytes). */
const GO_DISCARD_LIMIT_BYTES = 256 * 1024;
/** The double's own cap on JSON request bodies; a create request is a few KiB. */
const MAX_JSON_BODY_BYTES = 64 * 1024 * 1024;
/** types/model/name.go: default host, namespace, tag and scheme of a model name. */
const DEFAULT_HOST = "registry.ollama.ai";
const DEFAULT_NAMESPACE = "library";
const DEFAULT_TAG = "latest";
/** server/create_split_gguf.go splitGGUFMinOllamaVersion: written to config "requires" for split imports. */
const SPLIT_GGUF_MIN_OLLAMA_VERSION = "0.35.0";
/** server/create.go maxCreateFiles. */
const MAX_CREATE_FILES = 1024;
/** server.go: defaultNumCtx for hosts under 23 GiB of VRAM (what /api/ps reports as context_length). */
const DEFAULT_NUM_CTX = 4096;
/** close() waits this long for handlers to finish their clean-up before removing the store. */
const CLOSE_GRACE_MS = 2000;
/** api/types.go Duration: a missing keep_alive means five minutes. */
const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;

const MEDIA_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const MEDIA_CONFIG = "application/vnd.docker.container.image.v1+json";
const MEDIA_MODEL = "application/vnd.ollama.image.model";
const MEDIA_PROJECTOR = "application/vnd.ollama.image.projector";
const MEDIA_TEMPLATE = "application/vnd.ollama.image.template";
const MEDIA_SYSTEM = "application/vnd.ollama.image.system";
const MEDIA_LICENSE = "application/vnd.ollama.image.license";
const MEDIA_PARAMS = "application/vnd.ollama.image.params";
const MEDIA_MESSAGES = "application/vnd.ollama.image.messages";
const MEDIA_PROMPT = "application/vnd.ollama.image.prompt";

/** manifest.BlobsPath: `^sha256[:-][0-9a-fA-F]{64}$`. */
const DIGEST_PATTERN = /^sha256[:-][0-9a-fA-F]{64}$/;
/** server/create_split_gguf.go splitGGUFNameRe. */
const SPLIT_NAME_PATTERN = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

// ---------------------------------------------------------------------------
// Public API

export interface OllamaDoubleFaults {
  /** Destroy the connection after this many body bytes of a POST /api/blobs upload (a host dying mid-upload). */
  dropUploadAfterBytes?: number | null;
  /** Only cut uploads of this digest ("sha256:<hex>"); default every upload. */
  dropUploadDigest?: string;
  /**
   * Stop reading a POST /api/blobs body after this many bytes and never answer (a hung host).
   * A paused socket does not notice the client leaving, so that handler only ends at close().
   */
  stallUploadAfterBytes?: number | null;
  /** Blob writes (uploads and pulls) fail with ENOSPC once this many more bytes have been written. */
  diskFullAfterBytes?: number | null;
  /** Route keys ("GET /api/tags", "POST /api/create") answered 200 text/html with this body instead. */
  garbage?: Record<string, string>;
  /** Wait this long before answering; with delayRoutes, only those route keys. */
  delayMs?: number;
  delayRoutes?: string[];
}

export interface OllamaDoubleOptions {
  /** What /api/version reports. */
  version?: string;
  /** Store root; default a fresh temp dir removed by close(). */
  storeDir?: string;
  /** Download part size bounds (upstream 100 MB / 1000 MB); small values force multi-part pulls of small blobs. */
  minPartSize?: number;
  maxPartSize?: number;
  /** Tries per failing part (upstream 6) and the first retry delay (upstream 1 s, doubling). */
  maxPartTries?: number;
  partRetryDelayMs?: number;
  /** Budget of the direct-URL lookup (upstream 30 s). */
  directUrlTimeoutMs?: number;
  /** Loaded models report their whole size as VRAM (a GPU host) or none (CPU-only). Default true. */
  loadInVram?: boolean;
  faults?: OllamaDoubleFaults;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** "POST /api/blobs/:digest", "GET /api/tags", … (the route the request matched, or the path). */
  route: string;
  status: number;
  /** Request body bytes the double read. */
  bodyBytes: number;
  /** The parsed JSON body for control calls. */
  json?: unknown;
  headers: http.IncomingHttpHeaders;
  /** False when the connection was destroyed before the answer was complete. */
  completed: boolean;
}

export interface OllamaDouble {
  url: string;
  port: number;
  storeDir: string;
  /** Every request in arrival order (appended when the answer ends). */
  requests: RecordedRequest[];
  /** Tests switch faults on and off between calls; assigning a new object also restarts the disk-full count. */
  faults: OllamaDoubleFaults;
  blobPath(digest: string): string;
  hasBlob(digest: string): Promise<boolean>;
  /** The manifest file bytes of a model name, or null. */
  readManifest(name: string): Promise<Buffer | null>;
  /** Names of loaded models (as /api/ps reports them). */
  loadedModels(): string[];
  /** Resolves once every request handler has finished (its clean-up included). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startOllamaDouble(options: OllamaDoubleOptions = {}): Promise<OllamaDouble> {
  const ownsStore = options.storeDir === undefined;
  const storeDir = options.storeDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), "ollama-double-")));
  await fsp.mkdir(path.join(storeDir, "blobs"), { recursive: true });
  await fsp.mkdir(path.join(storeDir, "manifests"), { recursive: true });
  const state: DoubleState = {
    storeDir,
    version: options.version ?? "0.33.0",
    minPartSize: options.minPartSize ?? MIN_DOWNLOAD_PART_SIZE,
    maxPartSize: options.maxPartSize ?? MAX_DOWNLOAD_PART_SIZE,
    maxPartTries: options.maxPartTries ?? MAX_PART_TRIES,
    partRetryDelayMs: options.partRetryDelayMs ?? 1000,
    directUrlTimeoutMs: options.directUrlTimeoutMs ?? DIRECT_URL_TIMEOUT_MS,
    loadInVram: options.loadInVram ?? true,
    faults: options.faults ?? {},
    diskWritten: 0,
    loaded: new Map(),
    requests: [],
    inflight: new Set(),
  };
  const pending = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const done: Promise<void> = handle(state, req, res).finally(() => pending.delete(done));
    pending.add(done);
  });
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as import("node:net").AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    storeDir,
    requests: state.requests,
    get faults() {
      return state.faults;
    },
    set faults(value: OllamaDoubleFaults) {
      state.faults = value;
      state.diskWritten = 0;
    },
    blobPath: (digest) => blobsPath(state, digest),
    hasBlob: async (digest) => (await statOrNull(blobsPath(state, digest))) !== null,
    readManifest: async (name) => {
      const found = await findManifest(state, parseName(name));
      return found ? fsp.readFile(found.file) : null;
    },
    loadedModels: () => [...state.loaded.keys()],
    settled: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close: async () => {
      for (const controller of state.inflight) controller.abort(new Error("server closed"));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Handlers clean up after their sockets die; the store goes once they are done (bounded, never hangs a test).
      await Promise.race([Promise.allSettled([...pending]), sleep(CLOSE_GRACE_MS)]);
      if (ownsStore) await fsp.rm(storeDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------
// State and plumbing

interface LoadedModel {
  name: string;
  digest: string;
  size: number;
  details: ModelDetails;
  expiresAt: Date;
  contextLength: number;
}

interface DoubleState {
  storeDir: string;
  version: string;
  minPartSize: number;
  maxPartSize: number;
  maxPartTries: number;
  partRetryDelayMs: number;
  directUrlTimeoutMs: number;
  loadInVram: boolean;
  faults: OllamaDoubleFaults;
  /** Bytes written to blob files since the faults were last set (for diskFullAfterBytes). */
  diskWritten: number;
  loaded: Map<string, LoadedModel>;
  requests: RecordedRequest[];
  inflight: Set<AbortController>;
}

interface Exchange {
  state: DoubleState;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  record: RecordedRequest;
  /** Aborts when the client goes away (gin's c.Request.Context()). */
  signal: AbortSignal;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Go's encoding/json: HTML-significant characters escaped (json.Marshal, json.NewEncoder default). */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Go marshals map[string]any with sorted keys, at every depth. */
function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeysDeep((value as Record<string, unknown>)[key])]));
  }
  return value;
}

/** gin's c.JSON: "application/json; charset=utf-8" unless a content type was set before. */
function sendJson(ex: Exchange, status: number, body: unknown, contentType = "application/json; charset=utf-8"): void {
  const text = goJson(body);
  ex.record.status = status;
  ex.res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(text) });
  ex.res.end(ex.req.method === "HEAD" ? undefined : text);
}

function sendStatus(ex: Exchange, status: number): void {
  ex.record.status = status;
  ex.res.writeHead(status, { "Content-Length": 0 });
  ex.res.end();
}

async function readJsonBody(ex: Exchange): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ex.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY_BYTES) throw new HttpError(413, "request body too large");
    chunks.push(chunk);
  }
  ex.record.bodyBytes = size;
  const text = Buffer.concat(chunks).toString("utf8");
  // c.ShouldBindJSON: io.EOF on an empty body becomes "missing request body".
  if (text.trim() === "") throw new HttpError(400, "missing request body");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `invalid character in request body: ${(error as Error).message}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new HttpError(400, "json: cannot unmarshal into Go value of type api.Request");
  }
  ex.record.json = json;
  return json as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw new HttpError(400, `json: cannot unmarshal ${typeof value} into Go struct field .${key} of type string`);
  return value;
}

async function statOrNull(file: string): Promise<Stats | null> {
  try {
    return await fsp.stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

// ---------------------------------------------------------------------------
// Routing

type Handler = (ex: Exchange, params: Record<string, string>) => Promise<void>;

const ROUTES: { method: string; pattern: RegExp; route: string; handler: Handler }[] = [
  { method: "GET", pattern: /^\/$/, route: "GET /", handler: async (ex) => sendText(ex, 200, "Ollama is running") },
  { method: "HEAD", pattern: /^\/$/, route: "HEAD /", handler: async (ex) => sendText(ex, 200, "Ollama is running") },
  // routes.go: r.HEAD/GET("/api/version", … c.JSON(http.StatusOK, gin.H{"version": version.Version}))
  { method: "GET", pattern: /^\/api\/version$/, route: "GET /api/version", handler: async (ex) => sendJson(ex, 200, { version: ex.state.version }) },
  { method: "HEAD", pattern: /^\/api\/version$/, route: "HEAD /api/version", handler: async (ex) => sendJson(ex, 200, { version: ex.state.version }) },
  { method: "GET", pattern: /^\/api\/tags$/, route: "GET /api/tags", handler: (ex) => listHandler(ex) },
  { method: "HEAD", pattern: /^\/api\/tags$/, route: "HEAD /api/tags", handler: (ex) => listHandler(ex) },
  { method: "HEAD", pattern: /^\/api\/blobs\/([^/]+)$/, route: "HEAD /api/blobs/:digest", handler: (ex, p) => headBlobHandler(ex, p.digest!) },
  { method: "POST", pattern: /^\/api\/blobs\/([^/]+)$/, route: "POST /api/blobs/:digest", handler: (ex, p) => createBlobHandler(ex, p.digest!) },
  { method: "POST", pattern: /^\/api\/create$/, route: "POST /api/create", handler: (ex) => createHandler(ex) },
  { method: "POST", pattern: /^\/api\/show$/, route: "POST /api/show", handler: (ex) => showHandler(ex) },
  { method: "DELETE", pattern: /^\/api\/delete$/, route: "DELETE /api/delete", handler: (ex) => deleteHandler(ex) },
  { method: "GET", pattern: /^\/api\/ps$/, route: "GET /api/ps", handler: (ex) => psHandler(ex) },
  { method: "POST", pattern: /^\/api\/generate$/, route: "POST /api/generate", handler: (ex) => generateHandler(ex) },
  { method: "POST", pattern: /^\/api\/pull$/, route: "POST /api/pull", handler: (ex) => pullHandler(ex) },
];

function sendText(ex: Exchange, status: number, text: string): void {
  ex.record.status = status;
  ex.res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  ex.res.end(ex.req.method === "HEAD" ? undefined : text);
}

/** routes.go allowedHostsMiddleware: a loopback-bound server only answers local Host headers. */
function hostAllowed(hostHeader: string | undefined): boolean {
  if (!hostHeader) return true;
  const host = hostHeader.replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "" || host === "localhost") return true;
  if (/^127\./.test(host) || host === "::1" || /^10\./.test(host) || /^192\.168\./.test(host) || /^172\.(1[6-9]|2\d|3[01])\./.test(host) || host === "0.0.0.0") return true;
  if (host === os.hostname().toLowerCase()) return true;
  return [".localhost", ".local", ".internal"].some((tld) => host.endsWith(tld));
}

async function handle(state: DoubleState, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const method = req.method ?? "GET";
  const urlPath = (req.url ?? "/").split("?")[0]!;
  const controller = new AbortController();
  state.inflight.add(controller);
  const record: RecordedRequest = { method, path: urlPath, route: `${method} ${urlPath}`, status: 0, bodyBytes: 0, headers: req.headers, completed: false };
  const ex: Exchange = { state, req, res, record, signal: controller.signal };
  res.on("close", () => {
    record.completed = res.writableFinished;
    if (!res.writableFinished) controller.abort(new Error("client went away"));
    state.inflight.delete(controller);
    state.requests.push(record);
  });
  try {
    if (!hostAllowed(req.headers.host)) return sendStatus(ex, 403);
    const match = ROUTES.map((r) => ({ r, m: r.method === method ? r.pattern.exec(urlPath) : null })).find((x) => x.m !== null);
    if (!match) {
      // gin with HandleMethodNotAllowed: 405 when another method matches the path, else 404.
      const other = ROUTES.some((r) => r.pattern.test(urlPath));
      return sendText(ex, other ? 405 : 404, other ? "405 method not allowed" : "404 page not found");
    }
    record.route = match.r.route;
    const faults = state.faults;
    if (faults.delayMs && (!faults.delayRoutes || faults.delayRoutes.includes(match.r.route))) await sleep(faults.delayMs, ex.signal);
    const garbage = faults.garbage?.[match.r.route];
    if (garbage !== undefined) {
      ex.record.status = 200;
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(garbage) });
      res.end(garbage);
      return;
    }
    const params: Record<string, string> = {};
    if (match.m && match.m[1] !== undefined) params.digest = decodeURIComponent(match.m[1]);
    await match.r.handler(ex, params);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof HttpError) return sendJson(ex, error.status, { error: error.message });
    if (ex.signal.aborted) return;
    sendJson(ex, 500, { error: (error as Error).message });
  }
}

// ---------------------------------------------------------------------------
// Model names (types/model/name.go)

interface OllamaName {
  scheme: string;
  host: string;
  namespace: string;
  model: string;
  tag: string;
}

function cutLast(s: string, sep: string): [string, string, boolean] {
  const i = s.lastIndexOf(sep);
  return i < 0 ? [s, "", false] : [s.slice(0, i), s.slice(i + sep.length), true];
}

/** ParseName = Merge(ParseNameBare(s), DefaultName()). */
function parseName(input: string): OllamaName {
  let s = input;
  let tag = "";
  let namespace = "";
  let host = "";
  let scheme = "";
  let model: string;
  // "/" is an illegal tag character, so a ":" after the last "/" starts the tag.
  if (s.lastIndexOf(":") > s.lastIndexOf("/")) [s, tag] = cutLast(s, ":");
  let ok: boolean;
  [s, model, ok] = cutLast(s, "/");
  if (!ok) model = s;
  else {
    [s, namespace, ok] = cutLast(s, "/");
    if (!ok) namespace = s;
    else {
      const i = s.indexOf("://");
      if (i >= 0) {
        scheme = s.slice(0, i);
        host = s.slice(i + 3);
      } else host = s;
    }
  }
  return { scheme: scheme || "https", host: host || DEFAULT_HOST, namespace: namespace || DEFAULT_NAMESPACE, model, tag: tag || DEFAULT_TAG };
}

/** name.go isValidPart: lengths 350 (host) / 80, first character alphanumeric or "_", "." not in namespaces, ":" only in hosts. */
function isValidPart(kind: "host" | "namespace" | "model" | "tag", s: string): boolean {
  if (s.length === 0 || s.length > (kind === "host" ? 350 : 80)) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const alnum = /[A-Za-z0-9_]/.test(c);
    if (i === 0) {
      if (!alnum) return false;
      continue;
    }
    if (alnum || c === "-") continue;
    if (c === "." && kind !== "namespace") continue;
    if (c === ":" && kind === "host") continue;
    return false;
  }
  return true;
}

function isValidName(n: OllamaName): boolean {
  return isValidPart("host", n.host) && isValidPart("namespace", n.namespace) && isValidPart("model", n.model) && isValidPart("tag", n.tag);
}

/** name.go DisplayShortest: what /api/tags and /api/ps call a model. */
function displayShortest(n: OllamaName): string {
  let prefix = "";
  if (n.host.toLowerCase() !== DEFAULT_HOST) prefix = `${n.host}/${n.namespace}/`;
  else if (n.namespace.toLowerCase() !== DEFAULT_NAMESPACE) prefix = `${n.namespace}/`;
  return `${prefix}${n.model}:${n.tag}`;
}

// ---------------------------------------------------------------------------
// Store (manifest/paths.go, manifest/manifest.go, manifest/layer.go)

interface Layer {
  mediaType: string;
  digest: string;
  size: number;
  from?: string;
  name?: string;
}

interface Manifest {
  schemaVersion: number;
  mediaType: string;
  config: Layer;
  layers: Layer[];
}

interface FoundManifest {
  name: OllamaName;
  file: string;
  bytes: Buffer;
  manifest: Manifest;
  stat: Stats;
}

/** manifest.BlobsPath: validates the digest and maps "sha256:" to "sha256-". */
function blobsPath(state: DoubleState, digest: string): string {
  if (!DIGEST_PATTERN.test(digest)) throw new HttpError(400, "invalid digest format");
  return path.join(state.storeDir, "blobs", digest.replace(":", "-"));
}

function manifestFile(state: DoubleState, n: OllamaName): string {
  return path.join(state.storeDir, "manifests", n.host, n.namespace, n.model, n.tag);
}

async function readDirNames(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return [];
    throw error;
  }
}

/** manifest.Manifests: exactly four levels under manifests/ (host/namespace/model/tag). */
async function listManifests(state: DoubleState): Promise<FoundManifest[]> {
  const root = path.join(state.storeDir, "manifests");
  const found: FoundManifest[] = [];
  for (const host of await readDirNames(root))
    for (const namespace of await readDirNames(path.join(root, host)))
      for (const model of await readDirNames(path.join(root, host, namespace)))
        for (const tag of await readDirNames(path.join(root, host, namespace, model))) {
          const file = path.join(root, host, namespace, model, tag);
          const stat = await statOrNull(file);
          if (!stat?.isFile()) continue;
          const bytes = await fsp.readFile(file);
          try {
            found.push({ name: { scheme: "https", host, namespace, model, tag }, file, bytes, manifest: JSON.parse(bytes.toString("utf8")) as Manifest, stat });
          } catch {
            // Manifests(true) continues on error: a corrupt manifest is skipped with a warning.
            continue;
          }
        }
  return found;
}

/** getExistingName + ParseNamedManifest: names match case-insensitively. */
async function findManifest(state: DoubleState, n: OllamaName): Promise<FoundManifest | null> {
  const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  return (
    (await listManifests(state)).find(
      (m) => eq(m.name.host, n.host) && eq(m.name.namespace, n.namespace) && eq(m.name.model, n.model) && eq(m.name.tag, n.tag),
    ) ?? null
  );
}

/** manifest.go Size(): Σ layer sizes + config size. */
function manifestSize(m: Manifest): number {
  return m.layers.reduce((sum, layer) => sum + layer.size, m.config?.size ?? 0);
}

/** Counts blob writes against the disk-full fault; throws what a full disk throws. */
function chargeDisk(state: DoubleState, bytes: number, file: string): void {
  const limit = state.faults.diskFullAfterBytes;
  if (limit !== null && limit !== undefined && state.diskWritten + bytes > limit) {
    throw Object.assign(new Error(`write ${file}: no space left on device`), { code: "ENOSPC" });
  }
  state.diskWritten += bytes;
}

/** manifest.NewLayer: stream to a temp file in blobs/, hash, rename unless the blob exists. */
async function newLayer(state: DoubleState, data: Buffer, mediaType: string): Promise<Layer & { status: string }> {
  const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
  const blob = blobsPath(state, digest);
  let status = "using existing layer";
  if ((await statOrNull(blob)) === null) {
    status = "creating new layer";
    const temp = path.join(state.storeDir, "blobs", `sha256-${randomBytes(6).toString("hex")}`);
    chargeDisk(state, data.length, temp);
    await fsp.writeFile(temp, data);
    await fsp.rename(temp, blob);
  }
  return { mediaType, digest, size: data.length, status: `${status} ${digest}` };
}

/** Blobs no manifest references any more are deleted (manifest.RemoveUnreferencedBlobs). */
async function removeUnreferenced(state: DoubleState, candidates: string[]): Promise<void> {
  const inUse = new Set<string>();
  for (const m of await listManifests(state)) for (const layer of [...m.manifest.layers, m.manifest.config]) if (layer?.digest) inUse.add(layer.digest);
  for (const digest of new Set(candidates)) {
    if (inUse.has(digest) || !DIGEST_PATTERN.test(digest)) continue;
    await fsp.rm(blobsPath(state, digest), { force: true });
  }
}

/** PruneDirectory: empty folders left under manifests/ are removed. */
async function pruneEmptyDirs(dir: string, root: string): Promise<void> {
  let current = dir;
  while (current.startsWith(root) && current !== root) {
    if ((await readDirNames(current)).length > 0) return;
    await fsp.rmdir(current).catch(() => undefined);
    current = path.dirname(current);
  }
}

// ---------------------------------------------------------------------------
// Progress streams (routes.go streamResponse / waitForStream)

interface ProgressLine {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

/** api.ProgressResponse with omitempty fields dropped. */
function progressJson(p: ProgressLine): Record<string, unknown> {
  const out: Record<string, unknown> = { status: p.status };
  if (p.digest) out.digest = p.digest;
  if (p.total) out.total = p.total;
  if (p.completed) out.completed = p.completed;
  return out;
}

class ProgressChannel {
  private written = false;
  private latest: ProgressLine = { status: "" };
  private closed = false;

  constructor(
    private readonly ex: Exchange,
    private readonly streaming: boolean,
  ) {}

  send(p: ProgressLine): void {
    if (this.closed || this.ex.signal.aborted) return;
    if (!this.streaming) {
      this.latest = p;
      return;
    }
    if (!this.written) {
      this.written = true;
      this.ex.record.status = 200;
      this.ex.res.writeHead(200, { "Content-Type": "application/x-ndjson" });
    }
    this.ex.res.write(`${goJson(progressJson(p))}\n`);
  }

  /**
   * streamResponse: an error before anything was written becomes a JSON answer with
   * its status (default 500); after that, a final {"error"} NDJSON line.
   * waitForStream (stream:false) always answers JSON with the status.
   */
  fail(message: string, status = 500): void {
    if (this.closed || this.ex.signal.aborted) return;
    this.closed = true;
    if (this.written) {
      this.ex.res.end(`${goJson({ error: message })}\n`);
      return;
    }
    sendJson(this.ex, status, { error: message }, "application/json");
  }

  finish(): void {
    if (this.closed || this.ex.signal.aborted) return;
    this.closed = true;
    if (this.streaming) {
      if (!this.written) {
        this.ex.record.status = 200;
        this.ex.res.writeHead(200, { "Content-Type": "application/x-ndjson" });
      }
      this.ex.res.end();
      return;
    }
    sendJson(this.ex, 200, progressJson(this.latest), "application/json");
  }
}

/** api/types.go: `stream` is a *bool; only an explicit false turns streaming off. */
function wantsStream(body: Record<string, unknown>): boolean {
  return body.stream !== false;
}

// ---------------------------------------------------------------------------
// Blobs (routes.go HeadBlobHandler, CreateBlobHandler)

async function headBlobHandler(ex: Exchange, digest: string): Promise<void> {
  const file = blobsPath(ex.state, digest);
  if ((await statOrNull(file)) === null) return sendJson(ex, 404, { error: `blob ${JSON.stringify(digest)} not found` });
  sendStatus(ex, 200);
}

/**
 * Reads a request body chunk by chunk without destroying it on failure (a for-await
 * loop would destroy the socket on early exit, and with it the error answer).
 * Resolves "end", or "stopped" when onChunk returns false; rejects with onChunk's error.
 */
function consumeBody(req: http.IncomingMessage, onChunk: (chunk: Buffer) => Promise<boolean>): Promise<"end" | "stopped"> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      fn();
    };
    const onData = (chunk: Buffer): void => {
      req.pause();
      onChunk(chunk).then(
        (more) => (more ? req.resume() : settle(() => resolve("stopped"))),
        (error: unknown) => settle(() => reject(error)),
      );
    };
    const onEnd = (): void => settle(() => resolve("end"));
    const onError = (error: Error): void => settle(() => reject(error));
    const onClose = (): void => {
      if (!req.complete) settle(() => reject(new Error("client went away")));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

async function createBlobHandler(ex: Exchange, digest: string): Promise<void> {
  const { state, req, res } = ex;
  const file = blobsPath(state, digest);
  // An existing blob answers 200 without reading the body.
  if ((await statOrNull(file)) !== null) return sendStatus(ex, 200);

  // manifest.NewLayer: stream into a temp file in blobs/ while hashing; defer os.Remove(temp).
  const temp = path.join(state.storeDir, "blobs", `sha256-${randomBytes(6).toString("hex")}`);
  const handle = await fsp.open(temp, "w");
  const hash = createHash("sha256");
  let outcome: "end" | "stopped";
  try {
    outcome = await consumeBody(req, async (chunk) => {
      const drop = state.faults.dropUploadAfterBytes;
      const targeted = state.faults.dropUploadDigest === undefined || state.faults.dropUploadDigest === digest;
      if (drop !== null && drop !== undefined && targeted && ex.record.bodyBytes + chunk.length >= drop) {
        // The host "dies" mid-upload: the connection goes away without an answer.
        ex.record.bodyBytes = drop;
        req.socket.destroy();
        return false;
      }
      const stall = state.faults.stallUploadAfterBytes;
      if (stall !== null && stall !== undefined && ex.record.bodyBytes + chunk.length >= stall) {
        // Hung: the body stays unread until the client gives up and closes the connection.
        await new Promise<never>(() => undefined);
      }
      chargeDisk(state, chunk.length, temp);
      await handle.write(chunk);
      hash.update(chunk);
      ex.record.bodyBytes += chunk.length;
      return true;
    });
  } catch (error) {
    await handle.close();
    await fsp.rm(temp, { force: true });
    if (ex.signal.aborted || req.socket.destroyed) return;
    // CreateBlobHandler: NewLayer's error → 500 {"error"}. net/http then discards at most
    // 256 KiB of the unread body and closes the connection.
    ex.record.status = 500;
    const text = goJson({ error: (error as Error).message });
    res.writeHead(500, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), Connection: "close" });
    res.end(text);
    let discarded = 0;
    req.on("data", (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > GO_DISCARD_LIMIT_BYTES) req.socket.destroy();
    });
    req.resume();
    res.on("finish", () => setTimeout(() => req.socket.destroy(), 20));
    return;
  }
  await handle.close();
  if (outcome === "stopped") {
    await fsp.rm(temp, { force: true });
    return;
  }
  const got = `sha256:${hash.digest("hex")}`;
  // The comparison is with the digest as given: "sha256-…" or upper-case hex never equals it.
  if (got !== digest) {
    await fsp.rm(temp, { force: true });
    return sendJson(ex, 400, { error: `digest mismatch, expected ${JSON.stringify(digest)}, got ${JSON.stringify(got)}` });
  }
  if ((await statOrNull(file)) === null) await fsp.rename(temp, file);
  else await fsp.rm(temp, { force: true });
  sendStatus(ex, 201);
}

// ---------------------------------------------------------------------------
// GGUF reading for create and show

function fileSource(handle: fsp.FileHandle, size: number): ByteSource {
  return {
    size,
    async read(position: number, length: number): Promise<Uint8Array> {
      const want = Math.max(0, Math.min(length, size - position));
      const buf = Buffer.alloc(want);
      const { bytesRead } = await handle.read(buf, 0, want, position);
      return buf.subarray(0, bytesRead);
    },
  };
}

/** gguf.ReadFileMetadata: os.Open errors pass through; a wrong magic is "invalid file magic". */
async function readBlobGguf(file: string): Promise<GgufHeader> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`open ${file}: no such file or directory`);
    throw error;
  }
  try {
    const size = (await handle.stat()).size;
    const magic = Buffer.alloc(4);
    await handle.read(magic, 0, 4, 0);
    if (magic.toString("latin1") !== "GGUF") throw new Error("invalid file magic");
    return await readGgufHeader(fileSource(handle, size), { fileLabel: file });
  } finally {
    await handle.close();
  }
}

function metaValue(header: GgufHeader, key: string): GgufValue | undefined {
  return header.metadata.get(key)?.value;
}

function metaUint(header: GgufHeader, key: string): number | null {
  const value = metaValue(header, key);
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === "bigint" && value >= 0n) return Number(value);
  return null;
}

function metaString(header: GgufHeader, key: string): string {
  const value = metaValue(header, key);
  return typeof value === "string" ? value : "";
}

function architectureOf(header: GgufHeader): string {
  return metaString(header, "general.architecture") || "unknown";
}

/** ggml KV.FileType(): general.file_type when > 0, else unknown. */
function fileTypeOf(header: GgufHeader): string {
  const code = metaUint(header, "general.file_type");
  return code !== null && code > 0 ? fileTypeName(code) : "unknown";
}

function parameterCountOf(header: GgufHeader): number {
  return Number(header.tensors.reduce((sum, t) => sum + t.elementCount, 0n));
}

/** format.HumanNumber. */
function humanNumber(n: number): string {
  if (n >= 1e9) return Number.isInteger(n / 1e9) ? `${(n / 1e9).toFixed(0)}B` : `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return Number.isInteger(n / 1e6) ? `${(n / 1e6).toFixed(0)}M` : `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}K`;
  return String(n);
}

function jsonValue(value: GgufValue, verbose: boolean): unknown {
  if (typeof value === "bigint") return Number(value);
  if (typeof value !== "object") return value;
  // getModelData: arrays of more than 5 items are emptied unless verbose.
  if (!verbose && value.length > 5) return [];
  return value.head.map((item) => jsonValue(item, verbose));
}

// ---------------------------------------------------------------------------
// Create (server/create.go CreateHandler, createModel; create.ApplyModelfileLayers)

interface ModelLayer {
  layer: Layer & { status: string };
  header: GgufHeader | null;
  parameterCount: number;
  splitFile: string;
  splitLayers?: (Layer & { status: string })[];
}

/** fs.ValidPath plus the create.go extra rule (no "\" or ":"). */
function validCreatePath(p: string): boolean {
  if (p === "." || p === "" || p.startsWith("/") || p.endsWith("/") || /[\\:]/.test(p)) return false;
  return p.split("/").every((el) => el !== "" && el !== "." && el !== "..");
}

class CreateError extends Error {
  constructor(
    message: string,
    readonly status = 500,
  ) {
    super(message);
  }
}

async function createHandler(ex: Exchange): Promise<void> {
  const body = await readJsonBody(ex);
  const parameters = body.parameters as Record<string, unknown> | undefined;
  if (parameters && typeof parameters === "object" && parameters.typical_p != null) {
    throw new HttpError(400, "typical_p is deprecated and cannot be set as a model parameter; pass it as a request option instead");
  }
  const files = (body.files ?? null) as Record<string, unknown> | null;
  if (files !== null) {
    if (typeof files !== "object" || Array.isArray(files)) throw new HttpError(400, "json: cannot unmarshal files into Go struct field CreateRequest.files of type map[string]string");
    if (Object.keys(files).length > MAX_CREATE_FILES) throw new HttpError(400, `too many files: ${Object.keys(files).length} exceeds maximum ${MAX_CREATE_FILES}`);
    for (const [filePath, digest] of Object.entries(files)) {
      if (!validCreatePath(filePath)) throw new HttpError(400, `file path must be relative: ${filePath}`);
      if (typeof digest !== "string" || digest === "") throw new HttpError(400, "invalid digest format");
      if (!DIGEST_PATTERN.test(digest)) throw new HttpError(400, `invalid digest for ${filePath}: invalid digest format`);
    }
  }
  if (body.adapters && Object.keys(body.adapters as object).length > 0) throw new HttpError(400, "LoRA adapters are no longer supported");
  const license = body.license;
  if (license !== undefined && license !== null && typeof license !== "string" && !(Array.isArray(license) && license.every((l) => typeof l === "string"))) {
    throw new HttpError(400, "invalid license: must be a string or a list of strings");
  }
  const name = parseName(stringField(body, "model") || stringField(body, "name"));
  if (!isValidName(name)) throw new HttpError(400, "invalid model name");
  const fileEntries = Object.entries((files ?? {}) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // detectModelTypeFromFiles: by suffix; mixed types are a request error.
  const types = new Set(fileEntries.map(([p]) => (p.endsWith(".safetensors") ? "safetensors" : p.endsWith(".gguf") ? "gguf" : "")));
  types.delete("");
  if (types.size > 1) throw new HttpError(400, "mixed model file types: found both gguf and safetensors inputs");
  if ((body.quantize || body.quantization) && types.has("gguf")) {
    throw new HttpError(400, "create-time quantization is only supported for safetensors imports; quantize GGUF models with llama.cpp tools before importing");
  }

  const channel = new ProgressChannel(ex, wantsStream(body));
  try {
    const old = await findManifest(ex.state, name);
    if (typeof body.from === "string" && body.from !== "") throw new CreateError("the Ollama test double does not create from another model ('from')", 501);
    if (files === null) throw new CreateError("neither 'from' or 'files' was specified", 400);
    if (types.has("safetensors")) throw new CreateError("the Ollama test double does not import safetensors", 501);
    const baseLayers = await convertModelFromFiles(ex, fileEntries, (p) => channel.send(p));
    await createModel(ex, body, name, baseLayers, (p) => channel.send(p));
    // pruneOldManifestLayers: layers only the replaced manifest used are removed.
    if (old) await removeUnreferenced(ex.state, [...old.manifest.layers.map((l) => l.digest), old.manifest.config.digest]);
    channel.send({ status: "success" });
    channel.finish();
  } catch (error) {
    if (ex.signal.aborted) return;
    channel.fail((error as Error).message, error instanceof CreateError ? error.status : 500);
  }
}

async function convertModelFromFiles(ex: Exchange, entries: [string, string][], fn: (p: ProgressLine) => void): Promise<ModelLayer[]> {
  if (entries.length === 0) throw new CreateError("no files provided to convert", 400);
  const singles: ModelLayer[] = [];
  const slots: (ModelLayer | string)[] = [];
  const groups = new Map<string, ModelLayer[]>();
  for (const [filePath, digest] of entries) {
    ex.signal.throwIfAborted();
    // ggufLayersWithMediaType
    fn({ status: "parsing GGUF" });
    const file = blobsPath(ex.state, digest);
    const header = await readBlobGguf(file);
    const kind = metaString(header, "general.type");
    if (kind === "adapter") throw new CreateError(`LoRA adapters are no longer supported: ${filePath} is a LoRA adapter`, 400);
    const blockCount = metaUint(header, `${architectureOf(header)}.block_count`) ?? 0;
    const projector =
      kind === "projector" ||
      kind === "mmproj" ||
      (blockCount === 0 && (metaUint(header, "vision.block_count") ?? 0) > 0) ||
      (architectureOf(header) === "clip" && blockCount === 0 && (metaValue(header, "has_vision_encoder") === true || metaValue(header, "has_audio_encoder") === true));
    const stat = await fsp.stat(file);
    // manifest.NewLayerFromLayer: the uploaded blob is used as it is, named by its source file.
    const layer = { mediaType: projector ? MEDIA_PROJECTOR : MEDIA_MODEL, digest, size: stat.size, from: filePath, status: `using existing layer ${digest}` };
    const modelLayer: ModelLayer = { layer, header, parameterCount: parameterCountOf(header), splitFile: filePath };
    const key = splitGroupKey(modelLayer);
    if (key === null) {
      singles.push(modelLayer);
      slots.push(modelLayer);
    } else {
      if (!groups.has(key)) slots.push(key);
      groups.set(key, [...(groups.get(key) ?? []), modelLayer]);
    }
  }
  return slots.map((slot) => (typeof slot === "string" ? groupSplitLayers(groups.get(slot)!) : slot));
}

function invalidSplit(message: string): CreateError {
  return new CreateError(`invalid split GGUF: ${message}`, 400);
}

/** create_split_gguf.go splitGGUFName: prefix, 0-based index, count. */
function splitName(file: string): { prefix: string; index: number; count: number } | null {
  const m = SPLIT_NAME_PATTERN.exec(path.posix.basename(file));
  if (!m) return null;
  const index = Number(m[2]);
  const count = Number(m[3]);
  if (index === 0 || count === 0 || index > 0xffff || count > 0xffff) return null;
  return { prefix: m[1]!, index: index - 1, count };
}

/** create_split_gguf.go splitGGUFGroupKey: files with split.count > 1 group by media type, folder, prefix and count. */
function splitGroupKey(layer: ModelLayer): string | null {
  const header = layer.header!;
  const count = metaUint(header, "split.count");
  if (count === null || count <= 1) return null;
  const file = layer.splitFile;
  if (count > MAX_CREATE_FILES) throw invalidSplit(`split GGUF ${JSON.stringify(file)} has too many shards: ${count}`);
  const named = splitName(file);
  if (!named) throw invalidSplit(`split GGUF ${JSON.stringify(file)} must use llama.cpp split filename pattern`);
  if (named.count !== count) throw invalidSplit(`split GGUF ${JSON.stringify(file)} filename count ${named.count} does not match metadata count ${count}`);
  if (named.index >= count) throw invalidSplit(`split GGUF ${JSON.stringify(file)} filename index ${named.index} exceeds metadata count ${count}`);
  const no = metaUint(header, "split.no");
  if (no === null) throw invalidSplit(`split GGUF ${JSON.stringify(file)} is missing split.no metadata`);
  if (no !== named.index) throw invalidSplit(`split GGUF ${JSON.stringify(file)} filename index ${named.index} does not match metadata index ${no}`);
  return JSON.stringify([layer.layer.mediaType, path.posix.dirname(file), named.prefix, named.count]);
}

/** create_split_gguf.go groupSplitGGUFLayers: the first shard stands for the group; every shard stays a layer. */
function groupSplitLayers(layers: ModelLayer[]): ModelLayer {
  const first = layers[0]!;
  const count = metaUint(first.header!, "split.count")!;
  if (layers.length !== count) throw invalidSplit(`split GGUF ${JSON.stringify(first.layer.from)} has ${layers.length} shards, expected ${count}`);
  const parts: (Layer & { status: string })[] = new Array(count);
  const seen = new Set<number>();
  const tensorNames = new Set<string>();
  let expectedTensors: number | null = null;
  let actualTensors = 0;
  let parameterCount = 0;
  let primary: ModelLayer | null = null;
  for (const layer of layers) {
    const header = layer.header!;
    const index = metaUint(header, "split.no")!;
    if (architectureOf(header) !== architectureOf(first.header!) && architectureOf(header) !== "unknown" && architectureOf(first.header!) !== "unknown") {
      throw invalidSplit(`split GGUF ${JSON.stringify(layer.layer.from)} architecture does not match ${JSON.stringify(first.layer.from)}`);
    }
    if (seen.has(index)) throw invalidSplit(`split GGUF ${JSON.stringify(layer.layer.from)} duplicate shard index ${index}`);
    seen.add(index);
    if (index === 0) primary = layer;
    const tensors = metaUint(header, "split.tensors.count");
    if (tensors !== null) {
      if (expectedTensors === null) expectedTensors = tensors;
      else if (expectedTensors !== tensors) throw invalidSplit(`split GGUF ${JSON.stringify(layer.layer.from)} tensor count does not match ${JSON.stringify(first.layer.from)}`);
    }
    actualTensors += header.tensorCount;
    for (const tensor of header.tensors) {
      if (tensorNames.has(tensor.name)) throw invalidSplit(`split GGUF ${JSON.stringify(layer.layer.from)} contains duplicate tensor ${JSON.stringify(tensor.name)}`);
      tensorNames.add(tensor.name);
    }
    parameterCount += layer.parameterCount;
    parts[index] = layer.layer;
  }
  if (!primary) throw invalidSplit(`split GGUF ${JSON.stringify(first.layer.from)} is missing first shard`);
  if (expectedTensors !== null && expectedTensors !== actualTensors) {
    throw invalidSplit(`split GGUF ${JSON.stringify(primary.layer.from)} has ${actualTensors} tensors, expected ${expectedTensors}`);
  }
  return { ...primary, parameterCount, splitLayers: parts };
}

/** A light stand-in for template.Parse: unbalanced actions are a template error (400). */
function checkTemplate(template: string): void {
  const opens = template.split("{{").length - 1;
  const closes = template.split("}}").length - 1;
  if (opens !== closes) throw new CreateError(`template error: template: :1: unclosed action`, 400);
}

async function createModel(ex: Exchange, body: Record<string, unknown>, name: OllamaName, baseLayers: ModelLayer[], fn: (p: ProgressLine) => void): Promise<void> {
  const state = ex.state;
  // model.ConfigV2, field order as encoded (formats.md §3).
  let modelFormat = "";
  let modelFamily = "";
  const families: string[] = [];
  let modelType = "";
  let fileType = "";
  let requires = "";
  const layers: (Layer & { status: string })[] = [];
  let hasSplit = false;
  for (const base of baseLayers) {
    if (base.splitLayers) {
      hasSplit = true;
      layers.push(...base.splitLayers);
    } else layers.push(base.layer);
    if (base.header && base.layer.mediaType === MEDIA_MODEL) {
      modelFormat ||= "gguf";
      modelFamily ||= architectureOf(base.header);
      modelType ||= humanNumber(base.parameterCount);
      fileType ||= fileTypeOf(base.header);
      if (!families.includes(architectureOf(base.header))) families.push(architectureOf(base.header));
    }
  }
  if (hasSplit) requires ||= SPLIT_GGUF_MIN_OLLAMA_VERSION;

  // create.ApplyModelfileLayers: template, system, licenses, params, messages.
  const template = stringField(body, "template");
  if (template) {
    checkTemplate(template);
    layers.push(await newLayer(state, Buffer.from(template), MEDIA_TEMPLATE));
  }
  const system = stringField(body, "system");
  if (system) layers.push(await newLayer(state, Buffer.from(system), MEDIA_SYSTEM));
  const licenses = typeof body.license === "string" ? [body.license].filter((l) => l !== "") : ((body.license as string[] | undefined) ?? []);
  for (const license of licenses) layers.push(await newLayer(state, Buffer.from(license), MEDIA_LICENSE));
  const parameters = (body.parameters ?? {}) as Record<string, unknown>;
  if (Object.keys(parameters).length > 0) layers.push(await newLayer(state, Buffer.from(`${goJson(sortKeysDeep(parameters))}\n`), MEDIA_PARAMS));
  const messages = body.messages as unknown[] | undefined;
  if (Array.isArray(messages) && messages.length > 0) layers.push(await newLayer(state, Buffer.from(`${goJson(messages)}\n`), MEDIA_MESSAGES));

  const config: Record<string, unknown> = { model_format: modelFormat, model_family: modelFamily, model_families: families.length ? families : null, model_type: modelType, file_type: fileType };
  if (requires) config.requires = requires;
  config.architecture = "amd64";
  config.os = "linux";
  const configLayer = await newLayer(state, Buffer.from(`${goJson(config)}\n`), MEDIA_CONFIG);

  for (const layer of layers) if (layer.status) fn({ status: layer.status });
  fn({ status: "writing manifest" });
  ex.signal.throwIfAborted();
  // manifest.WriteManifest: json.NewEncoder(f).Encode(m) — compact JSON and a newline.
  const strip = ({ status: _status, ...layer }: Layer & { status: string }): Layer => layer;
  const manifest: Manifest = { schemaVersion: 2, mediaType: MEDIA_MANIFEST, config: strip(configLayer), layers: layers.map(strip) };
  const file = manifestFile(state, name);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(file, `${goJson(manifest)}\n`);
}

// ---------------------------------------------------------------------------
// List, show, delete (routes.go ListHandler, ShowHandler/GetModelInfo, DeleteHandler)

interface ModelDetails {
  parent_model: string;
  format: string;
  family: string;
  families: string[] | null;
  parameter_size: string;
  quantization_level: string;
}

async function readConfig(state: DoubleState, m: Manifest): Promise<Record<string, unknown>> {
  if (!m.config?.digest) return {};
  return JSON.parse(await fsp.readFile(blobsPath(state, m.config.digest), "utf8")) as Record<string, unknown>;
}

function detailsOf(config: Record<string, unknown>): ModelDetails {
  const str = (key: string) => (typeof config[key] === "string" ? (config[key] as string) : "");
  return {
    parent_model: "",
    format: str("model_format"),
    family: str("model_family"),
    families: Array.isArray(config.model_families) ? (config.model_families as string[]) : null,
    parameter_size: str("model_type"),
    quantization_level: str("file_type"),
  };
}

async function listHandler(ex: Exchange): Promise<void> {
  const models: { entry: Record<string, unknown>; mtime: number }[] = [];
  for (const found of await listManifests(ex.state)) {
    let config: Record<string, unknown>;
    try {
      config = await readConfig(ex.state, found.manifest);
    } catch {
      continue; // "bad manifest config": skipped with a warning
    }
    const name = displayShortest(found.name);
    models.push({
      mtime: Math.floor(found.stat.mtimeMs / 1000),
      entry: {
        name,
        model: name,
        modified_at: found.stat.mtime.toISOString(),
        size: manifestSize(found.manifest),
        // m.Digest(): hex SHA-256 of the manifest file bytes.
        digest: createHash("sha256").update(found.bytes).digest("hex"),
        details: detailsOf(config),
      },
    });
  }
  // Most recently modified first (compared in whole seconds, stable).
  models.sort((a, b) => b.mtime - a.mtime);
  sendJson(ex, 200, { models: models.map((m) => m.entry) });
}

/** fmt "%#v" of a JSON value, as ShowHandler prints parameters. */
function goSharpV(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

async function showHandler(ex: Exchange): Promise<void> {
  const body = await readJsonBody(ex);
  const requested = stringField(body, "model") || stringField(body, "name");
  if (!requested) throw new HttpError(400, "model is required");
  const name = parseName(requested);
  if (!isValidName(name)) throw new HttpError(400, "invalid model name");
  const found = await findManifest(ex.state, name);
  if (!found) throw new HttpError(404, `model '${requested}' not found`);
  const state = ex.state;
  const m = found.manifest;
  const config = await readConfig(state, m);
  const text = async (mediaType: string) => Promise.all(m.layers.filter((l) => l.mediaType === mediaType).map((l) => fsp.readFile(blobsPath(state, l.digest), "utf8")));
  const template = (await text(MEDIA_TEMPLATE))[0] ?? (await text(MEDIA_PROMPT))[0] ?? "";
  const system = (await text(MEDIA_SYSTEM))[0] ?? "";
  const licenses = await text(MEDIA_LICENSE);
  const paramsText = (await text(MEDIA_PARAMS))[0];
  const params = paramsText ? (JSON.parse(paramsText) as Record<string, unknown>) : {};
  const verbose = body.verbose === true;

  const modelLayer = m.layers.find((l) => l.mediaType === MEDIA_MODEL);
  const modelInfo: Record<string, unknown> = {};
  let tensors: unknown[] = [];
  if (modelLayer) {
    const header = await readBlobGguf(blobsPath(state, modelLayer.digest));
    for (const [key, entry] of header.metadata) modelInfo[key] = jsonValue(entry.value, verbose);
    // The ggml decoder adds the parameter count; ShowHandler drops the name and the chat template.
    modelInfo["general.parameter_count"] = parameterCountOf(header);
    delete modelInfo["general.name"];
    delete modelInfo["tokenizer.chat_template"];
    tensors = header.tensors.map((t) => ({ name: t.name, type: ggmlTypeName(t.type), shape: t.dims }));
  }
  const parameterLines: string[] = [];
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    for (const item of Array.isArray(value) ? value : [value]) parameterLines.push(`${key.padEnd(30)} ${goSharpV(item)}`);
  }
  const shortName = displayShortest(found.name);
  const modelfile = [
    `# Modelfile generated by "ollama show"`,
    `# To build a new Modelfile based on this, replace FROM with:`,
    `# FROM ${shortName}`,
    "",
    ...m.layers.filter((l) => l.mediaType === MEDIA_MODEL).map((l) => `FROM ${blobsPath(state, l.digest)}`),
    ...(template ? [`TEMPLATE """${template}"""`] : []),
    ...(system ? [`SYSTEM """${system}"""`] : []),
    ...Object.keys(params)
      .sort()
      .flatMap((key) => (Array.isArray(params[key]) ? (params[key] as unknown[]) : [params[key]]).map((v) => `PARAMETER ${key} ${typeof v === "string" ? v : String(v)}`)),
    ...licenses.map((l) => `LICENSE """${l}"""`),
  ].join("\n");

  // api.ShowResponse; string fields are omitempty.
  const response: Record<string, unknown> = {};
  if (licenses.length) response.license = licenses.join("\n");
  response.modelfile = `${modelfile}\n`;
  if (parameterLines.length) response.parameters = parameterLines.join("\n");
  if (template) response.template = template;
  if (system) response.system = system;
  response.details = detailsOf(config);
  response.model_info = modelInfo;
  response.tensors = tensors;
  response.capabilities = ["completion"];
  response.modified_at = found.stat.mtime.toISOString();
  if (typeof config.requires === "string") response.requires = config.requires;
  sendJson(ex, 200, response);
}

async function deleteHandler(ex: Exchange): Promise<void> {
  const body = await readJsonBody(ex);
  const requested = stringField(body, "model") || stringField(body, "name");
  const name = parseName(requested);
  if (!isValidName(name)) throw new HttpError(400, `name ${JSON.stringify(requested)} is invalid`);
  const found = await findManifest(ex.state, name);
  if (!found) throw new HttpError(404, `model '${requested}' not found`);
  // manifest.RemoveNamed: the manifest, then blobs nothing else references.
  await fsp.rm(found.file);
  await pruneEmptyDirs(path.dirname(found.file), path.join(ex.state.storeDir, "manifests"));
  await removeUnreferenced(ex.state, [...found.manifest.layers.map((l) => l.digest), found.manifest.config.digest]);
  ex.state.loaded.delete(displayShortest(found.name));
  // The handler writes nothing: 200 with an empty body.
  sendStatus(ex, 200);
}

// ---------------------------------------------------------------------------
// Load, unload, running models (routes.go GenerateHandler, PsHandler)

/** api.Duration.UnmarshalJSON: numbers are seconds (negative = forever), strings Go durations. */
function keepAliveMs(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_KEEP_ALIVE_MS;
  if (typeof value === "number") return value < 0 ? Number.MAX_SAFE_INTEGER : Math.trunc(value) * 1000;
  if (typeof value === "string") {
    if (value === "0") return 0;
    const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    const parts = [...value.matchAll(/(-?\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) throw new HttpError(400, `time: invalid duration ${JSON.stringify(value)}`);
    const ms = parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
    return ms < 0 ? Number.MAX_SAFE_INTEGER : ms;
  }
  throw new HttpError(400, `Unsupported type: '${typeof value}'`);
}

async function generateHandler(ex: Exchange): Promise<void> {
  const body = await readJsonBody(ex);
  const requested = stringField(body, "model");
  if (!requested) throw new HttpError(400, "model is required");
  const found = await findManifest(ex.state, parseName(requested));
  if (!found) throw new HttpError(404, `model '${requested}' not found`);
  const shortName = displayShortest(found.name);
  const keepAlive = keepAliveMs(body.keep_alive);
  const prompt = stringField(body, "prompt");
  // "expire the runner if unload is requested (empty prompt, keep alive is 0)"
  if (prompt === "" && body.keep_alive !== undefined && keepAlive === 0) {
    ex.state.loaded.delete(shortName);
    return sendJson(ex, 200, { model: requested, created_at: new Date().toISOString(), response: "", done: true, done_reason: "unload" });
  }
  if (prompt !== "") throw new HttpError(501, "the Ollama test double loads and unloads models but runs no inference");
  const size = manifestSize(found.manifest);
  const options = (body.options ?? {}) as Record<string, unknown>;
  ex.state.loaded.set(shortName, {
    name: shortName,
    digest: createHash("sha256").update(found.bytes).digest("hex"),
    size,
    details: detailsOf(await readConfig(ex.state, found.manifest)),
    expiresAt: new Date(Date.now() + Math.min(keepAlive, 100 * 365 * 86_400_000)),
    contextLength: typeof options.num_ctx === "number" ? options.num_ctx : DEFAULT_NUM_CTX,
  });
  sendJson(ex, 200, { model: requested, created_at: new Date().toISOString(), response: "", done: true, done_reason: "load" });
}

async function psHandler(ex: Exchange): Promise<void> {
  const now = Date.now();
  for (const [name, model] of ex.state.loaded) if (model.expiresAt.getTime() <= now) ex.state.loaded.delete(name);
  const models = [...ex.state.loaded.values()]
    .sort((a, b) => Math.floor(b.expiresAt.getTime() / 1000) - Math.floor(a.expiresAt.getTime() / 1000))
    .map((m) => ({
      name: m.name,
      model: m.name,
      size: m.size,
      digest: m.digest,
      details: m.details,
      expires_at: m.expiresAt.toISOString(),
      size_vram: ex.state.loadInVram ? m.size : 0,
      context_length: m.contextLength,
    }));
  sendJson(ex, 200, { models });
}

// ---------------------------------------------------------------------------
// Pull (server/images.go PullModel, pullModelManifest, makeRequestWithRetry; server/download.go)

/** makeRequestWithRetry: 404 → os.ErrNotExist, other ≥ 400 → "<status>: <body>"; transport errors as Go prints them. */
async function registryRequest(
  method: "GET" | "HEAD",
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  follow = true,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: import("node:stream").Readable & { text(): Promise<string>; arrayBuffer(): Promise<ArrayBuffer> } }> {
  let res;
  let target = url;
  // makeRequest's http.Client has no CheckRedirect for the manifest GET and the blob HEAD:
  // Go's default policy follows up to 10 redirects, keeping GET and HEAD as they are.
  for (let hops = 0; ; hops++) {
    try {
      res = await request(target, { method, headers: { ...headers, "User-Agent": "ollama/double (amd64 linux) Go/go1.24" }, signal });
    } catch (error) {
      throw new Error(`${method === "GET" ? "Get" : "Head"} ${JSON.stringify(url)}: ${(error as Error).message}`);
    }
    const location = res.headers.location;
    if (!follow || ![301, 302, 303, 307, 308].includes(res.statusCode) || typeof location !== "string") break;
    if (hops >= 10) throw new Error(`${method === "GET" ? "Get" : "Head"} ${JSON.stringify(target)}: stopped after 10 redirects`);
    discard(res.body);
    target = new URL(location, target).toString();
  }
  if (res.statusCode === 404) {
    discard(res.body);
    throw new Error("file does not exist");
  }
  if (res.statusCode >= 400) throw new Error(`${res.statusCode}: ${await res.body.text()}`);
  return { status: res.statusCode, headers: res.headers, body: res.body as never };
}

/** Drops a response body unread; undici reports the abort as an error event, which nobody needs here. */
function discard(body: import("node:stream").Readable): void {
  body.on("error", () => undefined);
  body.destroy();
}

interface PullContext {
  state: DoubleState;
  name: OllamaName;
  baseUrl: string;
  fn: (p: ProgressLine) => void;
  signal: AbortSignal;
}

async function pullHandler(ex: Exchange): Promise<void> {
  const body = await readJsonBody(ex);
  const requested = stringField(body, "model") || stringField(body, "name");
  const name = parseName(requested);
  if (!isValidName(name)) throw new HttpError(400, "invalid model name");
  const insecure = body.insecure === true;
  const channel = new ProgressChannel(ex, wantsStream(body));
  try {
    await pullModel(ex, name, insecure, (p) => channel.send(p));
    channel.finish();
  } catch (error) {
    if (ex.signal.aborted) return;
    channel.fail((error as Error).message);
  }
}

async function pullModel(ex: Exchange, name: OllamaName, insecure: boolean, fn: (p: ProgressLine) => void): Promise<void> {
  const state = ex.state;
  const existing = await findManifest(state, name);
  const deleteMap = new Set<string>(existing ? [...existing.manifest.layers.map((l) => l.digest), existing.manifest.config?.digest ?? ""].filter(Boolean) : []);
  if (name.scheme === "http" && !insecure) throw new Error("insecure protocol http");
  // makeRequest: with insecure, requests switch to http.
  const baseUrl = `${insecure ? "http" : name.scheme}://${name.host}`;
  fn({ status: "pulling manifest" });

  const manifestUrl = `${baseUrl}/v2/${name.namespace}/${name.model}/manifests/${name.tag}`;
  let manifestData: Buffer;
  let manifest: Manifest;
  try {
    const res = await registryRequest("GET", manifestUrl, { Accept: MEDIA_MANIFEST }, ex.signal);
    manifestData = Buffer.from(await res.body.arrayBuffer());
    manifest = JSON.parse(manifestData.toString("utf8")) as Manifest;
  } catch (error) {
    throw new Error(`pull model manifest: ${(error as Error).message}`);
  }
  const layers = [...(manifest.layers ?? [])];
  if (manifest.config?.digest) layers.push(manifest.config);

  const ctx: PullContext = { state, name, baseUrl, fn, signal: ex.signal };
  const skipVerify = new Map<string, boolean>();
  for (const layer of layers) {
    const cacheHit = await downloadBlob(ctx, layer.digest);
    skipVerify.set(layer.digest, (skipVerify.get(layer.digest) ?? true) && cacheHit);
    deleteMap.delete(layer.digest);
  }

  fn({ status: "verifying sha256 digest" });
  for (const layer of layers) {
    if (skipVerify.get(layer.digest)) continue;
    const file = blobsPath(state, layer.digest);
    const got = await hashFile(file);
    if (got !== layer.digest) {
      await fsp.rm(file, { force: true });
      throw new Error(`digest mismatch, file must be downloaded again: want ${layer.digest}, got ${got}`);
    }
  }

  fn({ status: "writing manifest" });
  // The registry's bytes are written verbatim.
  const file = manifestFile(state, name);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(file, manifestData);
  if (deleteMap.size > 0) {
    fn({ status: "removing unused layers" });
    await removeUnreferenced(state, [...deleteMap]);
  }
  fn({ status: "success" });
}

/** "sha256:<hex>" of a file, streamed (blobs can be large). */
async function hashFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

interface Part {
  n: number;
  offset: number;
  size: number;
  completed: number;
}

/** download.go downloadBlob: cache hit, or Prepare (HEAD → parts) and run (direct URL → Range parts). */
async function downloadBlob(ctx: PullContext, digest: string): Promise<boolean> {
  const { state, fn, signal } = ctx;
  if (!digest) throw new Error(`${ctx.name.namespace}/${ctx.name.model}: digest is empty`);
  const file = blobsPath(state, digest);
  const short = digest.slice(7, 19);
  const existing = await statOrNull(file);
  if (existing) {
    fn({ status: `pulling ${short}`, digest, total: existing.size, completed: existing.size });
    return true;
  }
  const blobUrl = `${ctx.baseUrl}/v2/${ctx.name.namespace}/${ctx.name.model}/blobs/${digest}`;

  // Prepare: resume from part files, else HEAD for the size and cut it into parts.
  const partial = `${file}-partial`;
  const parts: Part[] = [];
  for (const entry of (await readDirNames(path.dirname(file))).filter((f) => f.startsWith(`${path.basename(partial)}-`)).sort()) {
    const saved = JSON.parse(await fsp.readFile(path.join(path.dirname(file), entry), "utf8")) as { N: number; Offset: number; Size: number; Completed: number };
    parts.push({ n: saved.N, offset: saved.Offset, size: saved.Size, completed: saved.Completed });
  }
  let total = parts.reduce((sum, p) => sum + p.size, 0);
  if (parts.length === 0) {
    const head = await registryRequest("HEAD", blobUrl, {}, signal);
    discard(head.body);
    total = Number(head.headers["content-length"] ?? 0);
    let size = Math.trunc(total / NUM_DOWNLOAD_PARTS);
    size = Math.min(Math.max(size, state.minPartSize), state.maxPartSize);
    for (let offset = 0; offset < total; offset += size) {
      const part = { n: parts.length, offset, size: Math.min(size, total - offset), completed: 0 };
      parts.push(part);
      await writePart(partial, part);
    }
  }
  let completed = parts.reduce((sum, p) => sum + p.completed, 0);

  const ticker = setInterval(() => fn({ status: `pulling ${short}`, digest, total, completed }), PROGRESS_TICK_MS);
  const handle = await fsp.open(partial, (await statOrNull(partial)) ? "r+" : "w+");
  try {
    await handle.truncate(total);
    const direct = await directUrl(ctx, blobUrl);
    // errgroup.WithContext: the first failing part cancels the others.
    const group = new AbortController();
    const inner = AbortSignal.any([signal, group.signal]);
    let firstFailure: Error | null = null;
    const queue = parts.filter((p) => p.completed < p.size);
    const worker = async (): Promise<void> => {
      for (let part = queue.shift(); part && !inner.aborted; part = queue.shift()) {
        let lastError: Error | null = null;
        for (let attempt = 0; attempt < state.maxPartTries; attempt++) {
          try {
            await downloadChunk({ ...ctx, signal: inner }, direct, handle, partial, part, (n) => (completed += n));
            lastError = null;
            break;
          } catch (error) {
            lastError = error as Error;
            // "return immediately if the context is canceled or the device is out of space"
            if (inner.aborted || (error as NodeJS.ErrnoException).code === "ENOSPC") throw error;
            if (attempt + 1 < state.maxPartTries) await sleep(state.partRetryDelayMs * 2 ** attempt, inner);
          }
        }
        if (lastError) throw new Error(`max retries exceeded: ${lastError.message}`);
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(NUM_DOWNLOAD_PARTS, Math.max(1, queue.length)) }, () =>
        worker().catch((error: unknown) => {
          firstFailure ??= error as Error;
          group.abort(error);
        }),
      ),
    );
    if (firstFailure) throw firstFailure;
  } finally {
    clearInterval(ticker);
    await handle.close();
  }
  for (const part of parts) await fsp.rm(`${partial}-${part.n}`, { force: true });
  await fsp.rename(partial, file);
  return false;
}

async function writePart(partial: string, part: Part): Promise<void> {
  await fsp.writeFile(`${partial}-${part.n}`, `${JSON.stringify({ N: part.n, Offset: part.offset, Size: part.size, Completed: part.completed })}\n`);
}

/**
 * The "direct URL": one GET on the blob URL; same-host redirects are followed, the
 * first redirect to another host is kept. 307 (and 302) give their Location; a 200
 * goes through resp.Location() too, which fails without a Location header.
 */
async function directUrl(ctx: PullContext, blobUrl: string): Promise<string> {
  const deadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.state.directUrlTimeoutMs)]);
  const original = new URL(blobUrl);
  for (let attempt = 1; ; attempt++) {
    let url = blobUrl;
    try {
      for (let hops = 0; ; hops++) {
        if (hops > 10) throw new Error("maximum redirects exceeded (10) for directURL");
        // The direct-URL lookup has its own CheckRedirect (below): one hop at a time.
        const res = await registryRequest("GET", url, {}, deadline, false);
        discard(res.body);
        const location = typeof res.headers.location === "string" ? res.headers.location : undefined;
        if (res.status >= 300 && res.status < 400 && location) {
          const next = new URL(location, url);
          if (next.hostname === original.hostname) {
            url = next.toString();
            continue;
          }
        }
        if (res.status !== 307 && res.status !== 200 && res.status !== 302) throw Object.assign(new Error(`unexpected status code ${res.status}`), { final: true });
        if (!location) throw Object.assign(new Error("http: no Location header in response"), { final: true });
        return new URL(location, url).toString();
      }
    } catch (error) {
      if ((error as { final?: boolean }).final) throw error;
      if (ctx.signal.aborted) throw error;
      // makeRequestWithRetry failed: back off (n² × 10 ms, ≤ 10 s) until the 30 s budget runs out.
      if (deadline.aborted) throw new Error("context deadline exceeded");
      await sleep(Math.min(attempt * attempt * 10, 10_000), deadline).catch(() => undefined);
      if (deadline.aborted) throw new Error("context deadline exceeded");
    }
  }
}

/** download.go downloadChunk: one Range GET (redirects followed), 206 or 200 only, bytes written at the part's offset. */
async function downloadChunk(ctx: PullContext, url: string, handle: fsp.FileHandle, partial: string, part: Part, onBytes: (n: number) => void): Promise<void> {
  let target = url;
  let res;
  for (let hops = 0; ; hops++) {
    res = await request(target, { method: "GET", headers: { Range: `bytes=${part.offset + part.completed}-${part.offset + part.size - 1}` }, signal: ctx.signal });
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === "string" && hops < 10) {
      discard(res.body);
      target = new URL(location, target).toString();
      continue;
    }
    break;
  }
  if (res.statusCode !== 206 && res.statusCode !== 200) {
    discard(res.body);
    throw new Error(`unexpected status code ${res.statusCode} for range request`);
  }
  let want = part.size - part.completed;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const piece = chunk.subarray(0, Math.min(chunk.length, want));
      chargeDisk(ctx.state, piece.length, partial);
      await handle.write(piece, 0, piece.length, part.offset + part.completed);
      part.completed += piece.length;
      want -= piece.length;
      onBytes(piece.length);
      if (want === 0) break;
    }
  } finally {
    discard(res.body);
    await writePart(partial, part);
  }
  if (want > 0) throw new Error("EOF");
}
