// Encoders for the replies a server sends (the client only decodes them): used
// by the fake servers and as seeds for the fuzz test.
import { XdrWriter } from "../../../lib/nfs/client/xdr.ts";

export interface FakeAttrs {
  type?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  fileid?: bigint;
  mtimeSeconds?: number;
  mtimeNseconds?: number;
}

export function writeFattr3(w: XdrWriter, a: FakeAttrs = {}): XdrWriter {
  w.uint32(a.type ?? 1).uint32(a.mode ?? 0o644).uint32(1).uint32(a.uid ?? 0).uint32(a.gid ?? 0);
  w.uint64(a.size ?? 0).uint64(a.size ?? 0);
  w.uint32(0).uint32(0); // rdev
  w.uint64(1n).uint64(a.fileid ?? 1n); // fsid, fileid
  for (let i = 0; i < 3; i++) w.uint32(a.mtimeSeconds ?? 1_700_000_000).uint32(a.mtimeNseconds ?? 123_456_789);
  return w;
}

function postOpAttr(w: XdrWriter, a: FakeAttrs | null): XdrWriter {
  if (a === null) return w.bool(false);
  return writeFattr3(w.bool(true), a);
}

/** RPC reply header for an accepted, successful call, followed by `results`. */
export function successReply(xid: number, results: Uint8Array): Uint8Array {
  return new XdrWriter().uint32(xid).uint32(1).uint32(0).uint32(0).uint32(0).uint32(0).fixedOpaque(results).finish().slice();
}

/** An accepted reply with a non-SUCCESS accept_stat (PROG_MISMATCH carries low/high). */
export function acceptedFailure(xid: number, acceptStat: number, mismatch?: { low: number; high: number }): Uint8Array {
  const w = new XdrWriter().uint32(xid).uint32(1).uint32(0).uint32(0).uint32(0).uint32(acceptStat);
  if (mismatch) w.uint32(mismatch.low).uint32(mismatch.high);
  return w.finish().slice();
}

export function rpcMismatchReply(xid: number, low: number, high: number): Uint8Array {
  return new XdrWriter().uint32(xid).uint32(1).uint32(1).uint32(0).uint32(low).uint32(high).finish().slice();
}

export function authErrorReply(xid: number, authStat: number): Uint8Array {
  return new XdrWriter().uint32(xid).uint32(1).uint32(1).uint32(1).uint32(authStat).finish().slice();
}

const w = (): XdrWriter => new XdrWriter();

/** Result bodies (after the RPC header) of each procedure. */
export const results = {
  status: (status: number): Uint8Array => w().uint32(status).uint32(0).finish().slice(),
  getattr: (a: FakeAttrs): Uint8Array => writeFattr3(w().uint32(0), a).finish().slice(),
  lookup: (fh: Uint8Array, a: FakeAttrs | null): Uint8Array => postOpAttr(postOpAttr(w().uint32(0).opaque(fh, 64), a), null).finish().slice(),
  access: (access: number): Uint8Array => postOpAttr(w().uint32(0), null).uint32(access).finish().slice(),
  read: (data: Uint8Array, eof: boolean, a: FakeAttrs | null = null): Uint8Array =>
    postOpAttr(w().uint32(0), a).uint32(data.length).bool(eof).opaque(data, 1 << 30).finish().slice(),
  readdirplus: (
    entries: { name: string; fileid: bigint; cookie: bigint; attrs: FakeAttrs | null; fh: Uint8Array | null }[],
    eof: boolean,
    verifier = new Uint8Array(8).fill(9),
  ): Uint8Array => {
    const out = postOpAttr(w().uint32(0), null).fixedOpaque(verifier);
    for (const e of entries) {
      out.bool(true).uint64(e.fileid).string(e.name, 4096).uint64(e.cookie);
      postOpAttr(out, e.attrs);
      if (e.fh === null) out.bool(false);
      else out.bool(true).opaque(e.fh, 64);
    }
    return out.bool(false).bool(eof).finish().slice();
  },
  fsstat: (v: { tbytes: bigint; fbytes: bigint; abytes: bigint; tfiles: bigint; ffiles: bigint; afiles: bigint }): Uint8Array =>
    postOpAttr(w().uint32(0), null).uint64(v.tbytes).uint64(v.fbytes).uint64(v.abytes).uint64(v.tfiles).uint64(v.ffiles).uint64(v.afiles).uint32(0).finish().slice(),
  fsinfo: (rtmax: number, rtpref = rtmax): Uint8Array =>
    postOpAttr(w().uint32(0), null)
      .uint32(rtmax)
      .uint32(rtpref)
      .uint32(4096)
      .uint32(rtmax)
      .uint32(rtpref)
      .uint32(4096)
      .uint32(16384)
      .uint64(0xffff_ffff_ffff_ffffn)
      .uint32(0)
      .uint32(1)
      .uint32(0x1b)
      .finish()
      .slice(),
  mnt: (fh: Uint8Array, flavors: number[] = [1]): Uint8Array => {
    const out = w().uint32(0).opaque(fh, 64).uint32(flavors.length);
    for (const f of flavors) out.int32(f);
    return out.finish().slice();
  },
  exports: (list: { path: string; groups: string[] }[]): Uint8Array => {
    const out = w();
    for (const e of list) {
      out.bool(true).string(e.path, 4096);
      for (const g of e.groups) out.bool(true).string(g, 4096);
      out.bool(false);
    }
    return out.bool(false).finish().slice();
  },
  dump: (list: { program: number; version: number; protocol: number; port: number }[]): Uint8Array => {
    const out = w();
    for (const e of list) out.bool(true).uint32(e.program).uint32(e.version).uint32(e.protocol).uint32(e.port);
    return out.bool(false).finish().slice();
  },
  getport: (port: number): Uint8Array => w().uint32(port).finish().slice(),
  empty: (): Uint8Array => new Uint8Array(0),
};
