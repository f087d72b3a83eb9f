// Public API of the built-in NFSv3 client (RFC 1813 over RFC 5531 ONC RPC):
// nfs:// URLs, sessions on an export, export and portmapper listings. No
// catalogue logic lives here; lib/nfs adapts it to library roots.
export { parseNfsUrl, nfsDisplayPath, type NfsUrl } from "./nfs-url.ts";
export {
  connectNfs,
  splitRelPath,
  MAX_DIR_ENTRIES,
  MAX_CACHED_DIR_HANDLES,
  DIR_HANDLE_TTL_MS,
  UMNT_TIMEOUT_MS,
  WRITE_PIPELINE_DEPTH,
  DEFAULT_FILE_MODE,
  DEFAULT_DIR_MODE,
  type NfsSession,
  type NfsDirEntry,
  type NfsFsstat,
  type NfsFsinfo,
  type NfsAccess,
  type ConnectNfsOptions,
} from "./nfs-session.ts";
export { MAX_MOUNT_ATTEMPTS } from "./mount-export.ts";
export { MAX_FILE_READ_BYTES, type NfsFile } from "./nfs-file.ts";
export { type NfsWritableFile } from "./nfs-file-writer.ts";
export { MAX_WRITE_BYTES_PER_CALL } from "./nfs3-write.ts";
export { nfsChunkReader, type NfsChunkReader } from "./nfs-chunk-reader.ts";
export { type NfsStat } from "./to-nfs-stat.ts";
export { listExports, type ListExportsOptions } from "./list-exports.ts";
export { type ExportEntry } from "./mount3.ts";
export { dumpPortmap, PORTMAP_PORT, type PortmapEntry, type PortmapOptions } from "./portmap.ts";
export { NfsError, isNfsError, nfs3StatusName } from "./nfs3-errors.ts";
export { DEFAULT_MAX_OUTSTANDING, MAX_OUTSTANDING_LIMIT, DEFAULT_MAX_RECORD_BYTES } from "./rpc-client.ts";
export { MAX_READ_BYTES_PER_CALL } from "./nfs3.ts";
