// Which filesystem a library root lives on, how it is mounted, and what in
// those mount options will hurt a model library (explained for an admin).
import { promises as fsp } from "node:fs";
import path from "node:path";
import { AppError } from "../errors.ts";
import { fsError, withFsTimeout } from "./with-fs-timeout.ts";

/** One line of /proc/self/mountinfo (see proc(5)). */
export interface MountEntry {
  mountId: number;
  parentId: number;
  /** "major:minor" of the filesystem's device. */
  device: string;
  /** Directory of the filesystem that forms the root of this mount (bind mounts). */
  root: string;
  mountPoint: string;
  /** Per-mount options ("rw", "relatime", …). */
  mountOptions: string[];
  /** Propagation tags ("shared:1", "master:2"); may be empty. */
  optionalFields: string[];
  fsType: string;
  /** "nas:/volume1/models", "//nas/models", "/dev/sda1", … */
  source: string;
  /** Per-superblock options; for NFS and CIFS this is where rsize, timeo, … live. */
  superOptions: string[];
}

/** Mount options that matter for a model library, by their mount(8)/nfs(5) names; null = not set. */
export interface MountOptions {
  readOnly: boolean;
  /** NFS/CIFS failure mode; NFS defaults to "hard". */
  failureMode: "hard" | "soft" | "softerr" | null;
  /** Protocol version option as given ("3", "4.1", "3.1.1"). */
  vers: string | null;
  rsize: number | null;
  wsize: number | null;
  /** Tenths of a second before an NFS request is retried. */
  timeo: number | null;
  retrans: number | null;
  /** Attribute-cache lifetimes in seconds. */
  actimeo: number | null;
  acregmin: number | null;
  acregmax: number | null;
  acdirmin: number | null;
  acdirmax: number | null;
  noac: boolean;
  proto: string | null;
  lookupcache: string | null;
  nconnect: number | null;
  sec: string | null;
  /** NFS/CIFS server address as resolved by the kernel (addr=). */
  serverAddress: string | null;
  /** CIFS cache mode (strict, loose, none). */
  cache: string | null;
}

export interface MountSummary {
  mountPoint: string;
  source: string;
  fsType: string;
  isNetwork: boolean;
  /** "3", "4", "4.1", … for NFS mounts, else null. */
  nfsVersion: string | null;
  options: MountOptions;
  /** Problems and performance hints, worded for the admin of the NAS. */
  warnings: string[];
}

export interface StatfsSummary {
  totalBytes: number;
  freeBytes: number;
  /** Free space usable by unprivileged users (excludes reserved blocks). */
  availableBytes: number;
}

export type MountReport = MountSummary & { statfs: StatfsSummary | null };

/** The kernel escapes space, tab, newline and backslash in mountinfo as \ooo. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

function splitOptions(field: string): string[] {
  return field === "" ? [] : field.split(",");
}

/**
 * Parses /proc/self/mountinfo. Lines that do not have the documented shape are
 * skipped rather than failing the whole report.
 */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const fields = line.split(" ");
    // Fields 0–5 are fixed, then zero or more optional fields, then "-".
    const separator = fields.indexOf("-", 6);
    if (separator < 0 || fields.length < separator + 3) continue;
    const [mountId, parentId, device, root, mountPoint, mountOptions] = fields;
    const fsType = fields[separator + 1];
    const source = fields[separator + 2];
    if (
      mountId === undefined ||
      parentId === undefined ||
      device === undefined ||
      root === undefined ||
      mountPoint === undefined ||
      mountOptions === undefined ||
      fsType === undefined ||
      source === undefined
    ) {
      continue;
    }
    entries.push({
      mountId: Number(mountId),
      parentId: Number(parentId),
      device,
      root: unescapeOctal(root),
      mountPoint: unescapeOctal(mountPoint),
      mountOptions: splitOptions(mountOptions),
      optionalFields: fields.slice(6, separator),
      fsType: unescapeOctal(fsType),
      source: unescapeOctal(source),
      superOptions: splitOptions(fields[separator + 3] ?? ""),
    });
  }
  return entries;
}

function stripTrailingSlash(p: string): string {
  return p.length > 1 && p.endsWith("/") ? p.replace(/\/+$/, "") || "/" : p;
}

/**
 * The mount that holds `absPath`: the longest mount point that is a whole-segment
 * prefix (so "/mnt/models2" is not inside "/mnt/models"). When a mount point is
 * mounted over, the later line is the visible one and wins.
 */
export function findMountForPath(mounts: readonly MountEntry[], absPath: string): MountEntry | undefined {
  if (!path.posix.isAbsolute(absPath)) {
    throw new AppError("invalid-input", `findMountForPath needs an absolute path, got ${absPath}`);
  }
  const target = stripTrailingSlash(path.posix.normalize(absPath));
  let best: MountEntry | undefined;
  for (const mount of mounts) {
    const point = stripTrailingSlash(mount.mountPoint);
    const contains = point === "/" || target === point || target.startsWith(`${point}/`);
    if (contains && (best === undefined || point.length >= stripTrailingSlash(best.mountPoint).length)) best = mount;
  }
  return best;
}

const networkFsTypes = new Set([
  "nfs",
  "nfs4",
  "cifs",
  "smb3",
  "smbfs",
  "smb2",
  "ncpfs",
  "9p",
  "ceph",
  "glusterfs",
  "davfs",
  "afs",
  "openafs",
  "lustre",
  "gpfs",
  "beegfs",
  "orangefs",
  "pvfs2",
  "fuse.sshfs",
  "sshfs",
  "fuse.rclone",
  "fuse.davfs",
  "fuse.davfs2",
  "fuse.glusterfs",
  "fuse.ceph",
  "fuse.cephfs",
  "fuse.s3fs",
  "fuse.goofys",
  "fuse.gcsfuse",
  "fuse.juicefs",
  "fuse.smbnetfs",
  "fuse.curlftpfs",
  "fuse.seaweedfs",
  "fuse.moosefs",
  "fuse.mfs",
]);

/** True for filesystems served over a network, where watchers are unreliable and calls can hang. */
export function isNetworkFsType(fsType: string): boolean {
  return networkFsTypes.has(fsType.toLowerCase());
}

function isNfs(fsType: string): boolean {
  return fsType === "nfs" || fsType === "nfs4";
}

/** Below 64 KiB, each MiB of model data costs 16+ round trips; NAS defaults are 128 KiB – 1 MiB. */
export const SMALL_RSIZE_BYTES = 65_536;

/** The kernel's default minimum attribute-cache time for files is 3 s; below it every scan stat goes to the NAS. */
export const LOW_ATTRIBUTE_CACHE_SECONDS = 3;

function optionMap(options: readonly string[]): Map<string, string | true> {
  const map = new Map<string, string | true>();
  for (const option of options) {
    const eq = option.indexOf("=");
    if (eq < 0) map.set(option, true);
    else map.set(option.slice(0, eq), option.slice(eq + 1));
  }
  return map;
}

function parseMountOptions(entry: MountEntry): MountOptions {
  // Super options come last so they override the generic per-mount flags.
  const map = optionMap([...entry.mountOptions, ...entry.superOptions]);
  const text = (key: string): string | null => {
    const value = map.get(key);
    return typeof value === "string" ? value : null;
  };
  const int = (key: string): number | null => {
    const value = text(key);
    if (value === null || !/^\d+$/.test(value)) return null;
    return Number(value);
  };
  let failureMode: MountOptions["failureMode"] = null;
  if (map.has("softerr")) failureMode = "softerr";
  else if (map.has("soft")) failureMode = "soft";
  else if (map.has("hard")) failureMode = "hard";
  // Older kernels print only "soft"; without it an NFS mount is hard.
  else if (isNfs(entry.fsType)) failureMode = "hard";
  return {
    readOnly: entry.mountOptions.includes("ro") || entry.superOptions.includes("ro"),
    failureMode,
    vers: text("vers") ?? text("nfsvers"),
    rsize: int("rsize"),
    wsize: int("wsize"),
    timeo: int("timeo"),
    retrans: int("retrans"),
    actimeo: int("actimeo"),
    acregmin: int("acregmin"),
    acregmax: int("acregmax"),
    acdirmin: int("acdirmin"),
    acdirmax: int("acdirmax"),
    noac: map.has("noac"),
    proto: text("proto"),
    lookupcache: text("lookupcache"),
    nconnect: int("nconnect"),
    sec: text("sec"),
    serverAddress: text("addr"),
    cache: text("cache"),
  };
}

function nfsWarnings(options: MountOptions, nfsVersion: string | null): string[] {
  const warnings: string[] = [];
  if (options.failureMode === "soft" || options.failureMode === "softerr") {
    warnings.push(
      `Mounted with '${options.failureMode}': when the NAS is slow or briefly unreachable, reads and writes fail ` +
        `after ${options.retrans ?? "a few"} retries instead of waiting. Hash checks can then fail for no real reason ` +
        "and files written during an outage can end up silently corrupted. Use 'hard' (the NFS default) for a model " +
        "library; ModelShelf already stops waiting on a hung mount by itself.",
    );
  }
  if (options.rsize !== null && options.rsize < SMALL_RSIZE_BYTES) {
    warnings.push(
      `Read size is small (rsize=${options.rsize}): multi-gigabyte model files will read slowly. ` +
        "Remove the rsize option to let client and NAS negotiate (usually 1 MiB), or set rsize=1048576.",
    );
  }
  if (options.noac) {
    warnings.push(
      "Attribute caching is off ('noac'): every file check goes to the NAS, so scanning a large library is much " +
        "slower. Only needed when several machines write the same files at once; remove 'noac'.",
    );
  } else {
    const cacheSeconds = options.actimeo ?? options.acregmax;
    if (cacheSeconds !== null && cacheSeconds < LOW_ATTRIBUTE_CACHE_SECONDS) {
      const name = options.actimeo !== null ? "actimeo" : "acregmax";
      warnings.push(
        `Attribute caching is very short (${name}=${cacheSeconds}): file checks go to the NAS almost every time, ` +
          "slowing down scans. The defaults (3–60 s) are fine for a model library.",
      );
    }
  }
  if (options.lookupcache === "none") {
    warnings.push(
      "Name lookups are not cached (lookupcache=none): every path lookup asks the NAS, which slows scans. " +
        "Only needed when other machines rename files constantly; remove the option.",
    );
  }
  if (options.proto === "udp" || options.proto === "udp6") {
    warnings.push(
      "NFS over UDP (proto=udp) can silently corrupt large transfers on a busy network and is disabled in " +
        "recent kernels; use proto=tcp.",
    );
  }
  if (nfsVersion === "2") {
    warnings.push("NFS version 2 cannot handle files over 2 GiB, which most model files are; mount with vers=3 or 4.");
  }
  return warnings;
}

function cifsWarnings(options: MountOptions): string[] {
  const warnings: string[] = [];
  if (options.vers === "1.0") {
    warnings.push("SMB version 1 (vers=1.0) is slow and insecure; enable SMB 3 on the NAS and mount with vers=3.0 or newer.");
  }
  if (options.cache === "none") {
    warnings.push("File caching is off (cache=none): large model files read slowly. Use the default cache=strict.");
  }
  return warnings;
}

/** Summarises a mount for the admin: who serves it, how, and what looks risky or slow. */
export function describeMount(entry: MountEntry): MountSummary {
  const options = parseMountOptions(entry);
  const fsType = entry.fsType;
  const nfsVersion = isNfs(fsType) ? (options.vers ?? (fsType === "nfs4" ? "4" : null)) : null;
  let warnings: string[] = [];
  if (isNfs(fsType)) warnings = nfsWarnings(options, nfsVersion);
  else if (fsType === "cifs" || fsType === "smb3") warnings = cifsWarnings(options);
  else if (fsType === "fuse.sshfs" || fsType === "sshfs") {
    warnings = [
      "sshfs encrypts and forwards every read through one SSH connection and has no hard-mount behaviour; " +
        "for a model library NFS or SMB is much faster and more robust.",
    ];
  }
  return {
    mountPoint: entry.mountPoint,
    source: entry.source,
    fsType,
    isNetwork: isNetworkFsType(fsType),
    nfsVersion,
    options,
    warnings,
  };
}

export interface ReadMountSummaryOptions {
  timeoutMs: number;
  /** Injectable for tests; the real one is /proc/self/mountinfo. */
  mountInfoPath?: string;
}

/**
 * Describes the mount that holds `targetPath` (after resolving symlinks) plus its
 * free space. A failing statfs does not fail the report: it yields `statfs: null`
 * and a warning.
 */
export async function readMountSummary(targetPath: string, opts: ReadMountSummaryOptions): Promise<MountReport> {
  const { timeoutMs, mountInfoPath = "/proc/self/mountinfo" } = opts;
  const realPath = await withFsTimeout(() => fsp.realpath(targetPath), timeoutMs, `Resolving ${targetPath}`).catch(
    (error: unknown) => {
      throw fsError(error, targetPath);
    },
  );
  const text = await withFsTimeout(() => fsp.readFile(/*turbopackIgnore: true*/ mountInfoPath, "utf8"), timeoutMs, `Reading ${mountInfoPath}`).catch(
    (error: unknown) => {
      throw fsError(error, mountInfoPath);
    },
  );
  const entry = findMountForPath(parseMountInfo(text), realPath);
  if (entry === undefined) {
    throw new AppError("unavailable", `No mount in ${mountInfoPath} holds ${realPath}`, {
      details: { path: realPath, mountInfoPath },
    });
  }
  const summary = describeMount(entry);
  let statfs: StatfsSummary | null = null;
  try {
    const s = await withFsTimeout(() => fsp.statfs(realPath, { bigint: true }), timeoutMs, `Free space of ${realPath}`);
    statfs = {
      totalBytes: Number(s.blocks * s.bsize),
      freeBytes: Number(s.bfree * s.bsize),
      availableBytes: Number(s.bavail * s.bsize),
    };
  } catch (error) {
    // Free space is informative only; the rest of the report is still worth showing.
    summary.warnings.push(`Free space could not be read: ${fsError(error, realPath).message}`);
  }
  return { ...summary, statfs };
}
