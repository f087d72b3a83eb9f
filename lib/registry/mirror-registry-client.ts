// The push half of the Docker Registry HTTP API V2, as `modelshelf mirror` needs
// it against any Distribution-API registry (Docker Distribution, Harbor,
// Artifactory): blob HEAD, monolithic upload (POST /blobs/uploads/, then PUT
// ?digest= with the streamed body), manifest PUT and GET. undici, one bounded
// wait per request; anonymous access only.
import { readCapped } from "../read-capped.ts";
import { Readable } from "node:stream";
import { Agent, request, type Dispatcher } from "undici";
import { AppError, errorMessage, isAppError } from "../errors.ts";
import { cancelledError } from "../hashing/cancelled-error.ts";
import { log } from "../log.ts";

/** Every request except a blob body: a registry answers a HEAD, POST or manifest call in well under a second. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** TCP and TLS set-up: a reachable registry connects in milliseconds; this only catches one that is not. */
const CONNECT_TIMEOUT_MS = 15_000;
/**
 * Longest silence while a blob body is sent. Library reads arrive in 1 MiB chunks
 * (a remote root waits up to MODELSHELF_FS_TIMEOUT_MS for one), so a silence this
 * long means the registry or the share stopped moving bytes.
 */
export const UPLOAD_IDLE_TIMEOUT_MS = 120_000;
/**
 * How long the registry may take to answer once the whole body is sent: it checks
 * the digest and moves the upload into place, which on object storage (S3 copy of
 * a tens-of-GB blob) takes minutes.
 */
export const UPLOAD_COMMIT_TIMEOUT_MS = 30 * 60_000;
/** How often the upload watchdog looks at the clock. */
const WATCHDOG_INTERVAL_MS = 1_000;
/** Redirects followed by a blob HEAD (a storage redirect is one hop; more is a loop). */
const MAX_REDIRECTS = 5;
/** Distribution refuses manifests over 4 MiB (maxManifestBodySize); a larger answer is not a manifest. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Error answers are a line of JSON; this holds any real one and a proxy page's head. */
const MAX_ERROR_BYTES = 64 * 1024;
/** Characters of an error answer quoted in a message. */
const ERROR_SNIPPET_CHARS = 300;

export interface MirrorRegistryClientOptions {
  /** http(s)://host[:port] (see parseRegistryBaseUrl). */
  origin: string;
  /** Accept any TLS certificate (a self-signed registry). */
  insecureTls?: boolean;
  signal?: AbortSignal;
}

export interface BlobStatus {
  present: boolean;
  /** Content-Length of the answer that found it (after redirects), when sent. */
  size: number | null;
}

export interface FetchedManifest {
  mediaType: string | null;
  bytes: Buffer;
  /** Docker-Content-Digest, when sent. */
  digest: string | null;
}

export interface MirrorRegistryClient {
  origin: string;
  /** GET /v2/: the registry speaks the API and lets us in. */
  checkApi(): Promise<void>;
  blobStatus(repository: string, digest: string): Promise<BlobStatus>;
  /** Uploads `size` bytes from `body` as `digest`; `onBytes` hears of every chunk handed to the socket. */
  uploadBlob(repository: string, digest: string, size: number, body: AsyncIterable<Buffer>, onBytes: (bytes: number) => void): Promise<void>;
  /** PUT the manifest bytes as they are; returns the digest the registry computed, when it says. */
  putManifest(repository: string, tag: string, mediaType: string, bytes: Buffer): Promise<string | null>;
  getManifest(repository: string, reference: string, accept: string): Promise<FetchedManifest>;
  close(): Promise<void>;
}

/**
 * `http(s)://host[:port]` of a registry base URL. The /v2/ API lives at the root of
 * its host, and Ollama names a model host/namespace/model:tag, so a path (a
 * "project" prefix) cannot be honoured; neither can credentials in the URL.
 */
export function parseRegistryBaseUrl(raw: string): string {
  const text = raw.trim();
  if (!URL.canParse(text)) throw new AppError("invalid-input", `--to must be a registry base URL such as http://registry.lan:5000, got "${raw}"`);
  const url = new URL(text);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new AppError("invalid-input", `--to must be an http:// or https:// URL, got "${raw}"`);
  if (url.username || url.password) throw new AppError("invalid-input", "--to must not carry credentials: modelshelf mirror pushes anonymously");
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
    throw new AppError("invalid-input", `--to must be the registry's root (${url.origin}): Ollama pulls <host>/<namespace>/<model>:<tag>, so a path prefix cannot be used`);
  }
  return url.origin;
}

export function createMirrorRegistryClient(options: MirrorRegistryClientOptions): MirrorRegistryClient {
  const origin = options.origin;
  const outer = options.signal;
  const dispatcher = new Agent({ connect: { timeout: CONNECT_TIMEOUT_MS, rejectUnauthorized: !options.insecureTls } });
  const v2 = (repository: string, rest: string) => `${origin}/v2/${repository}/${rest}`;

  /** One short request with a timeout over the whole call; the answer is returned unread. */
  async function call(method: Dispatcher.HttpMethod, url: string, init: { headers?: Record<string, string>; body?: Buffer } = {}): Promise<Dispatcher.ResponseData> {
    const what = `${method} ${url}`;
    outer?.throwIfAborted();
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    try {
      return await request(url, { method, dispatcher, headers: init.headers, body: init.body, signal: outer ? AbortSignal.any([outer, timeout]) : timeout });
    } catch (error) {
      throw networkFailure(error, what, outer, timeout.aborted ? REQUEST_TIMEOUT_MS : null);
    }
  }

  /** Any answer but the expected one(s) becomes an AppError naming the request and the registry's own words. */
  async function requireStatus(response: Dispatcher.ResponseData, statuses: number[], what: string): Promise<void> {
    if (statuses.includes(response.statusCode)) return;
    throw await httpFailure(response, what);
  }

  return {
    origin,

    async checkApi() {
      const url = `${origin}/v2/`;
      const response = await call("GET", url);
      await requireStatus(response, [200], `GET ${url}`);
      await response.body.dump();
    },

    async blobStatus(repository, digest) {
      let url = v2(repository, `blobs/${digest}`);
      // Followed by hand: a storage redirect (Distribution's redirect middleware, S3) answers the HEAD too.
      for (let hops = 0; ; hops++) {
        const response = await call("HEAD", url);
        await response.body.dump();
        const location = header(response.headers.location);
        if (response.statusCode >= 300 && response.statusCode < 400 && location !== null) {
          if (hops >= MAX_REDIRECTS) throw new AppError("io", `HEAD ${v2(repository, `blobs/${digest}`)} redirected more than ${MAX_REDIRECTS} times`);
          url = new URL(location, url).toString();
          continue;
        }
        if (response.statusCode === 200) {
          const length = header(response.headers["content-length"]);
          return { present: true, size: length !== null && /^\d+$/.test(length) ? Number(length) : null };
        }
        if (response.statusCode === 404) return { present: false, size: null };
        throw await httpFailure(response, `HEAD ${url}`);
      }
    },

    async uploadBlob(repository, digest, size, body, onBytes) {
      const startUrl = v2(repository, "blobs/uploads/");
      const started = await call("POST", startUrl, { headers: { "content-length": "0" } });
      await requireStatus(started, [202], `POST ${startUrl}`);
      await started.body.dump();
      const location = header(started.headers.location);
      if (location === null) throw new AppError("io", `POST ${startUrl} answered 202 without the Location of the upload`);
      // The upload URL is the registry's own (it may carry state in its query): only digest is added.
      const target = new URL(location, startUrl);
      target.search = `${target.search ? `${target.search}&` : "?"}digest=${encodeURIComponent(digest)}`;
      const what = `PUT ${v2(repository, `blobs/uploads/…?digest=${digest}`)}`;

      let lastActivity = Date.now();
      let sent = false;
      let sourceError: unknown = null;
      // Pulled by undici as it writes: a chunk is counted when the previous one went out.
      async function* counted(): AsyncGenerator<Buffer> {
        try {
          for await (const chunk of body) {
            lastActivity = Date.now();
            onBytes(chunk.length);
            yield chunk;
          }
          lastActivity = Date.now();
          sent = true;
        } catch (error) {
          sourceError = error;
          throw error;
        }
      }
      const stall = new AbortController();
      const watchdog = setInterval(() => {
        const limit = sent ? UPLOAD_COMMIT_TIMEOUT_MS : UPLOAD_IDLE_TIMEOUT_MS;
        if (Date.now() - lastActivity <= limit) return;
        const reason = sent ? `the registry did not answer within ${limit} ms of the last byte` : `no bytes moved for ${limit} ms`;
        stall.abort(new AppError("timeout", `${what}: ${reason}`, { retryable: true }));
      }, WATCHDOG_INTERVAL_MS);
      try {
        const response = await request(target, {
          method: "PUT",
          dispatcher,
          // highWaterMark 1: no read-ahead beyond the chunk being written, so progress means "sent".
          body: Readable.from(counted(), { objectMode: false, highWaterMark: 1 }),
          headers: { "content-type": "application/octet-stream", "content-length": String(size) },
          signal: outer ? AbortSignal.any([outer, stall.signal]) : stall.signal,
          // undici's header timer would run while a long body is still being sent; the watchdog measures silence instead.
          headersTimeout: 0,
          bodyTimeout: REQUEST_TIMEOUT_MS,
        });
        await requireStatus(response, [201], what);
        const stored = header(response.headers["docker-content-digest"]);
        await response.body.dump();
        if (stored !== null && stored !== digest) throw new AppError("io", `${what}: the registry stored the blob as ${stored}`);
      } catch (error) {
        // Give the session back rather than leave it to the registry's upload purging (a week by default).
        void call("DELETE", new URL(location, startUrl).toString())
          .then((response) => response.body.dump())
          .catch((cancelError: unknown) => log.debug("mirror: could not cancel an upload session", { url: startUrl, error: errorMessage(cancelError) }));
        if (stall.signal.aborted && !outer?.aborted) throw stall.signal.reason;
        // A library read that failed (share away, file changed) is the reason, not the broken request.
        if (sourceError !== null && isAppError(sourceError) && !outer?.aborted) throw sourceError;
        if (isAppError(error)) throw error;
        throw networkFailure(error, what, outer, null);
      } finally {
        clearInterval(watchdog);
      }
    },

    async putManifest(repository, tag, mediaType, bytes) {
      const url = v2(repository, `manifests/${tag}`);
      const response = await call("PUT", url, { headers: { "content-type": mediaType }, body: bytes });
      await requireStatus(response, [201], `PUT ${url}`);
      await response.body.dump();
      return header(response.headers["docker-content-digest"]);
    },

    async getManifest(repository, reference, accept) {
      const url = v2(repository, `manifests/${reference}`);
      const response = await call("GET", url, { headers: { accept } });
      await requireStatus(response, [200], `GET ${url}`);
      const bytes = await readCapped(response.body, MAX_MANIFEST_BYTES, `GET ${url}`);
      return { mediaType: header(response.headers["content-type"]), bytes, digest: header(response.headers["docker-content-digest"]) };
    },

    close() {
      return dispatcher.close();
    },
  };
}

function header(value: string | string[] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? null : first;
}

/** A non-2xx answer as an AppError: the distribution error codes and messages when the body has them. */
async function httpFailure(response: Dispatcher.ResponseData, what: string): Promise<AppError> {
  const status = response.statusCode;
  const text = (await readCapped(response.body, MAX_ERROR_BYTES, what).catch(() => Buffer.alloc(0))).toString("utf8");
  const said = registryWords(text);
  const message = `${what} answered HTTP ${status}${said ? `: ${said}` : ""}`;
  const details = { status, registryMessage: said };
  if (status === 401 || status === 403) {
    return new AppError("forbidden", `${message} (modelshelf mirror pushes anonymously: allow anonymous push for it, e.g. from this host's address)`, { details });
  }
  if (status === 405) return new AppError("unsupported", `${message} (the registry does not accept pushes here)`, { details });
  if (status === 429 || status >= 500) return new AppError("unavailable", message, { retryable: true, details });
  return new AppError("io", message, { details });
}

/** "CODE: message; …" from a distribution-spec error body, else the start of the text. */
function registryWords(text: string): string {
  // Not JSON (a proxy's HTML page, plain text): quote its start instead.
  const parsed = parseJsonOrNull(text) as { errors?: { code?: unknown; message?: unknown }[] } | null;
  if (parsed !== null && Array.isArray(parsed.errors) && parsed.errors.length > 0) {
    return parsed.errors
      .map((e) => [e?.code, e?.message].filter((part) => typeof part === "string" && part !== "").join(": "))
      .join("; ")
      .slice(0, ERROR_SNIPPET_CHARS);
  }
  return text.replace(/\s+/g, " ").trim().slice(0, ERROR_SNIPPET_CHARS);
}

function parseJsonOrNull(text: string): unknown {
  if (!/^\s*[{[]/.test(text)) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // Truncated or broken JSON is quoted as text by the caller.
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

function networkFailure(error: unknown, what: string, outer: AbortSignal | undefined, timedOutAfterMs: number | null): AppError {
  if (isAppError(error)) return error;
  if (outer?.aborted) return cancelledError(`${what} was cancelled`, outer.reason);
  if (timedOutAfterMs !== null) return new AppError("timeout", `${what} did not answer within ${timedOutAfterMs} ms`, { retryable: true, cause: error });
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  return new AppError("unavailable", `${what} failed: ${errorMessage(error)}${typeof code === "string" ? ` (${code})` : ""}`, { retryable: true, cause: error });
}
