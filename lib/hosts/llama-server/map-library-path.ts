// Where a host that reads the library itself (nas-direct) finds a library file:
// the host's path map translates ModelShelf's library prefix (a path or an
// nfs:// URL) into the folder as the host mounts it. And whether that read
// crosses the network, which decides the preset's mmap setting.
import { isNfsUrl } from "../../catalog/library-path.ts";
import { readMountSummary } from "../../nfs/mount-info.ts";
import type { PathMapping } from "../types.ts";

/** nfs:// URLs compare without their options (?uid=, ports), paths without trailing slashes. */
function normalise(location: string): string {
  const bare = isNfsUrl(location) ? location.replace(/[?#].*$/, "") : location;
  return bare.length > 1 ? bare.replace(/\/+$/, "") : bare;
}

/**
 * Translates `libraryFilePath` (see catalog/library-path.ts libraryFilePath) with
 * the longest `from` prefix that covers it on a folder boundary; null when no
 * mapping does. The rest of the path is appended with the separator `to` uses.
 */
export function mapLibraryPath(pathMap: readonly PathMapping[], libraryFilePath: string): string | null {
  const file = normalise(libraryFilePath);
  let best: { from: string; to: string } | null = null;
  for (const mapping of pathMap) {
    const from = normalise(mapping.from);
    if (from === "" || !(file === from || file.startsWith(from.endsWith("/") ? from : `${from}/`))) continue;
    if (best === null || from.length > best.from.length) best = { from, to: mapping.to };
  }
  if (best === null) return null;
  const rest = file.slice(best.from.length).replace(/^\/+/, "");
  // A Windows host ("D:\models") gets backslashes; every other host forward slashes.
  const separator = best.to.includes("\\") && !best.to.includes("/") ? "\\" : "/";
  const to = best.to.length > 1 ? best.to.replace(/[\\/]+$/, "") : best.to;
  if (rest === "") return to;
  return `${to}${to.endsWith(separator) ? "" : separator}${rest.split("/").join(separator)}`;
}

/** "localhost", 127.0.0.0/8 and ::1: a host on this very machine. */
export function isLoopbackUrl(baseUrl: string): boolean {
  // Not a URL at all: certainly not known to be this machine.
  if (!URL.canParse(baseUrl)) return false;
  const hostname = new URL(baseUrl).hostname;
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * Whether the host reads `libraryPath` over the network. Only a host on this
 * machine reading a library on a local disk reads it locally; a library behind an
 * nfs:// URL or a network mount, or any host on another machine, crosses the
 * network. (A host running on the NAS itself is counted as remote: the cost is
 * only that its model pages are not shared between processes.)
 */
export async function hostReadsOverNetwork(baseUrl: string, libraryPath: string, fsTimeoutMs: number): Promise<boolean> {
  if (isNfsUrl(libraryPath) || !isLoopbackUrl(baseUrl)) return true;
  const mount = await readMountSummary(libraryPath, { timeoutMs: fsTimeoutMs });
  return mount.isNetwork;
}
