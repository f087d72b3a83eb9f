// "NAS check": what an admin wants to know about an NFS server before
// mounting it or adding it as an nfs:// library — is it reachable, which NFS
// and MOUNT versions it offers, what it exports to whom, and for one export
// its capacity, transfer sizes and a short read-throughput sample. Failures
// are explained in admin terms, with the step that failed.
import { errorMessage, isAppError } from "../errors.ts";
import { connectNfs, dumpPortmap, listExports, type NfsSession } from "./client/index.ts";
import type { NasProbeInput } from "./probe-nas-job.ts";

export interface NasProbeOptions {
  /** The export (or a path inside one) to examine in detail; default: the first export. */
  exportPath?: string;
  uid: number;
  gid: number;
  timeoutMs: number;
  nfsPort?: number;
  mountPort?: number;
  /** Bytes read for the throughput sample (0 = skip). */
  sampleBytes?: number;
}

export interface NasProbeStep {
  step: "portmapper" | "exports" | "mount" | "fsstat" | "fsinfo" | "throughput";
  ok: boolean;
  /** What went wrong, in admin terms, and what to check. */
  explanation?: string;
  error?: string;
}

export interface ThroughputSample {
  file: string;
  bytes: number;
  seconds: number;
  megabytesPerSecond: number;
}

export interface NasProbeResult {
  host: string;
  reachable: boolean;
  checkedAt: string;
  services: { program: number; name: string; version: number; protocol: string; port: number }[];
  nfsVersions: number[];
  mountVersions: number[];
  exports: { path: string; groups: string[] }[];
  export: {
    path: string;
    fsstat: { totalBytes: number; freeBytes: number; availableBytes: number; totalFiles: number; freeFiles: number } | null;
    fsinfo: { rtmax: number; rtpref: number; wtmax: number; wtpref: number; dtpref: number; maxFileSize: number } | null;
    throughput: ThroughputSample | null;
  } | null;
  steps: NasProbeStep[];
}

/** Enough to see the order of magnitude without loading a busy NAS for long. */
export const DEFAULT_SAMPLE_BYTES = 64 * 1024 * 1024;
/** Folders searched (breadth-first) for a file big enough to sample. */
const SAMPLE_SEARCH_DIRS = 20;

const NFS_PROGRAM = 100003;
const MOUNT_PROGRAM = 100005;

/** The check as the page, the job and the CLI request it (validated input). */
export function probeNasFor(input: NasProbeInput): Promise<NasProbeResult> {
  return probeNas(input.host, {
    exportPath: input.exportPath,
    uid: input.uid,
    gid: input.gid,
    timeoutMs: input.timeoutMs,
    nfsPort: input.nfsPort,
    mountPort: input.mountPort,
    sampleBytes: input.sampleMegabytes * 1024 * 1024,
  });
}

export async function probeNas(host: string, options: NasProbeOptions): Promise<NasProbeResult> {
  const result: NasProbeResult = {
    host,
    reachable: false,
    checkedAt: new Date().toISOString(),
    services: [],
    nfsVersions: [],
    mountVersions: [],
    exports: [],
    export: null,
    steps: [],
  };
  const rpc = { uid: options.uid, gid: options.gid, timeoutMs: options.timeoutMs };

  try {
    result.services = (await dumpPortmap(host, rpc)).map((s) => ({ ...s }));
    result.reachable = true;
    result.nfsVersions = versionsOf(result.services, NFS_PROGRAM);
    result.mountVersions = versionsOf(result.services, MOUNT_PROGRAM);
    const missing = !result.nfsVersions.includes(3)
      ? "the server does not offer NFSv3 (ModelShelf's built-in client speaks v3; a kernel mount may still use v4)"
      : !result.mountVersions.includes(3)
        ? "the server does not register MOUNT v3, which NFSv3 clients need to find exports"
        : undefined;
    result.steps.push({ step: "portmapper", ok: !missing, ...(missing ? { explanation: missing } : {}) });
  } catch (error) {
    result.steps.push(failed("portmapper", error, host, options.timeoutMs));
    // Without the portmapper, explicit ports may still work.
    if (options.nfsPort === undefined || options.mountPort === undefined) return result;
  }

  try {
    result.exports = await listExports(host, { ...rpc, ...(options.mountPort ? { mountPort: options.mountPort } : {}) });
    result.reachable = true;
    result.steps.push({
      step: "exports",
      ok: result.exports.length > 0,
      ...(result.exports.length === 0 ? { explanation: "the server exports nothing (Synology: Control Panel › Shared Folder › Edit › NFS Permissions)" } : {}),
    });
  } catch (error) {
    result.steps.push(failed("exports", error, host, options.timeoutMs));
    return result;
  }

  const exportPath = options.exportPath ?? result.exports[0]?.path;
  if (!exportPath) return result;
  let session: NfsSession;
  try {
    session = await connectNfs({
      host,
      path: exportPath,
      uid: options.uid,
      gid: options.gid,
      timeoutMs: options.timeoutMs,
      ...(options.nfsPort ? { nfsPort: options.nfsPort } : {}),
      ...(options.mountPort ? { mountPort: options.mountPort } : {}),
    });
    result.steps.push({ step: "mount", ok: true });
  } catch (error) {
    result.steps.push(failed("mount", error, host, options.timeoutMs, exportPath));
    return result;
  }
  const detail: NonNullable<NasProbeResult["export"]> = { path: exportPath, fsstat: null, fsinfo: null, throughput: null };
  result.export = detail;
  try {
    try {
      detail.fsstat = await session.fsstat();
      result.steps.push({ step: "fsstat", ok: true });
    } catch (error) {
      result.steps.push(failed("fsstat", error, host, options.timeoutMs, exportPath));
    }
    try {
      detail.fsinfo = await session.fsinfo();
      const small = detail.fsinfo.rtpref < 65_536;
      result.steps.push({
        step: "fsinfo",
        ok: true,
        ...(small ? { explanation: `the server prefers ${detail.fsinfo.rtpref}-byte reads; large models read faster with 1 MiB (Synology: NFS advanced settings › read/write packet size)` } : {}),
      });
    } catch (error) {
      result.steps.push(failed("fsinfo", error, host, options.timeoutMs, exportPath));
    }
    const sampleBytes = options.sampleBytes ?? DEFAULT_SAMPLE_BYTES;
    if (sampleBytes > 0) {
      try {
        detail.throughput = await sampleThroughput(session, sampleBytes);
        result.steps.push({
          step: "throughput",
          ok: detail.throughput !== null,
          ...(detail.throughput === null ? { explanation: "no file to sample in the first folders of the export" } : {}),
        });
      } catch (error) {
        result.steps.push(failed("throughput", error, host, options.timeoutMs, exportPath));
      }
    }
  } finally {
    await session.close().catch(() => undefined);
  }
  return result;
}

function versionsOf(services: NasProbeResult["services"], program: number): number[] {
  return [...new Set(services.filter((s) => s.program === program && s.protocol === "tcp").map((s) => s.version))].sort((a, b) => a - b);
}

/** Reads up to `bytes` of the largest file among the first folders of the export. */
async function sampleThroughput(session: NfsSession, bytes: number): Promise<ThroughputSample | null> {
  let best: { path: string; size: number } | null = null;
  const queue = [""];
  for (let visited = 0; queue.length > 0 && visited < SAMPLE_SEARCH_DIRS; visited++) {
    const dir = queue.shift()!;
    for (const entry of await session.readdir(dir)) {
      if (entry.name === "." || entry.name === ".." || !entry.stat) continue;
      const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.stat.type === "dir") queue.push(rel);
      else if (entry.stat.type === "file" && entry.stat.size > (best?.size ?? 0)) best = { path: rel, size: entry.stat.size };
    }
  }
  if (!best) return null;
  const file = await session.openFile(best.path);
  try {
    const want = Math.min(bytes, best.size);
    const started = performance.now();
    const chunk = 4 * 1024 * 1024;
    let done = 0;
    while (done < want) {
      const got = await file.read(done, Math.min(chunk, want - done));
      if (got.byteLength === 0) break;
      done += got.byteLength;
    }
    const seconds = (performance.now() - started) / 1000;
    return { file: best.path, bytes: done, seconds, megabytesPerSecond: seconds > 0 ? done / 1e6 / seconds : 0 };
  } finally {
    await file.close();
  }
}

function failed(step: NasProbeStep["step"], error: unknown, host: string, timeoutMs: number, exportPath?: string): NasProbeStep {
  return { step, ok: false, error: errorMessage(error), explanation: explain(step, error, host, timeoutMs, exportPath) };
}

/** Admin words for the usual ways an NFS check fails. */
export function explain(step: NasProbeStep["step"], error: unknown, host: string, timeoutMs: number, exportPath?: string): string {
  const message = errorMessage(error);
  const status = isAppError(error) && typeof error.details.nfsStatus === "string" ? error.details.nfsStatus : "";
  const code = (error as { code?: unknown }).code;
  if (/ENOTFOUND|EAI_AGAIN/.test(message) || code === "ENOTFOUND") return `${host} does not resolve: check the name, or use the NAS's IP address`;
  if (/ECONNREFUSED/.test(message)) {
    return step === "portmapper"
      ? `${host} refused the portmapper (port 111): NFS is off on the NAS (Synology: Control Panel › File Services › NFS › Enable), or a firewall rejects it`
      : `${host} refused the connection: the NFS or MOUNT port is closed or blocked`;
  }
  if (/EHOSTUNREACH|ENETUNREACH/.test(message)) return `${host} is unreachable from this server (routing or VLAN)`;
  if (isAppError(error) && error.code === "timeout") {
    return `${host} did not answer within ${Math.round(timeoutMs / 1000)} s: the host is down, or a firewall drops NFS traffic (ports 111 and 2049, plus the MOUNT port)`;
  }
  if (status === "MNT3ERR_ACCES" || status === "MNT3ERR_PERM" || (step === "mount" && /access|denied|not allowed/i.test(message))) {
    return `the export ${exportPath ?? ""} does not allow this client: add this server's IP or hostname to the export's NFS permissions (Synology: Shared Folder › Edit › NFS Permissions)`;
  }
  if (status === "MNT3ERR_NOENT" || (step === "mount" && /NOENT|no such/i.test(message))) {
    return `the server has no export ${exportPath ?? ""}: pick one of the exports listed above (Synology paths look like /volume1/<share>)`;
  }
  if (status === "NFS3ERR_ACCES" || status === "NFS3ERR_PERM") {
    return "permission denied: the server squashes this client's user (root squash / map to guest); set uid and gid to the owner of the model files, or allow root access for this client";
  }
  if (/AUTH_TOOWEAK|AUTH_/.test(message)) return "the export requires Kerberos or another security flavour; ModelShelf's client sends AUTH_SYS: allow 'sys' security for this client";
  if (/PROG_UNAVAIL|PROG_MISMATCH/.test(message)) return "the server does not run the needed NFS or MOUNT version (NFSv3 with MOUNT v3)";
  return message;
}
