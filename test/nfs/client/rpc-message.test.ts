import { describe, expect, it } from "vitest";
import { authSys } from "../../../lib/nfs/client/auth-sys.ts";
import { decodeReplyHeader, encodeCall, readReplyXid, type RpcTarget } from "../../../lib/nfs/client/rpc-message.ts";
import { XdrReader, XdrWriter } from "../../../lib/nfs/client/xdr.ts";
import { acceptedFailure, authErrorReply, rpcMismatchReply, successReply } from "./reply-builders.ts";

const target: RpcTarget = { host: "nas.local", port: 2049, program: 100003, version: 3, programName: "NFS" };
const context = { target, procedure: "READ" };

function failureOf(record: Uint8Array): unknown {
  try {
    decodeReplyHeader(record, context);
  } catch (error) {
    return error;
  }
  throw new Error("expected decodeReplyHeader to throw");
}

describe("RPC call encoding", () => {
  it("writes xid, CALL, RPC version 2, program, version, procedure, AUTH_SYS credential, empty verifier and the arguments", () => {
    const credential = authSys({ uid: 1000, gid: 100, gids: [100, 27], machineName: "worker-1" });
    const r = new XdrReader(encodeCall(42, target, 6, credential, new Uint8Array([0, 0, 0, 7])));
    expect([r.uint32(), r.uint32(), r.uint32(), r.uint32(), r.uint32(), r.uint32()]).toEqual([42, 0, 2, 100003, 3, 6]);
    expect(r.uint32()).toBe(1);
    const cred = new XdrReader(r.opaque(400));
    cred.uint32(); // stamp
    expect(cred.string(255)).toBe("worker-1");
    expect([cred.uint32(), cred.uint32()]).toEqual([1000, 100]);
    expect(cred.array(16, 4, "gids", (e) => e.uint32())).toEqual([100, 27]);
    expect([r.uint32(), r.opaque(400).length]).toEqual([0, 0]);
    expect(r.uint32()).toBe(7);
    r.end();
  });

  it("refuses AUTH_SYS credentials beyond the RFC limits", () => {
    expect(() => authSys({ uid: 0, gid: 0, gids: Array.from({ length: 17 }, (_, i) => i) })).toThrow("gids may list at most 16 groups (AUTH_SYS limit), got 17");
    expect(() => authSys({ uid: 0, gid: 0, machineName: "x".repeat(256) })).toThrow("machineName must be at most 255 bytes, got 256");
    expect(() => authSys({ uid: -1, gid: 0 })).toThrow("uid must be an integer between 0 and 4294967295, got -1");
  });
});

describe("RPC reply header", () => {
  it("finds the XID of a reply and ignores records that are not replies", () => {
    expect(readReplyXid(successReply(77, new Uint8Array(0)))).toBe(77);
    expect(readReplyXid(new XdrWriter().uint32(77).uint32(0).finish())).toBeNull();
    expect(readReplyXid(new Uint8Array(7))).toBeNull();
  });

  it("positions the reader at the results of a successful reply", () => {
    const r = decodeReplyHeader(successReply(1, new XdrWriter().uint32(12345).finish()), context);
    expect(r.uint32()).toBe(12345);
  });

  it("explains PROG_UNAVAIL as the wrong port", () => {
    expect(failureOf(acceptedFailure(1, 1))).toMatchObject({
      code: "unsupported",
      message: "nas.local:2049 does not serve NFS (RPC program 100003); is the port right?",
      details: { rpcStatus: "PROG_UNAVAIL" },
    });
  });

  it("names the versions a server offers on PROG_MISMATCH", () => {
    expect(failureOf(acceptedFailure(1, 2, { low: 4, high: 4 }))).toMatchObject({
      code: "unsupported",
      message: "The NFS service at nas.local:2049 offers NFS version 4 only, not version 3",
      details: { rpcStatus: "PROG_MISMATCH", low: 4, high: 4 },
    });
  });

  it("maps PROC_UNAVAIL, GARBAGE_ARGS and SYSTEM_ERR", () => {
    expect(failureOf(acceptedFailure(1, 3))).toMatchObject({ code: "unsupported", details: { rpcStatus: "PROC_UNAVAIL" } });
    expect(failureOf(acceptedFailure(1, 4))).toMatchObject({ code: "io", retryable: false, details: { rpcStatus: "GARBAGE_ARGS" } });
    expect(failureOf(acceptedFailure(1, 5))).toMatchObject({ code: "io", retryable: true, details: { rpcStatus: "SYSTEM_ERR" } });
  });

  it("explains AUTH_TOOWEAK as a server that requires stronger auth or privileged ports", () => {
    const error = failureOf(authErrorReply(1, 5));
    expect(error).toMatchObject({ code: "forbidden", details: { rpcStatus: "AUTH_ERROR", authStatus: "AUTH_TOOWEAK" } });
    expect((error as Error).message).toMatch(/^The NFS service at nas.local:2049 denied READ: the server requires stronger auth than AUTH_SYS/);
    expect((error as Error).message).toMatch(/privileged source ports/);
  });

  it("reports other auth failures by name", () => {
    expect(failureOf(authErrorReply(1, 1))).toMatchObject({ code: "forbidden", details: { authStatus: "AUTH_BADCRED" } });
    expect(failureOf(authErrorReply(1, 13))).toMatchObject({ code: "forbidden", details: { authStatus: "RPCSEC_GSS_CREDPROBLEM" } });
    expect(failureOf(authErrorReply(1, 99))).toMatchObject({ code: "forbidden", details: { authStatus: "AUTH_ERROR(99)" } });
  });

  it("reports an RPC version mismatch", () => {
    expect(failureOf(rpcMismatchReply(1, 3, 4))).toMatchObject({
      code: "unsupported",
      message: "The NFS service at nas.local:2049 speaks ONC RPC versions 3–4, not version 2",
      details: { rpcStatus: "RPC_MISMATCH" },
    });
  });

  it("treats unknown reply, accept and reject values as malformed", () => {
    expect(failureOf(new XdrWriter().uint32(1).uint32(1).uint32(7).finish())).toMatchObject({ code: "io", details: { rpcStatus: "MALFORMED" } });
    expect(failureOf(acceptedFailure(1, 9))).toMatchObject({ code: "io", details: { rpcStatus: "MALFORMED" } });
    expect(failureOf(new XdrWriter().uint32(1).uint32(1).uint32(1).uint32(5).finish())).toMatchObject({ code: "io" });
  });

  it("fails a truncated header with an AppError, not a RangeError", () => {
    expect(failureOf(successReply(1, new Uint8Array(0)).subarray(0, 14))).toMatchObject({ code: "io" });
  });
});
