// RFC 1813 appendix I: the MOUNT protocol version 3 — turn an export path into
// the root file handle (MNT), tell the server we are done (UMNT), and list the
// exports with the clients allowed to mount them (EXPORT, i.e. showmount -e).
import { AppError } from "../../errors.ts";
import { AUTH_NONE, AUTH_SYS } from "./auth-sys.ts";
import { mount3Error } from "./nfs3-errors.ts";
import { NFS3_FHSIZE } from "./nfs3.ts";
import type { RpcClient } from "./rpc-client.ts";
import { type XdrReader, XdrWriter } from "./xdr.ts";

export const MOUNT_PROGRAM = 100005;
export const MOUNT_VERSION = 3;
/** RFC 1813 MNTPATHLEN: an export path is at most 1024 bytes. */
export const MNT_PATH_MAX_BYTES = 1024;
/** RFC 1813 MNTNAMLEN: a host or group name in an export list is at most 255 bytes. */
export const MNT_NAME_MAX_BYTES = 255;
/** A NAS has a handful to a few hundred exports; tens of thousands is not a real list. */
export const MAX_EXPORTS = 10_000;
/** Allowed-client entries per export; large sites list subnets, not thousands of hosts. */
export const MAX_EXPORT_GROUPS = 1_000;
/** Security flavors offered for one export; servers list one to a few. */
export const MAX_AUTH_FLAVORS = 32;

const PROC = { MNT: 1, UMNT: 3, EXPORT: 5 } as const;

export interface ExportEntry {
  path: string;
  /** Clients allowed to mount it (host names, addresses, subnets); empty means everyone. */
  groups: string[];
}

export interface MountResult {
  fh: Uint8Array;
  authFlavors: number[];
}

export function encodeDirpath(path: string): Uint8Array {
  return new XdrWriter(16 + path.length).string(path, MNT_PATH_MAX_BYTES).finish();
}

export function decodeMntReply(r: XdrReader, path: string): MountResult {
  const status = r.uint32("mountstat3");
  if (status !== 0) throw mount3Error(status, { procedure: "MNT", path });
  const fh = r.opaque(NFS3_FHSIZE, "file handle").slice();
  const authFlavors = r.array(MAX_AUTH_FLAVORS, 4, "auth_flavors", (e) => e.int32("auth flavor"));
  r.end("MNT reply");
  return { fh, authFlavors };
}

export function decodeExportReply(r: XdrReader): ExportEntry[] {
  const exports = r.list(MAX_EXPORTS, "export", (e) => ({
    path: e.string(MNT_PATH_MAX_BYTES, "export path"),
    groups: e.list(MAX_EXPORT_GROUPS, "export group", (g) => g.string(MNT_NAME_MAX_BYTES, "group name")),
  }));
  r.end("EXPORT reply");
  return exports;
}

/**
 * Mounts `path` and returns its root handle. `shownAs` names it in errors. Fails
 * when the server accepts none of the security flavors we speak.
 */
export async function mount3Mnt(client: RpcClient, path: string, shownAs: string): Promise<MountResult> {
  const result = await client.call(PROC.MNT, "MNT", encodeDirpath(path), (r) => decodeMntReply(r, shownAs));
  const usable = result.authFlavors.length === 0 || result.authFlavors.some((f) => f === AUTH_SYS || f === AUTH_NONE);
  if (!usable) {
    throw new AppError(
      "forbidden",
      `The NAS requires stronger auth than AUTH_SYS for ${shownAs} (it offers security flavors ${result.authFlavors.join(", ")}, e.g. Kerberos); ModelShelf speaks AUTH_SYS only`,
      { details: { path: shownAs, authFlavors: result.authFlavors } },
    );
  }
  return result;
}

export function mount3Umnt(client: RpcClient, path: string, timeoutMs: number): Promise<void> {
  return client.call(PROC.UMNT, "UMNT", encodeDirpath(path), (r) => r.end("UMNT reply"), { timeoutMs });
}

export function mount3Export(client: RpcClient): Promise<ExportEntry[]> {
  return client.call(PROC.EXPORT, "EXPORT", new Uint8Array(0), decodeExportReply);
}
