// A small Docker-distribution registry for pull tests: serves Ollama-style
// manifests and blobs the way Ollama's downloader needs them (formats.md §4.2):
// manifests by tag, HEAD with Content-Length, blob GETs answered with a
// Location (200 + Location of itself, or a 307 to another host) and Range
// requests as 206 parts. Modes reproduce the registries that break pulls
// (a stock registry:2 answering 200 without Location, corrupt blobs).
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

const MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json";
const CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json";
/** Chunk size when a bandwidth cap is set: small enough that a capped transfer spans many progress ticks. */
const SLOW_CHUNK_BYTES = 4096;

export type LocationMode =
  /** 200 with `Location: <the blob URL itself>`: what a registry for Ollama should send. */
  | "self"
  /** 200 without Location: a stock Docker registry:2 (ollama/ollama#7244). */
  | "none"
  /** 307 to the same path on another host (127.0.0.2), like a CDN redirect. */
  | "redirect"
  /** "redirect" for the HEAD too, with no size on the 307: Docker Distribution's redirect storage middleware. */
  | "redirect-all";

export interface RegistryFixtureOptions {
  location?: LocationMode;
  /** Cap on blob body bytes per second (per response), so pulls last long enough to report progress. */
  bytesPerSecond?: number;
}

export interface RegistryRequest {
  /** "registry" (127.0.0.1) or "cdn" (127.0.0.2, redirect mode). */
  server: "registry" | "cdn";
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  status: number;
}

export interface PublishedModel {
  /** The exact manifest bytes served. */
  manifestBytes: Buffer;
  /** Hex SHA-256 of the manifest bytes: what Ollama's /api/tags reports after the pull. */
  manifestDigest: string;
  layerDigests: string[];
  configDigest: string;
}

export interface PublishOptions {
  /** GGUF files, in shard order; each becomes an application/vnd.ollama.image.model layer. */
  files: Uint8Array[];
  template?: string;
  params?: Record<string, unknown>;
  /** Config blob object (default: a minimal gguf config). */
  config?: Record<string, unknown>;
}

export interface RegistryFixture {
  /** "http://127.0.0.1:<port>" */
  url: string;
  /** "127.0.0.1:<port>": the host part of an Ollama model name. */
  host: string;
  requests: RegistryRequest[];
  location: LocationMode;
  /** Serves `repository` ("ns/model") at `tag`. */
  publish(repository: string, tag: string, options: PublishOptions): PublishedModel;
  /** Serves other bytes for a digest than the ones it names (a corrupt store). */
  corrupt(digest: string, bytes: Uint8Array): void;
  close(): Promise<void>;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export async function startRegistryFixture(options: RegistryFixtureOptions = {}): Promise<RegistryFixture> {
  const blobs = new Map<string, Buffer>();
  const served = new Map<string, Buffer>();
  const manifests = new Map<string, Buffer>();
  const requests: RegistryRequest[] = [];
  const sockets = new Set<Socket>();
  let port = 0;

  const handler = (server: "registry" | "cdn") => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const method = req.method ?? "GET";
    const urlPath = (req.url ?? "/").split("?")[0]!;
    // On close, not finish: a GET the client drops early (Ollama's direct-URL probe) is logged too.
    res.on("close", () => requests.push({ server, method, path: urlPath, headers: req.headers, status: res.statusCode }));
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(urlPath);
    if (manifest && server === "registry" && (method === "GET" || method === "HEAD")) {
      const bytes = manifests.get(`${manifest[1]}:${manifest[2]}`);
      if (!bytes) return json(res, 404, { errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] });
      res.writeHead(200, { "Content-Type": MANIFEST_MEDIA_TYPE, "Content-Length": bytes.length, "Docker-Content-Digest": `sha256:${sha256(bytes)}` });
      return res.end(method === "HEAD" ? undefined : bytes);
    }
    const blob = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(urlPath);
    if (!blob || (method !== "GET" && method !== "HEAD")) return json(res, 404, { errors: [{ code: "NAME_UNKNOWN", message: "not found" }] });
    const digest = blob[2]!;
    const bytes = served.get(digest) ?? blobs.get(digest);
    if (!bytes) return json(res, 404, { errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown to registry" }] });
    const common = { "Content-Type": "application/octet-stream", "Docker-Content-Digest": digest, "Accept-Ranges": "bytes" };
    const redirects = server === "registry" && (options.location === "redirect" || options.location === "redirect-all");
    if (method === "HEAD" && redirects && options.location === "redirect-all") {
      res.writeHead(307, { Location: `http://127.0.0.2:${port}${urlPath}` });
      return res.end();
    }
    if (method === "HEAD") {
      res.writeHead(200, { ...common, "Content-Length": bytes.length });
      return res.end();
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
      if (start > end) {
        res.writeHead(416, { "Content-Range": `bytes */${bytes.length}` });
        return res.end();
      }
      res.writeHead(206, { ...common, "Content-Length": end - start + 1, "Content-Range": `bytes ${start}-${end}/${bytes.length}` });
      return send(res, bytes.subarray(start, end + 1));
    }
    const self = `http://${req.headers.host}${urlPath}`;
    if (redirects) {
      res.writeHead(307, { Location: `http://127.0.0.2:${port}${urlPath}`, "Content-Length": 0 });
      return res.end();
    }
    res.writeHead(200, { ...common, "Content-Length": bytes.length, ...(options.location === "none" ? {} : { Location: self }) });
    send(res, bytes);
  };

  const send = (res: http.ServerResponse, bytes: Buffer): void => {
    const rate = options.bytesPerSecond;
    if (!rate) {
      res.end(bytes);
      return;
    }
    let offset = 0;
    const next = (): void => {
      if (res.destroyed) return;
      if (offset >= bytes.length) return void res.end();
      const piece = bytes.subarray(offset, offset + SLOW_CHUNK_BYTES);
      offset += piece.length;
      res.write(piece);
      setTimeout(next, (piece.length / rate) * 1000);
    };
    next();
  };

  const registry = http.createServer(handler("registry"));
  const cdn = http.createServer(handler("cdn"));
  for (const server of [registry, cdn]) {
    server.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
  }
  await listen(registry, "127.0.0.1", 0);
  port = (registry.address() as AddressInfo).port;
  // The "other host" of redirect mode: same port on another loopback address, so only the hostname differs.
  if (options.location === "redirect" || options.location === "redirect-all") await listen(cdn, "127.0.0.2", port);

  const addBlob = (bytes: Uint8Array): string => {
    const digest = `sha256:${sha256(bytes)}`;
    blobs.set(digest, Buffer.from(bytes));
    return digest;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    location: options.location ?? "self",
    publish(repository, tag, publishOptions) {
      const layers = publishOptions.files.map((bytes) => ({ mediaType: "application/vnd.ollama.image.model", digest: addBlob(bytes), size: bytes.length }));
      if (publishOptions.template !== undefined) {
        const bytes = Buffer.from(publishOptions.template);
        layers.push({ mediaType: "application/vnd.ollama.image.template", digest: addBlob(bytes), size: bytes.length });
      }
      if (publishOptions.params !== undefined) {
        const bytes = Buffer.from(`${JSON.stringify(publishOptions.params)}\n`);
        layers.push({ mediaType: "application/vnd.ollama.image.params", digest: addBlob(bytes), size: bytes.length });
      }
      const configBytes = Buffer.from(
        `${JSON.stringify(publishOptions.config ?? { model_format: "gguf", model_family: "llama", model_families: ["llama"], model_type: "", file_type: "F16", architecture: "amd64", os: "linux" })}\n`,
      );
      const config = { mediaType: CONFIG_MEDIA_TYPE, digest: addBlob(configBytes), size: configBytes.length };
      // Pretty-printed on purpose: Ollama must store these exact bytes, not a re-encoding.
      const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST_MEDIA_TYPE, config, layers }, null, 2));
      manifests.set(`${repository}:${tag}`, manifestBytes);
      return { manifestBytes, manifestDigest: sha256(manifestBytes), layerDigests: layers.map((l) => l.digest), configDigest: config.digest };
    },
    corrupt(digest, bytes) {
      served.set(digest, Buffer.from(bytes));
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([registry, cdn].map((s) => (s.listening ? new Promise<void>((resolve) => s.close(() => resolve())) : Promise.resolve())));
    },
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
}
