// RFC 1833 portmapper version 2 on port 111: which port serves which RPC
// program (GETPORT), and everything registered (DUMP, for the NAS check).
import { requireIntegerOption, requireTimeoutMs } from "../require-option.ts";
import { DEFAULT_FS_TIMEOUT_MS } from "../with-fs-timeout.ts";
import { AppError, isAppError } from "../../errors.ts";
import { authNone } from "./auth-sys.ts";
import { RpcClient } from "./rpc-client.ts";
import { malformedXdr, type XdrReader, XdrWriter } from "./xdr.ts";

export const PORTMAP_PROGRAM = 100000;
export const PORTMAP_VERSION = 2;
export const PORTMAP_PORT = 111;
const PMAPPROC_GETPORT = 3;
const PMAPPROC_DUMP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
/**
 * DUMP lists one entry per program × version × protocol: a NAS registers a few
 * dozen. Thousands means a broken or hostile portmapper.
 */
export const MAX_PORTMAP_ENTRIES = 4096;

/** Names rpcinfo prints for the programs a NAS usually registers. */
const programNames: Record<number, string> = {
  100000: "portmapper",
  100003: "nfs",
  100005: "mountd",
  100011: "rquotad",
  100021: "nlockmgr",
  100024: "status",
  100227: "nfs_acl",
};

export interface PortmapEntry {
  program: number;
  version: number;
  protocol: "tcp" | "udp";
  port: number;
  /** The program's usual name ("nfs", "mountd"), or its number as text. */
  name: string;
}

export interface PortmapOptions {
  /** Portmapper port; 111 unless the NAS is unusual. */
  port?: number;
  timeoutMs?: number;
}

export function portmapClient(host: string, options: PortmapOptions = {}): RpcClient {
  const port = requireIntegerOption("port", options.port ?? PORTMAP_PORT, 1, 65535);
  return new RpcClient({
    target: { host, port, program: PORTMAP_PROGRAM, version: PORTMAP_VERSION, programName: "portmapper" },
    credential: authNone,
    timeoutMs: requireTimeoutMs(options.timeoutMs ?? DEFAULT_FS_TIMEOUT_MS),
    maxOutstanding: 1,
  });
}

export function encodeGetPortArgs(program: number, version: number, protocol: "tcp" | "udp"): Uint8Array {
  return new XdrWriter(16)
    .uint32(program)
    .uint32(version)
    .uint32(protocol === "tcp" ? IPPROTO_TCP : IPPROTO_UDP)
    .uint32(0)
    .finish();
}

export function decodeGetPortReply(r: XdrReader): number {
  const at = r.offset;
  const port = r.uint32("port");
  if (port > 65535) throw malformedXdr(`port ${port} is not a TCP/UDP port`, at);
  r.end("GETPORT reply");
  return port;
}

export function decodeDumpReply(r: XdrReader): PortmapEntry[] {
  const entries: PortmapEntry[] = [];
  const raw = r.list(MAX_PORTMAP_ENTRIES, "portmap entry", (e) => ({
    program: e.uint32("program"),
    version: e.uint32("version"),
    protocol: e.uint32("protocol"),
    port: e.uint32("port"),
  }));
  r.end("DUMP reply");
  for (const entry of raw) {
    // Other transports (e.g. RDMA entries some servers add) cannot be reached by this client.
    if ((entry.protocol !== IPPROTO_TCP && entry.protocol !== IPPROTO_UDP) || entry.port > 65535) continue;
    entries.push({
      program: entry.program,
      version: entry.version,
      protocol: entry.protocol === IPPROTO_TCP ? "tcp" : "udp",
      port: entry.port,
      name: programNames[entry.program] ?? String(entry.program),
    });
  }
  return entries;
}

/** The TCP port of `program` `version` on `host`, asked from its portmapper; 0 when not registered. */
export async function getPort(client: RpcClient, program: number, version: number, protocol: "tcp" | "udp" = "tcp"): Promise<number> {
  return client.call(PMAPPROC_GETPORT, "GETPORT", encodeGetPortArgs(program, version, protocol), decodeGetPortReply);
}

/** Everything `host`'s portmapper has registered (rpcinfo -p). */
export async function dumpPortmap(host: string, options: PortmapOptions = {}): Promise<PortmapEntry[]> {
  const client = portmapClient(host, options);
  try {
    return await client.call(PMAPPROC_DUMP, "DUMP", new Uint8Array(0), decodeDumpReply);
  } catch (error) {
    throw portmapFailure(error, host);
  } finally {
    client.close();
  }
}

/**
 * The TCP port of an RPC program from `host`'s portmapper, for a URL that did not
 * give it. Fails with an admin-readable error naming the URL option that avoids the lookup.
 */
export async function resolvePort(
  host: string,
  service: { program: number; version: number; name: string; urlOption: string },
  options: PortmapOptions = {},
): Promise<number> {
  const client = portmapClient(host, options);
  let port: number;
  try {
    port = await getPort(client, service.program, service.version, "tcp");
  } catch (error) {
    throw portmapFailure(error, host, service.urlOption);
  } finally {
    client.close();
  }
  if (port === 0) {
    throw new AppError(
      "unsupported",
      `${host} does not offer ${service.name} version ${service.version} over TCP (its portmapper has no entry); give the port with ?${service.urlOption}=`,
      { details: { host, program: service.program, version: service.version } },
    );
  }
  return port;
}

function portmapFailure(error: unknown, host: string, urlOption?: string): AppError {
  if (!isAppError(error)) return new AppError("io", `Asking the portmapper on ${host} failed`, { cause: error, details: { host } });
  const hint = urlOption ? `; give the NFS and MOUNT ports in the URL (?nfsport=&mountport=) to skip it` : "";
  return new AppError(error.code, `${error.message}${hint}`, { cause: error, retryable: error.retryable, details: { ...error.details, host } });
}
