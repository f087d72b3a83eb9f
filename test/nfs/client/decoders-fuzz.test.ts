// Seeded mutations of valid replies fed to every reply decoder: each must either
// decode or throw an AppError — never a RangeError/TypeError, a hang, or a huge
// allocation. Seeds come from reply-builders.ts, whose format the real-server
// tests confirm against ganesha.
import { describe, expect, it } from "vitest";
import { isAppError } from "../../../lib/errors.ts";
import { decodeExportReply, decodeMntReply } from "../../../lib/nfs/client/mount3.ts";
import {
  decodeAccessReply,
  decodeFsinfoReply,
  decodeFsstatReply,
  decodeGetattrReply,
  decodeLookupReply,
  decodeReaddirplusReply,
  decodeReadReply,
} from "../../../lib/nfs/client/nfs3.ts";
import { parseNfsUrl } from "../../../lib/nfs/client/nfs-url.ts";
import { decodeDumpReply, decodeGetPortReply } from "../../../lib/nfs/client/portmap.ts";
import { encodeFragments, RecordDecoder } from "../../../lib/nfs/client/record-marking.ts";
import { decodeReplyHeader } from "../../../lib/nfs/client/rpc-message.ts";
import type { XdrReader } from "../../../lib/nfs/client/xdr.ts";
import { acceptedFailure, authErrorReply, results, rpcMismatchReply, successReply } from "./reply-builders.ts";

const MUTATIONS_PER_SEED = 300;
const ctx = { path: "nfs://nas/x" };
const context = { target: { host: "nas", port: 2049, program: 100003, version: 3, programName: "NFS" }, procedure: "FUZZ" };

/** mulberry32: small, fast, deterministic. */
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

const interesting = [0, 1, 2, 3, 4, 63, 64, 65, 255, 256, 1024, 1025, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff];

function mutate(input: Uint8Array, random: () => number): Uint8Array {
  let bytes = Uint8Array.from(input);
  const rounds = 1 + Math.floor(random() * 3);
  for (let i = 0; i < rounds; i++) {
    const at = Math.floor(random() * Math.max(1, bytes.length));
    switch (Math.floor(random() * 6)) {
      case 0:
        if (bytes.length > 0) bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(random() * 8));
        break;
      case 1:
        if (bytes.length > 0) bytes[at] = Math.floor(random() * 256);
        break;
      case 2: {
        const word = at & ~3;
        if (word + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(word, interesting[Math.floor(random() * interesting.length)] as number);
        break;
      }
      case 3:
        bytes = bytes.slice(0, at);
        break;
      case 4: {
        const extra = Uint8Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * 256));
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
        break;
      }
      default: {
        const end = Math.min(bytes.length, at + 1 + Math.floor(random() * 16));
        bytes = Uint8Array.from([...bytes.subarray(0, end), ...bytes.subarray(at, end), ...bytes.subarray(end)]);
      }
    }
  }
  return bytes;
}

const fattr = { type: 1, size: 5_000_000_000, fileid: 2n ** 63n + 5n };
const fh = Uint8Array.from({ length: 28 }, (_, i) => i);
const seeds: [string, Uint8Array, (r: XdrReader) => unknown][] = [
  ["GETPORT", results.getport(2049), decodeGetPortReply],
  ["DUMP", results.dump([{ program: 100003, version: 3, protocol: 6, port: 2049 }, { program: 100005, version: 3, protocol: 17, port: 20048 }]), decodeDumpReply],
  ["MNT", results.mnt(fh, [1, 390003]), (r) => decodeMntReply(r, "nfs://nas/x")],
  ["EXPORT", results.exports([{ path: "/volume1/models", groups: ["10.0.0.0/8", "nas-client"] }, { path: "/volume2", groups: [] }]), decodeExportReply],
  ["GETATTR", results.getattr(fattr), (r) => decodeGetattrReply(r, ctx)],
  ["LOOKUP", results.lookup(fh, fattr), (r) => decodeLookupReply(r, ctx)],
  ["ACCESS", results.access(0x1f), (r) => decodeAccessReply(r, ctx)],
  ["READ", results.read(new Uint8Array(40).fill(7), true, fattr), (r) => decodeReadReply(r, 64, ctx)],
  [
    "READDIRPLUS",
    results.readdirplus(
      [
        { name: "a.gguf", fileid: 10n, cookie: 1n, attrs: fattr, fh },
        { name: "sub", fileid: 11n, cookie: 2n, attrs: { type: 2 }, fh: null },
        { name: "b", fileid: 12n, cookie: 3n, attrs: null, fh },
      ],
      false,
    ),
    (r) => decodeReaddirplusReply(r, ctx),
  ],
  ["FSSTAT", results.fsstat({ tbytes: 10n ** 12n, fbytes: 10n ** 11n, abytes: 10n ** 11n, tfiles: 10n ** 6n, ffiles: 10n ** 5n, afiles: 10n ** 5n }), (r) => decodeFsstatReply(r, ctx)],
  ["FSINFO", results.fsinfo(1 << 20), (r) => decodeFsinfoReply(r, ctx)],
  ["NFS error status", results.status(70), (r) => decodeGetattrReply(r, ctx)],
];

function expectOnlyAppErrors(bytes: Uint8Array, decode: (r: XdrReader) => unknown): "ok" | "error" {
  try {
    decode(decodeReplyHeader(bytes, context));
    return "ok";
  } catch (error) {
    if (!isAppError(error)) throw new Error(`non-AppError escaped for ${Buffer.from(bytes).toString("hex")}: ${String(error)}`);
    return "error";
  }
}

describe("reply decoders under fuzzing", () => {
  it.each(seeds)("%s: every mutation decodes or fails with an AppError", (name, body, decode) => {
    const record = successReply(0x1234, body);
    expectOnlyAppErrors(record, decode); // the seed itself is valid (or a status error)
    const random = prng(name.length * 7919 + body.length);
    const outcomes = { ok: 0, error: 0 };
    const started = performance.now();
    const memoryBefore = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < MUTATIONS_PER_SEED; i++) outcomes[expectOnlyAppErrors(mutate(record, random), decode)]++;
    expect(outcomes.ok + outcomes.error).toBe(MUTATIONS_PER_SEED);
    expect(outcomes.error).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(process.memoryUsage().arrayBuffers - memoryBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it("RPC failure replies under mutation fail only with AppErrors", () => {
    const random = prng(99);
    for (const seed of [acceptedFailure(1, 2, { low: 2, high: 4 }), authErrorReply(1, 5), rpcMismatchReply(1, 2, 2)]) {
      for (let i = 0; i < MUTATIONS_PER_SEED; i++) expectOnlyAppErrors(mutate(seed, random), (r) => r.uint32());
    }
  });

  it("the record decoder survives random framing: records or an AppError, nothing else", () => {
    const random = prng(7);
    let failures = 0;
    for (let i = 0; i < 1000; i++) {
      const stream = mutate(encodeFragments(Uint8Array.from({ length: 200 }, (_, j) => j), 1 + Math.floor(random() * 64)), random);
      const decoder = new RecordDecoder({ maxRecordBytes: 4096, maxFragments: 64 });
      try {
        let at = 0;
        while (at < stream.length) {
          const step = 1 + Math.floor(random() * 50);
          decoder.push(stream.subarray(at, at + step));
          at += step;
        }
      } catch (error) {
        if (!isAppError(error)) throw error;
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
  });

  it("parseNfsUrl accepts or rejects mutated URLs with AppErrors only", () => {
    const random = prng(2024);
    const seed = new TextEncoder().encode("nfs://nas.local:2049/volume1/models%20x?mountport=20048&uid=1026&gid=100&timeout=5000");
    for (let i = 0; i < 2000; i++) {
      const url = new TextDecoder().decode(mutate(seed, random));
      try {
        parseNfsUrl(url);
      } catch (error) {
        if (!isAppError(error)) throw new Error(`non-AppError for ${JSON.stringify(url)}: ${String(error)}`);
      }
    }
  });
});
