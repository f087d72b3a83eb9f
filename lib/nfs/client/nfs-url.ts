// nfs://host[:port]/export/path[/sub]?nfsport=&mountport=&uid=&gid=&timeout=
// parsed by hand (WHATWG URL silently resolves "." and ".." segments, which
// must be refused here), with one exact message per mistake.
import net from "node:net";
import { AppError } from "../../errors.ts";
import { MAX_TIMER_MS } from "../require-option.ts";
import { DEFAULT_FS_TIMEOUT_MS } from "../with-fs-timeout.ts";
import { MNT_PATH_MAX_BYTES } from "./mount3.ts";
import { utf8ByteLength } from "./xdr.ts";

export interface NfsUrl {
  host: string;
  /** Full path after the host: export path plus any sub-path ("/volume1/models/llama"). */
  path: string;
  nfsPort?: number;
  mountPort?: number;
  uid: number;
  gid: number;
  timeoutMs: number;
}

/** "nobody" on most systems: the identity used when the process has none (not on POSIX). */
const FALLBACK_ID = 65534;
const MAX_ID = 0xffff_ffff;
const KNOWN_OPTIONS = ["nfsport", "mountport", "uid", "gid", "timeout", "version"] as const;
type OptionName = (typeof KNOWN_OPTIONS)[number];

function invalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("invalid-input", message, { details });
}

/**
 * Parses and validates an nfs:// URL. uid and gid default to this process's own
 * (as libnfs and the kernel client do), the timeout to DEFAULT_FS_TIMEOUT_MS.
 * `version=3` is accepted so URLs copied from libnfs tools work.
 */
export function parseNfsUrl(url: string): NfsUrl {
  if (url === "") throw invalid("nfs:// URL is empty");
  const match = /^nfs:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/i.exec(url);
  if (!match) throw invalid(`Not an nfs:// URL: "${url}"`, { url });
  const [, authority = "", rawPath = "", query = "", fragment] = match;
  if (fragment !== undefined) throw invalid("nfs:// URL must not have a #fragment", { url });
  if (authority.includes("@")) throw invalid("nfs:// URLs take no user name or password; give uid= and gid= in the query instead");
  const { host, port } = parseAuthority(authority, url);
  const path = parsePath(rawPath);
  const options = parseQuery(query);

  const version = options.get("version");
  if (version !== undefined && version !== "3") throw invalid(`nfs:// URLs speak NFS version 3 only, got version=${version}`);
  const queryNfsPort = optionalInt(options, "nfsport", 1, 65535);
  if (port !== undefined && queryNfsPort !== undefined && port !== queryNfsPort) {
    throw invalid(`The NFS port is given twice (nfs://${authority} and nfsport=${queryNfsPort}); give it once`);
  }
  const nfsPort = port ?? queryNfsPort;
  const mountPort = optionalInt(options, "mountport", 1, 65535);
  return {
    host,
    path,
    ...(nfsPort === undefined ? {} : { nfsPort }),
    ...(mountPort === undefined ? {} : { mountPort }),
    uid: optionalInt(options, "uid", 0, MAX_ID) ?? process.getuid?.() ?? FALLBACK_ID,
    gid: optionalInt(options, "gid", 0, MAX_ID) ?? process.getgid?.() ?? FALLBACK_ID,
    timeoutMs: optionalInt(options, "timeout", 1, MAX_TIMER_MS) ?? DEFAULT_FS_TIMEOUT_MS,
  };
}

function parseAuthority(authority: string, url: string): { host: string; port: number | undefined } {
  if (authority === "") throw invalid(`nfs:// URL has no host: "${url}"`, { url });
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(authority);
  if (bracketed) {
    host = bracketed[1] ?? "";
    portText = bracketed[2];
    if (!net.isIPv6(host)) throw invalid(`nfs:// URL has an invalid host "${authority}"`, { host: authority });
  } else {
    const colon = authority.indexOf(":");
    host = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? undefined : authority.slice(colon + 1);
    // Host names (RFC 1123 letters, digits, dots, hyphens) and IPv4 addresses.
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(host) || host.includes("..")) {
      throw invalid(`nfs:// URL has an invalid host "${host}"`, { host });
    }
  }
  if (host === "") throw invalid(`nfs:// URL has no host: "${url}"`, { url });
  const port = portText === undefined ? undefined : parseIntOption("port", portText, 1, 65535);
  return { host, port };
}

function parsePath(rawPath: string): string {
  const segments: string[] = [];
  for (const raw of rawPath.split("/")) {
    if (raw === "") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch (error) {
      throw new AppError("invalid-input", `nfs:// URL path has invalid percent-encoding: "${raw}"`, { cause: error });
    }
    if (segment === "." || segment === "..") throw invalid('nfs:// URL path must not contain "." or ".." segments');
    if (segment.includes("/") || segment.includes("\0")) throw invalid(`nfs:// URL path segment "${raw}" contains a "/" or NUL character`);
    segments.push(segment);
  }
  if (segments.length === 0) throw invalid("nfs:// URL has no export path (expected nfs://host/export[/sub/path])");
  const path = `/${segments.join("/")}`;
  const bytes = utf8ByteLength(path);
  if (bytes > MNT_PATH_MAX_BYTES) {
    throw invalid(`nfs:// URL path is ${bytes} bytes, longer than the ${MNT_PATH_MAX_BYTES} the MOUNT protocol allows`);
  }
  return path;
}

function parseQuery(query: string): Map<OptionName, string> {
  const options = new Map<OptionName, string>();
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq)).toLowerCase();
      value = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1));
    } catch (error) {
      throw new AppError("invalid-input", `nfs:// URL query has invalid percent-encoding: "${part}"`, { cause: error });
    }
    if (!(KNOWN_OPTIONS as readonly string[]).includes(key)) {
      throw invalid(`Unknown option "${key}" in nfs:// URL (known: ${KNOWN_OPTIONS.join(", ")})`, { option: key });
    }
    const name = key as OptionName;
    if (options.has(name)) throw invalid(`Option "${name}" appears twice in nfs:// URL`, { option: name });
    options.set(name, value);
  }
  return options;
}

function optionalInt(options: Map<OptionName, string>, name: OptionName, min: number, max: number): number | undefined {
  const text = options.get(name);
  return text === undefined ? undefined : parseIntOption(name, text, min, max);
}

function parseIntOption(name: string, text: string, min: number, max: number): number {
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw invalid(`Option ${name} in nfs:// URL must be an integer between ${min} and ${max}, got "${text}"`, { option: name, value: text });
  }
  return value;
}

/** How a path on an NFS server reads in messages: "nfs://nas/volume1/models/a.gguf". */
export function nfsDisplayPath(host: string, absPath: string): string {
  return `nfs://${host.includes(":") ? `[${host}]` : host}${absPath}`;
}
