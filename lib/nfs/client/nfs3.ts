// RFC 1813 NFS version 3, the read-only procedures: argument encoders, bounded
// result decoders and one function per procedure. Failure statuses become
// NfsError (nfs3-errors.ts); malformed replies become AppError("io") in the RPC client.
import { AppError } from "../../errors.ts";
import { nfs3Error, NFS3_OK } from "./nfs3-errors.ts";
import type { RpcClient } from "./rpc-client.ts";
import { malformedXdr, type XdrReader, XdrWriter } from "./xdr.ts";

export const NFS_PROGRAM = 100003;
export const NFS_VERSION = 3;
/** RFC 1813 NFS3_FHSIZE: a file handle is at most 64 bytes. */
export const NFS3_FHSIZE = 64;
/** RFC 1813 NFS3_COOKIEVERFSIZE. */
export const NFS3_COOKIEVERFSIZE = 8;
/**
 * Longest file name accepted in a reply. POSIX NAME_MAX is 255 bytes; a name of
 * 255 UTF-16 units from an SMB/NTFS-backed share can take up to 765 UTF-8 bytes.
 * 1 KiB covers both; anything longer is not a real directory entry.
 */
export const MAX_NAME_BYTES = 1024;
/**
 * Most data one READ asks for. Servers advertise rtmax (ganesha 1 MiB, Synology
 * 128 KiB–1 MiB, Linux knfsd up to 1 MiB); Linux's own client never reads more per
 * call, and the RPC record limit is sized from this.
 */
export const MAX_READ_BYTES_PER_CALL = 1024 * 1024;
/**
 * Bytes of directory data asked per READDIRPLUS page. 64 KiB holds ~300 entries
 * with attributes and handles: few round trips for big folders, small records.
 */
export const READDIRPLUS_MAX_BYTES = 64 * 1024;
/** Bytes of names/cookies per page (the dircount hint); entries are bounded by maxcount anyway. */
export const READDIRPLUS_DIR_BYTES = 16 * 1024;
/**
 * Entries accepted in one READDIRPLUS reply. The record limit already bounds them
 * (each entry takes ≥ 32 bytes on the wire); this only stops a hostile list early.
 */
export const MAX_ENTRIES_PER_READDIR_REPLY = 65_536;

const PROC = { NULL: 0, GETATTR: 1, LOOKUP: 3, ACCESS: 4, READ: 6, READDIRPLUS: 17, FSSTAT: 18, FSINFO: 19 } as const;

/** ftype3 values. */
export const NF3REG = 1;
export const NF3DIR = 2;
export const NF3LNK = 5;
const FTYPES: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6, 7]);

/** ACCESS3 bits. */
export const ACCESS3_READ = 0x01;
export const ACCESS3_LOOKUP = 0x02;
export const ACCESS3_MODIFY = 0x04;
export const ACCESS3_EXTEND = 0x08;
export const ACCESS3_DELETE = 0x10;
export const ACCESS3_EXECUTE = 0x20;

export interface NfsTime {
  seconds: number;
  nseconds: number;
}

export interface Fattr3 {
  /** ftype3: 1 regular file, 2 directory, 5 symlink, others devices/sockets/fifos. */
  type: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  used: number;
  fsid: bigint;
  fileid: bigint;
  atime: NfsTime;
  mtime: NfsTime;
  ctime: NfsTime;
}

export interface LookupResult {
  fh: Uint8Array;
  attributes: Fattr3 | null;
}

export interface ReadResult {
  data: Uint8Array;
  eof: boolean;
  attributes: Fattr3 | null;
}

export interface DirEntryPlus {
  fileid: bigint;
  name: string;
  cookie: bigint;
  attributes: Fattr3 | null;
  fh: Uint8Array | null;
}

export interface ReaddirplusPage {
  verifier: Uint8Array;
  entries: DirEntryPlus[];
  eof: boolean;
}

export interface FsstatResult {
  totalBytes: number;
  freeBytes: number;
  availableBytes: number;
  totalFiles: number;
  freeFiles: number;
  availableFiles: number;
}

export interface FsinfoResult {
  rtmax: number;
  rtpref: number;
  rtmult: number;
  wtmax: number;
  wtpref: number;
  wtmult: number;
  dtpref: number;
  maxFileSize: number;
  properties: number;
}

/** Names the object of a call in error messages. */
export interface CallContext {
  path: string;
}

// ---------------------------------------------------------------- decoders

function time(r: XdrReader, what: string): NfsTime {
  return { seconds: r.uint32(`${what}.seconds`), nseconds: r.uint32(`${what}.nseconds`) };
}

export function decodeFattr3(r: XdrReader): Fattr3 {
  const type = r.enumOf<number>(FTYPES, "ftype3");
  const mode = r.uint32("mode");
  const nlink = r.uint32("nlink");
  const uid = r.uint32("uid");
  const gid = r.uint32("gid");
  const size = r.safeUint64("size");
  const used = Number(r.uint64("used"));
  r.uint32("rdev.major");
  r.uint32("rdev.minor");
  const fsid = r.uint64("fsid");
  const fileid = r.uint64("fileid");
  return { type, mode, nlink, uid, gid, size, used, fsid, fileid, atime: time(r, "atime"), mtime: time(r, "mtime"), ctime: time(r, "ctime") };
}

export function decodePostOpAttr(r: XdrReader): Fattr3 | null {
  return r.bool("attributes_follow") ? decodeFattr3(r) : null;
}

function decodeFh(r: XdrReader): Uint8Array {
  const at = r.offset;
  const fh = r.opaque(NFS3_FHSIZE, "file handle");
  if (fh.length === 0) throw malformedXdr("file handle is empty", at);
  // A copy, so a cached handle does not keep the whole reply record alive.
  return fh.slice();
}

function checkStatus(r: XdrReader, procedure: string, context: CallContext): void {
  const status = r.uint32("status");
  if (status !== NFS3_OK) throw nfs3Error(status, { procedure, path: context.path });
}

export function decodeGetattrReply(r: XdrReader, context: CallContext): Fattr3 {
  checkStatus(r, "GETATTR", context);
  const attributes = decodeFattr3(r);
  r.end("GETATTR reply");
  return attributes;
}

export function decodeLookupReply(r: XdrReader, context: CallContext): LookupResult {
  checkStatus(r, "LOOKUP", context);
  const fh = decodeFh(r);
  const attributes = decodePostOpAttr(r);
  decodePostOpAttr(r);
  r.end("LOOKUP reply");
  return { fh, attributes };
}

export function decodeAccessReply(r: XdrReader, context: CallContext): { access: number; attributes: Fattr3 | null } {
  checkStatus(r, "ACCESS", context);
  const attributes = decodePostOpAttr(r);
  const access = r.uint32("access");
  r.end("ACCESS reply");
  return { access, attributes };
}

/** `requested` bounds the data: a server may return less than asked, never more. */
export function decodeReadReply(r: XdrReader, requested: number, context: CallContext): ReadResult {
  checkStatus(r, "READ", context);
  const attributes = decodePostOpAttr(r);
  const countAt = r.offset;
  const count = r.uint32("count");
  if (count > requested) throw malformedXdr(`READ returned ${count} bytes, more than the ${requested} asked`, countAt);
  const eof = r.bool("eof");
  const dataAt = r.offset;
  const data = r.opaque(requested, "data");
  if (data.length !== count) throw malformedXdr(`READ count ${count} disagrees with its ${data.length} data bytes`, dataAt);
  r.end("READ reply");
  return { data, eof, attributes };
}

function decodePostOpFh(r: XdrReader): Uint8Array | null {
  return r.bool("handle_follows") ? decodeFh(r) : null;
}

export function decodeReaddirplusReply(r: XdrReader, context: CallContext): ReaddirplusPage {
  checkStatus(r, "READDIRPLUS", context);
  decodePostOpAttr(r);
  const verifier = r.fixedOpaque(NFS3_COOKIEVERFSIZE, "cookieverf").slice();
  const entries = r.list(MAX_ENTRIES_PER_READDIR_REPLY, "directory entry", (e) => ({
    fileid: e.uint64("fileid"),
    name: e.string(MAX_NAME_BYTES, "name"),
    cookie: e.uint64("cookie"),
    attributes: decodePostOpAttr(e),
    fh: decodePostOpFh(e),
  }));
  const eof = r.bool("eof");
  r.end("READDIRPLUS reply");
  return { verifier, entries, eof };
}

export function decodeFsstatReply(r: XdrReader, context: CallContext): FsstatResult {
  checkStatus(r, "FSSTAT", context);
  decodePostOpAttr(r);
  // Capacities beyond 2^53 (8 PiB) lose precision as numbers, which no display minds.
  const result: FsstatResult = {
    totalBytes: Number(r.uint64("tbytes")),
    freeBytes: Number(r.uint64("fbytes")),
    availableBytes: Number(r.uint64("abytes")),
    totalFiles: Number(r.uint64("tfiles")),
    freeFiles: Number(r.uint64("ffiles")),
    availableFiles: Number(r.uint64("afiles")),
  };
  r.uint32("invarsec");
  r.end("FSSTAT reply");
  return result;
}

export function decodeFsinfoReply(r: XdrReader, context: CallContext): FsinfoResult {
  checkStatus(r, "FSINFO", context);
  decodePostOpAttr(r);
  const result: FsinfoResult = {
    rtmax: r.uint32("rtmax"),
    rtpref: r.uint32("rtpref"),
    rtmult: r.uint32("rtmult"),
    wtmax: r.uint32("wtmax"),
    wtpref: r.uint32("wtpref"),
    wtmult: r.uint32("wtmult"),
    dtpref: r.uint32("dtpref"),
    maxFileSize: Number(r.uint64("maxfilesize")),
    properties: 0,
  };
  time(r, "time_delta");
  result.properties = r.uint32("properties");
  r.end("FSINFO reply");
  return result;
}

// ---------------------------------------------------------------- encoders

function fhArgs(fh: Uint8Array): XdrWriter {
  return new XdrWriter(128).opaque(fh, NFS3_FHSIZE);
}

export function encodeLookupArgs(dirFh: Uint8Array, name: string): Uint8Array {
  return fhArgs(dirFh).string(name, MAX_NAME_BYTES).finish();
}

export function encodeReadArgs(fh: Uint8Array, offset: number, count: number): Uint8Array {
  return fhArgs(fh).uint64(offset).uint32(count).finish();
}

export function encodeReaddirplusArgs(dirFh: Uint8Array, cookie: bigint, verifier: Uint8Array, dircount: number, maxcount: number): Uint8Array {
  return fhArgs(dirFh).uint64(cookie).fixedOpaque(verifier).uint32(dircount).uint32(maxcount).finish();
}

// ---------------------------------------------------------------- procedures

export function nfs3Null(client: RpcClient): Promise<void> {
  return client.call(PROC.NULL, "NULL", new Uint8Array(0), (r) => r.end("NULL reply"));
}

export function nfs3Getattr(client: RpcClient, fh: Uint8Array, context: CallContext): Promise<Fattr3> {
  return client.call(PROC.GETATTR, "GETATTR", fhArgs(fh).finish(), (r) => decodeGetattrReply(r, context));
}

export function nfs3Lookup(client: RpcClient, dirFh: Uint8Array, name: string, context: CallContext): Promise<LookupResult> {
  return client.call(PROC.LOOKUP, "LOOKUP", encodeLookupArgs(dirFh, name), (r) => decodeLookupReply(r, context));
}

export function nfs3Access(client: RpcClient, fh: Uint8Array, mask: number, context: CallContext): Promise<{ access: number; attributes: Fattr3 | null }> {
  return client.call(PROC.ACCESS, "ACCESS", fhArgs(fh).uint32(mask).finish(), (r) => decodeAccessReply(r, context));
}

export async function nfs3Read(client: RpcClient, fh: Uint8Array, offset: number, count: number, context: CallContext): Promise<ReadResult> {
  if (count > MAX_READ_BYTES_PER_CALL) {
    throw new AppError("invalid-input", `READ of ${count} bytes exceeds the per-call limit of ${MAX_READ_BYTES_PER_CALL}`);
  }
  return client.call(PROC.READ, "READ", encodeReadArgs(fh, offset, count), (r) => decodeReadReply(r, count, context));
}

export function nfs3Readdirplus(
  client: RpcClient,
  dirFh: Uint8Array,
  cookie: bigint,
  verifier: Uint8Array,
  context: CallContext,
): Promise<ReaddirplusPage> {
  const args = encodeReaddirplusArgs(dirFh, cookie, verifier, READDIRPLUS_DIR_BYTES, READDIRPLUS_MAX_BYTES);
  return client.call(PROC.READDIRPLUS, "READDIRPLUS", args, (r) => decodeReaddirplusReply(r, context));
}

export function nfs3Fsstat(client: RpcClient, fh: Uint8Array, context: CallContext): Promise<FsstatResult> {
  return client.call(PROC.FSSTAT, "FSSTAT", fhArgs(fh).finish(), (r) => decodeFsstatReply(r, context));
}

export function nfs3Fsinfo(client: RpcClient, fh: Uint8Array, context: CallContext): Promise<FsinfoResult> {
  return client.call(PROC.FSINFO, "FSINFO", fhArgs(fh).finish(), (r) => decodeFsinfoReply(r, context));
}
