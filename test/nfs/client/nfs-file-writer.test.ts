// Writes against the scripted server (fake-rpc-server.ts): what a real server only
// does when something goes wrong — short WRITEs, a restart between WRITE and
// COMMIT, replies that claim more than was sent — plus seeded mutations of every
// write-procedure reply, which must decode or fail with an AppError.
import { afterEach, describe, expect, it } from "vitest";
import { isAppError } from "../../../lib/errors.ts";
import { connectNfs, type NfsSession } from "../../../lib/nfs/client/nfs-session.ts";
import { parseNfsUrl } from "../../../lib/nfs/client/nfs-url.ts";
import {
  decodeCommitReply,
  decodeCreateReply,
  decodeMkdirReply,
  decodeRemoveReply,
  decodeRenameReply,
  decodeWriteReply,
} from "../../../lib/nfs/client/nfs3-write.ts";
import { XdrReader, XdrWriter } from "../../../lib/nfs/client/xdr.ts";
import { type FakeNfs, startFakeNfs } from "./fake-rpc-server.ts";
import { successReply, writeFattr3 } from "./reply-builders.ts";

const PROC = { WRITE: 7, CREATE: 8, COMMIT: 21 };
const ctx = { path: "nfs://nas/x" };

/** wcc_data with pre-op and post-op attributes, as ganesha sends them. */
function wcc(w: XdrWriter): XdrWriter {
  w.bool(true).uint64(10).uint32(1).uint32(2).uint32(3).uint32(4);
  return writeFattr3(w.bool(true));
}
const reply = {
  create: (fh: Uint8Array | null): Uint8Array => {
    const w = new XdrWriter().uint32(0);
    if (fh === null) w.bool(false);
    else w.bool(true).opaque(fh, 64);
    return wcc(writeFattr3(w.bool(true))).finish().slice();
  },
  write: (count: number, verifier: number, committed = 0): Uint8Array =>
    wcc(new XdrWriter().uint32(0)).uint32(count).uint32(committed).fixedOpaque(new Uint8Array(8).fill(verifier)).finish().slice(),
  commit: (verifier: number): Uint8Array => wcc(new XdrWriter().uint32(0)).fixedOpaque(new Uint8Array(8).fill(verifier)).finish().slice(),
  removed: (): Uint8Array => wcc(new XdrWriter().uint32(0)).finish().slice(),
  renamed: (): Uint8Array => wcc(wcc(new XdrWriter().uint32(0))).finish().slice(),
};

interface WriteCall {
  offset: number;
  data: Buffer;
}

/** A fake whose CREATE, WRITE and COMMIT store into `written`; `answer` can change each WRITE/COMMIT reply. */
async function setup(answer: { write?: (call: WriteCall, n: number) => Uint8Array; commitVerifier?: number } = {}): Promise<{
  fake: FakeNfs;
  session: NfsSession;
  written: Buffer;
  writes: WriteCall[];
}> {
  const fake = await startFakeNfs({});
  fakes.push(fake);
  const state = { written: Buffer.alloc(0), writes: [] as WriteCall[] };
  fake.override = (call) => {
    if (call.program !== 100003) return undefined;
    if (call.procedure === PROC.CREATE) return successReply(call.xid, reply.create(Buffer.from(`${fake.generation}:new.bin`)));
    if (call.procedure === PROC.WRITE) {
      const args = new XdrReader(call.argBytes);
      args.opaque(64);
      const offset = Number(args.uint64());
      args.uint32();
      args.uint32();
      const data = Buffer.from(args.opaque(1 << 20));
      const write = { offset, data };
      state.writes.push(write);
      const body = answer.write?.(write, state.writes.length) ?? reply.write(data.length, 1);
      const count = new XdrReader(body).uint32() === 0 ? decodeWriteReply(new XdrReader(body), 1 << 20, ctx).count : 0;
      const end = offset + count;
      if (state.written.length < end) state.written = Buffer.concat([state.written, Buffer.alloc(end - state.written.length)]);
      data.copy(state.written, offset, 0, count);
      return successReply(call.xid, body);
    }
    if (call.procedure === PROC.COMMIT) return successReply(call.xid, reply.commit(answer.commitVerifier ?? 1));
    return undefined;
  };
  const session = await connectNfs(parseNfsUrl(fake.url()));
  sessions.push(session);
  return {
    fake,
    session,
    get written() {
      return state.written;
    },
    writes: state.writes,
  };
}

const fakes: FakeNfs[] = [];
const sessions: NfsSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await Promise.all(fakes.splice(0).map((f) => f.server.close()));
});

const content = Buffer.from(Array.from({ length: 100 }, (_, i) => i));

describe("NfsWritableFile (scripted server)", () => {
  it("splits writes into WRITE calls of the server's wtmax", async () => {
    const t = await setup();
    const file = await t.session.createFile("new.bin");
    await file.write(content.subarray(0, 37), 0);
    await file.write(content.subarray(37), 37);
    await file.commit();
    expect(t.session.writeSize).toBe(8);
    expect(t.written.equals(content)).toBe(true);
    expect(Math.max(...t.writes.map((w) => w.data.length))).toBe(8);
    expect(file.bytesWritten).toBe(100);
  });

  it("sends the rest again after a short WRITE", async () => {
    const t = await setup({ write: (call) => reply.write(Math.min(3, call.data.length), 1) });
    const file = await t.session.createFile("new.bin");
    await file.write(content, 0);
    await file.commit();
    expect(t.written.equals(content)).toBe(true);
    expect(t.writes.every((w) => w.data.length <= 8)).toBe(true);
    expect(t.writes.length).toBeGreaterThanOrEqual(34);
  });

  it("fails the commit, retryably, when the server restarted between WRITE and COMMIT", async () => {
    const t = await setup({ commitVerifier: 2 });
    const file = await t.session.createFile("new.bin");
    await file.write(content, 0);
    const error = await file.commit().then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(isAppError(error) && error.code === "io" && error.retryable).toBe(true);
    expect((error as Error).message).toMatch(/restarted/);
  });

  it("fails when the write verifier changes between WRITEs", async () => {
    const t = await setup({ write: (call, n) => reply.write(call.data.length, n > 3 ? 2 : 1) });
    const file = await t.session.createFile("new.bin");
    const outcome = await file.write(content, 0).then(() => file.commit()).then(
      () => "ok",
      (thrown: unknown) => (thrown as Error).message,
    );
    expect(outcome).toMatch(/restarted/);
  });

  it("rejects a WRITE reply that claims more bytes than were sent", async () => {
    const t = await setup({ write: (call) => reply.write(call.data.length + 1, 1) });
    const file = await t.session.createFile("new.bin");
    const outcome = await file.write(content.subarray(0, 5), 0).then(() => file.commit()).then(
      () => "ok",
      (thrown: unknown) => (thrown as Error).message,
    );
    expect(outcome).toMatch(/more than the 5 sent/);
  });

  it("looks the new file up when CREATE returns no handle", async () => {
    const t = await setup();
    t.fake.tree.set("new.bin", { type: "file", content: new Uint8Array(0), fileid: 99n });
    const previous = t.fake.override;
    t.fake.override = (call, p) => (call.procedure === PROC.CREATE ? successReply(call.xid, reply.create(null)) : previous?.(call, p));
    const file = await t.session.createFile("new.bin");
    await file.write(content.subarray(0, 4), 0);
    await file.commit();
    expect([...t.written]).toEqual([0, 1, 2, 3]);
    expect(t.fake.server.calls.some((c) => c.procedure === 3)).toBe(true);
  });
});

/** mulberry32. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const MUTATIONS_PER_SEED = 300;
const interesting = [0, 1, 2, 3, 8, 64, 65, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];

function mutate(input: Uint8Array, random: () => number): Uint8Array {
  const bytes = Uint8Array.from(input);
  const at = Math.floor(random() * bytes.length);
  switch (Math.floor(random() * 3)) {
    case 0:
      bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(random() * 8));
      return bytes;
    case 1: {
      const word = at & ~3;
      if (word + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(word, interesting[Math.floor(random() * interesting.length)] as number);
      return bytes;
    }
    default:
      return bytes.slice(0, at);
  }
}

describe("write-procedure reply decoders under mutation", () => {
  const seeds: [string, Uint8Array, (r: XdrReader) => unknown][] = [
    ["CREATE", reply.create(new Uint8Array(28).fill(3)), (r) => decodeCreateReply(r, ctx)],
    ["MKDIR", reply.create(new Uint8Array(28).fill(3)), (r) => decodeMkdirReply(r, ctx)],
    ["WRITE", reply.write(4096, 5), (r) => decodeWriteReply(r, 4096, ctx)],
    ["COMMIT", reply.commit(5), (r) => decodeCommitReply(r, ctx)],
    ["REMOVE", reply.removed(), (r) => decodeRemoveReply(r, "REMOVE", ctx)],
    ["RENAME", reply.renamed(), (r) => decodeRenameReply(r, ctx)],
  ];

  for (const [name, seed, decode] of seeds) {
    it(`${name}: the valid reply decodes, and every mutation decodes or throws an AppError`, () => {
      expect(() => decode(new XdrReader(seed))).not.toThrow();
      const random = prng(name.length * 7919);
      for (let i = 0; i < MUTATIONS_PER_SEED; i++) {
        try {
          decode(new XdrReader(mutate(seed, random)));
        } catch (error) {
          if (!isAppError(error)) throw error;
        }
      }
    });
  }
});
