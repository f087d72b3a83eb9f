// RFC 1813 NFS version 3, the procedures that change a share: CREATE, MKDIR,
// WRITE, COMMIT, REMOVE, RMDIR, RENAME. Same shape as nfs3.ts (argument encoders,
// bounded reply decoders, one function per procedure); kept apart so the
// read-only client stays as it was. Used to push models into a host's models
// directory on a NAS.
import { AppError } from "../../errors.ts";
import { nfs3Error, NFS3_OK } from "./nfs3-errors.ts";
import { decodePostOpAttr, MAX_NAME_BYTES, NFS3_FHSIZE, type CallContext, type Fattr3 } from "./nfs3.ts";
import type { RpcClient } from "./rpc-client.ts";
import { malformedXdr, type XdrReader, XdrWriter } from "./xdr.ts";

/**
 * Most data one WRITE carries. Servers advertise wtmax (ganesha and Linux knfsd
 * 1 MiB, Synology 128 KiB–1 MiB); the Linux client never writes more per call.
 * Sessions use min(wtmax, this).
 */
export const MAX_WRITE_BYTES_PER_CALL = 1024 * 1024;
/** RFC 1813 NFS3_WRITEVERFSIZE / NFS3_CREATEVERFSIZE. */
export const NFS3_WRITEVERFSIZE = 8;

const PROC = { WRITE: 7, CREATE: 8, MKDIR: 9, REMOVE: 12, RMDIR: 13, RENAME: 14, COMMIT: 21 } as const;

/** stable_how: how durable the server must make a WRITE before answering. */
export const StableHow = { UNSTABLE: 0, DATA_SYNC: 1, FILE_SYNC: 2 } as const;
export type StableHow = (typeof StableHow)[keyof typeof StableHow];
const STABLE_VALUES: ReadonlySet<number> = new Set([0, 1, 2]);

/** createmode3. EXCLUSIVE (a create verifier) is not offered: GUARDED does what we need on NFSv3 servers that matter. */
export const CreateMode = { UNCHECKED: 0, GUARDED: 1 } as const;
export type CreateMode = (typeof CreateMode)[keyof typeof CreateMode];

/** The settable attributes (sattr3) we use; omitted fields are left as the server chooses. */
export interface SetAttributes {
  mode?: number;
  /** Truncates (or extends) the file. */
  size?: number;
}

export interface CreateResult {
  /** Null when the server did not return the new handle (allowed by the RFC: look it up). */
  fh: Uint8Array | null;
  attributes: Fattr3 | null;
}

export interface WriteResult {
  count: number;
  committed: StableHow;
  /** The server's write verifier: a change between WRITE and COMMIT means it restarted and lost unstable data. */
  verifier: Uint8Array;
}

// ---------------------------------------------------------------- decoders

/** wcc_data: pre-op attributes (size, mtime, ctime) and post-op attributes. Read and dropped. */
function skipWccData(r: XdrReader): void {
  if (r.bool("pre_op_attr follows")) {
    r.uint64("wcc size");
    r.uint32("wcc mtime.seconds");
    r.uint32("wcc mtime.nseconds");
    r.uint32("wcc ctime.seconds");
    r.uint32("wcc ctime.nseconds");
  }
  decodePostOpAttr(r);
}

function checkStatus(r: XdrReader, procedure: string, context: CallContext): void {
  const status = r.uint32("status");
  if (status !== NFS3_OK) throw nfs3Error(status, { procedure, path: context.path });
}

function decodeNewObject(r: XdrReader, procedure: string, context: CallContext): CreateResult {
  checkStatus(r, procedure, context);
  let fh: Uint8Array | null = null;
  if (r.bool("handle_follows")) {
    const at = r.offset;
    fh = r.opaque(NFS3_FHSIZE, "file handle").slice();
    if (fh.length === 0) throw malformedXdr("file handle is empty", at);
  }
  const attributes = decodePostOpAttr(r);
  skipWccData(r);
  r.end(`${procedure} reply`);
  return { fh, attributes };
}

export function decodeCreateReply(r: XdrReader, context: CallContext): CreateResult {
  return decodeNewObject(r, "CREATE", context);
}

export function decodeMkdirReply(r: XdrReader, context: CallContext): CreateResult {
  return decodeNewObject(r, "MKDIR", context);
}

/** `sent` bounds the count: a server may write less than it was sent, never more. */
export function decodeWriteReply(r: XdrReader, sent: number, context: CallContext): WriteResult {
  checkStatus(r, "WRITE", context);
  skipWccData(r);
  const countAt = r.offset;
  const count = r.uint32("count");
  if (count > sent) throw malformedXdr(`WRITE reports ${count} bytes written, more than the ${sent} sent`, countAt);
  const committed = r.enumOf<StableHow>(STABLE_VALUES, "committed");
  const verifier = r.fixedOpaque(NFS3_WRITEVERFSIZE, "writeverf").slice();
  r.end("WRITE reply");
  return { count, committed, verifier };
}

export function decodeCommitReply(r: XdrReader, context: CallContext): { verifier: Uint8Array } {
  checkStatus(r, "COMMIT", context);
  skipWccData(r);
  const verifier = r.fixedOpaque(NFS3_WRITEVERFSIZE, "writeverf").slice();
  r.end("COMMIT reply");
  return { verifier };
}

/** REMOVE and RMDIR: status and the directory's wcc_data. */
export function decodeRemoveReply(r: XdrReader, procedure: "REMOVE" | "RMDIR", context: CallContext): void {
  checkStatus(r, procedure, context);
  skipWccData(r);
  r.end(`${procedure} reply`);
}

export function decodeRenameReply(r: XdrReader, context: CallContext): void {
  checkStatus(r, "RENAME", context);
  skipWccData(r);
  skipWccData(r);
  r.end("RENAME reply");
}

// ---------------------------------------------------------------- encoders

function diropArgs(w: XdrWriter, dirFh: Uint8Array, name: string): XdrWriter {
  return w.opaque(dirFh, NFS3_FHSIZE).string(name, MAX_NAME_BYTES);
}

/** sattr3: mode, uid, gid, size, then atime and mtime as DONT_CHANGE (the server stamps them). */
function sattr3(w: XdrWriter, attributes: SetAttributes): XdrWriter {
  if (attributes.mode === undefined) w.bool(false);
  else w.bool(true).uint32(attributes.mode & 0o7777);
  w.bool(false).bool(false);
  if (attributes.size === undefined) w.bool(false);
  else w.bool(true).uint64(attributes.size);
  return w.uint32(0).uint32(0);
}

export function encodeCreateArgs(dirFh: Uint8Array, name: string, mode: CreateMode, attributes: SetAttributes): Uint8Array {
  return sattr3(diropArgs(new XdrWriter(192), dirFh, name).uint32(mode), attributes).finish();
}

export function encodeMkdirArgs(dirFh: Uint8Array, name: string, attributes: SetAttributes): Uint8Array {
  return sattr3(diropArgs(new XdrWriter(192), dirFh, name), attributes).finish();
}

export function encodeWriteArgs(fh: Uint8Array, offset: number, data: Uint8Array, stable: StableHow): Uint8Array {
  const w = new XdrWriter(data.length + 128).opaque(fh, NFS3_FHSIZE).uint64(offset).uint32(data.length).uint32(stable);
  return w.opaque(data, MAX_WRITE_BYTES_PER_CALL).finish();
}

export function encodeCommitArgs(fh: Uint8Array, offset: number, count: number): Uint8Array {
  return new XdrWriter(96).opaque(fh, NFS3_FHSIZE).uint64(offset).uint32(count).finish();
}

export function encodeDiropArgs(dirFh: Uint8Array, name: string): Uint8Array {
  return diropArgs(new XdrWriter(128), dirFh, name).finish();
}

export function encodeRenameArgs(fromDirFh: Uint8Array, fromName: string, toDirFh: Uint8Array, toName: string): Uint8Array {
  return diropArgs(diropArgs(new XdrWriter(256), fromDirFh, fromName), toDirFh, toName).finish();
}

// ---------------------------------------------------------------- procedures

export function nfs3Create(
  client: RpcClient,
  dirFh: Uint8Array,
  name: string,
  mode: CreateMode,
  attributes: SetAttributes,
  context: CallContext,
): Promise<CreateResult> {
  return client.call(PROC.CREATE, "CREATE", encodeCreateArgs(dirFh, name, mode, attributes), (r) => decodeCreateReply(r, context));
}

export function nfs3Mkdir(client: RpcClient, dirFh: Uint8Array, name: string, attributes: SetAttributes, context: CallContext): Promise<CreateResult> {
  return client.call(PROC.MKDIR, "MKDIR", encodeMkdirArgs(dirFh, name, attributes), (r) => decodeMkdirReply(r, context));
}

export async function nfs3Write(client: RpcClient, fh: Uint8Array, offset: number, data: Uint8Array, stable: StableHow, context: CallContext): Promise<WriteResult> {
  if (data.length > MAX_WRITE_BYTES_PER_CALL) {
    throw new AppError("invalid-input", `WRITE of ${data.length} bytes exceeds the per-call limit of ${MAX_WRITE_BYTES_PER_CALL}`);
  }
  return client.call(PROC.WRITE, "WRITE", encodeWriteArgs(fh, offset, data, stable), (r) => decodeWriteReply(r, data.length, context));
}

/** COMMIT of `count` bytes from `offset`; count 0 commits everything from offset to the end of the file. */
export function nfs3Commit(client: RpcClient, fh: Uint8Array, offset: number, count: number, context: CallContext): Promise<{ verifier: Uint8Array }> {
  return client.call(PROC.COMMIT, "COMMIT", encodeCommitArgs(fh, offset, count), (r) => decodeCommitReply(r, context));
}

export function nfs3Remove(client: RpcClient, dirFh: Uint8Array, name: string, context: CallContext): Promise<void> {
  return client.call(PROC.REMOVE, "REMOVE", encodeDiropArgs(dirFh, name), (r) => decodeRemoveReply(r, "REMOVE", context));
}

export function nfs3Rmdir(client: RpcClient, dirFh: Uint8Array, name: string, context: CallContext): Promise<void> {
  return client.call(PROC.RMDIR, "RMDIR", encodeDiropArgs(dirFh, name), (r) => decodeRemoveReply(r, "RMDIR", context));
}

export function nfs3Rename(
  client: RpcClient,
  fromDirFh: Uint8Array,
  fromName: string,
  toDirFh: Uint8Array,
  toName: string,
  context: CallContext,
): Promise<void> {
  return client.call(PROC.RENAME, "RENAME", encodeRenameArgs(fromDirFh, fromName, toDirFh, toName), (r) => decodeRenameReply(r, context));
}
