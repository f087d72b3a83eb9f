// Which export holds an nfs:// URL's path, and mounting it: the exports the
// server lists (longest first), then the path's own prefixes for servers that
// hide their list. Failures are reported in admin terms.
import { AppError, isAppError } from "../../errors.ts";
import { mount3Export, mount3Mnt, type ExportEntry } from "./mount3.ts";
import { NfsError } from "./nfs3-errors.ts";
import { nfsDisplayPath, type NfsUrl } from "./nfs-url.ts";
import type { RpcClient } from "./rpc-client.ts";

/**
 * MNT attempts while finding the export that holds a path (one per path prefix
 * when the server hides its export list). Real export paths are a few levels deep.
 */
export const MAX_MOUNT_ATTEMPTS = 16;

export interface MountedExport {
  exportPath: string;
  exportFh: Uint8Array;
}

/** Whether `exportPath` is `path` or one of its parent folders. */
function holdsPath(exportPath: string, path: string): boolean {
  if (exportPath === "/" || exportPath === path) return true;
  const prefix = exportPath.endsWith("/") ? exportPath : `${exportPath}/`;
  return path.startsWith(prefix);
}

function connectionTrouble(error: unknown): boolean {
  return isAppError(error) && (error.code === "timeout" || (error.code === "unavailable" && !(error instanceof NfsError)));
}

/**
 * Finds the export that holds url.path, longest first: the exports the server
 * lists (MOUNT EXPORT) that contain the path, then the path's own prefixes (a
 * server may hide its list). Connection trouble fails at once; MNT refusals
 * are collected and the most telling one reported.
 */
export async function mountExport(mount: RpcClient, url: NfsUrl): Promise<MountedExport> {
  let exports: ExportEntry[] | null = null;
  try {
    exports = await mount3Export(mount);
  } catch (error) {
    // A NAS may refuse to list its exports (showmount disabled); MNT still works.
    if (connectionTrouble(error)) throw error;
  }
  const listed = (exports ?? []).map((e) => e.path).filter((p) => holdsPath(p, url.path));
  listed.sort((a, b) => b.length - a.length);
  const segments = url.path.split("/").filter(Boolean);
  const prefixes = segments.map((_, i) => `/${segments.slice(0, segments.length - i).join("/")}`);
  const candidates = [...new Set([...listed, ...prefixes])].slice(0, MAX_MOUNT_ATTEMPTS);
  let firstListedFailure: unknown = null;
  const failures: unknown[] = [];
  for (const candidate of candidates) {
    try {
      const { fh } = await mount3Mnt(mount, candidate, nfsDisplayPath(url.host, candidate));
      return { exportPath: candidate, exportFh: fh };
    } catch (error) {
      if (!(error instanceof NfsError) && !(isAppError(error) && error.code === "forbidden")) throw error;
      failures.push(error);
      if (listed.includes(candidate)) firstListedFailure ??= error;
    }
  }
  if (firstListedFailure !== null) throw firstListedFailure;
  const exportPaths = (exports ?? []).map((e) => e.path);
  const details = { host: url.host, path: url.path, ...(exports ? { exports: exportPaths } : {}) };
  const listing = exports === null ? "" : exportPaths.length > 0 ? ` (it lists: ${exportPaths.join(", ")})` : " (it lists no exports for this machine)";
  // Servers answer ACCES both for "not an export" and for "not for you" (and hide
  // exports a client may not mount from their list), so say both.
  const refusal = failures.find((e) => isAppError(e) && e.code === "forbidden");
  if (refusal instanceof NfsError) {
    throw new NfsError(
      "forbidden",
      `${url.host} does not let this machine mount ${url.path}: no export it offers this client holds that path${listing}; check the path and the export's allowed clients (${refusal.nfsStatus})`,
      refusal.nfsStatus,
      false,
      details,
    );
  }
  if (refusal !== undefined) throw refusal;
  throw new AppError("not-found", `No export on ${url.host} holds ${url.path}${listing}`, { details });
}
