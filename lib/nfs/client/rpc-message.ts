// RFC 5531 ONC RPC v2 messages: encoding a CALL, and reading a REPLY's header
// (accepted / denied and their variants) into either the results or an
// AppError an admin can act on.
import { AppError } from "../../errors.ts";
import { MAX_AUTH_BODY_BYTES, type OpaqueAuth, authNone } from "./auth-sys.ts";
import { XdrReader, XdrWriter } from "./xdr.ts";

const RPC_VERSION = 2;
const MSG_CALL = 0;
const MSG_REPLY = 1;
const MSG_ACCEPTED = 0;
const MSG_DENIED = 1;

/** Who a call goes to; also what error messages name. */
export interface RpcTarget {
  host: string;
  port: number;
  program: number;
  version: number;
  /** "NFS", "MOUNT", "portmapper": the word an admin knows. */
  programName: string;
}

export function describeTarget(target: RpcTarget): string {
  return `${target.programName} service at ${formatHostPort(target.host, target.port)}`;
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The body of one CALL record (without the record mark). */
export function encodeCall(xid: number, target: RpcTarget, procedure: number, credential: OpaqueAuth, args: Uint8Array): Uint8Array {
  const w = new XdrWriter(64 + credential.body.length + args.length);
  w.uint32(xid).uint32(MSG_CALL).uint32(RPC_VERSION);
  w.uint32(target.program).uint32(target.version).uint32(procedure);
  w.uint32(credential.flavor).opaque(credential.body, MAX_AUTH_BODY_BYTES);
  // We never send a verifier: AUTH_SYS has none.
  w.uint32(authNone.flavor).opaque(authNone.body, MAX_AUTH_BODY_BYTES);
  w.fixedOpaque(args);
  return w.finish();
}

/** The XID of a REPLY record, or null when the record is too short or not a reply (it is then dropped). */
export function readReplyXid(record: Uint8Array): number | null {
  if (record.length < 8) return null;
  const view = new DataView(record.buffer, record.byteOffset, 8);
  return view.getUint32(4) === MSG_REPLY ? view.getUint32(0) : null;
}

const authStatNames: Record<number, string> = {
  0: "AUTH_OK",
  1: "AUTH_BADCRED",
  2: "AUTH_REJECTEDCRED",
  3: "AUTH_BADVERF",
  4: "AUTH_REJECTEDVERF",
  5: "AUTH_TOOWEAK",
  6: "AUTH_INVALIDRESP",
  7: "AUTH_FAILED",
  8: "AUTH_KERB_GENERIC",
  9: "AUTH_TIMEEXPIRE",
  10: "AUTH_TKT_FILE",
  11: "AUTH_DECODE",
  12: "AUTH_NET_ADDR",
  13: "RPCSEC_GSS_CREDPROBLEM",
  14: "RPCSEC_GSS_CTXPROBLEM",
};

/** What each auth failure means for an admin configuring the NAS. */
const authStatAdvice: Record<string, string> = {
  AUTH_BADCRED: "it rejected our AUTH_SYS credentials as malformed",
  AUTH_REJECTEDCRED: "it rejected our AUTH_SYS credentials; the client should reconnect",
  AUTH_BADVERF: "it rejected our request verifier",
  AUTH_REJECTEDVERF: "it rejected our request verifier as expired or replayed",
  AUTH_TOOWEAK:
    "the server requires stronger auth than AUTH_SYS (e.g. Kerberos, sec=krb5), or accepts only privileged source ports " +
    "(on Linux allow the export with 'insecure'; on a Synology tick 'Allow connections from non-privileged ports')",
  AUTH_INVALIDRESP: "it found our authenticator response invalid",
  AUTH_FAILED: "the server refused our credentials for an unspecified reason",
};

export interface ReplyContext {
  target: RpcTarget;
  procedure: string;
}

/**
 * Reads the reply header of `record` and returns a reader positioned at the
 * procedure's results. Throws AppError for every non-SUCCESS outcome and for a
 * malformed header.
 */
export function decodeReplyHeader(record: Uint8Array, context: ReplyContext): XdrReader {
  const r = new XdrReader(record);
  r.uint32("xid");
  const where = `The ${describeTarget(context.target)}`;
  const { program, version, programName } = context.target;
  if (r.uint32("msg_type") !== MSG_REPLY) throw rpcFailure(context, "MALFORMED", `${where} sent a CALL where a REPLY was expected`, "io");
  const replyStat = r.uint32("reply_stat");
  if (replyStat === MSG_ACCEPTED) {
    r.uint32("verifier flavor");
    r.opaque(MAX_AUTH_BODY_BYTES, "verifier");
    const acceptStat = r.uint32("accept_stat");
    switch (acceptStat) {
      case 0:
        return r;
      case 1: {
        const hostPort = formatHostPort(context.target.host, context.target.port);
        throw rpcFailure(context, "PROG_UNAVAIL", `${hostPort} does not serve ${programName} (RPC program ${program}); is the port right?`, "unsupported");
      }
      case 2: {
        const low = r.uint32("low version");
        const high = r.uint32("high version");
        const offered = low === high ? `version ${low}` : `versions ${low}–${high}`;
        throw rpcFailure(context, "PROG_MISMATCH", `${where} offers ${programName} ${offered} only, not version ${version}`, "unsupported", { low, high });
      }
      case 3:
        throw rpcFailure(context, "PROC_UNAVAIL", `${where} does not implement ${context.procedure}`, "unsupported");
      case 4:
        throw rpcFailure(context, "GARBAGE_ARGS", `${where} could not decode our ${context.procedure} request`, "io");
      case 5:
        throw rpcFailure(context, "SYSTEM_ERR", `${where} failed internally (SYSTEM_ERR) while answering ${context.procedure}`, "io", {}, true);
      default:
        throw rpcFailure(context, "MALFORMED", `${where} answered with unknown accept_stat ${acceptStat}`, "io");
    }
  }
  if (replyStat === MSG_DENIED) {
    const rejectStat = r.uint32("reject_stat");
    if (rejectStat === 0) {
      const low = r.uint32("low version");
      const high = r.uint32("high version");
      throw rpcFailure(context, "RPC_MISMATCH", `${where} speaks ONC RPC versions ${low}–${high}, not version ${RPC_VERSION}`, "unsupported", { low, high });
    }
    if (rejectStat === 1) {
      const stat = r.uint32("auth_stat");
      const name = authStatNames[stat] ?? `AUTH_ERROR(${stat})`;
      const advice = authStatAdvice[name] ?? `it refused our credentials (${name})`;
      throw new AppError("forbidden", `${where} denied ${context.procedure}: ${advice}`, {
        retryable: name === "AUTH_REJECTEDCRED",
        details: { ...targetDetails(context), rpcStatus: "AUTH_ERROR", authStatus: name },
      });
    }
    throw rpcFailure(context, "MALFORMED", `${where} denied the call with unknown reject_stat ${rejectStat}`, "io");
  }
  throw rpcFailure(context, "MALFORMED", `${where} answered with unknown reply_stat ${replyStat}`, "io");
}

function targetDetails(context: ReplyContext): Record<string, unknown> {
  const { host, port, program, version } = context.target;
  return { host, port, program, version, procedure: context.procedure };
}

function rpcFailure(
  context: ReplyContext,
  rpcStatus: string,
  message: string,
  code: "unsupported" | "io",
  extra: Record<string, unknown> = {},
  retryable = false,
): AppError {
  return new AppError(code, message, {
    retryable,
    details: { ...targetDetails(context), rpcStatus, ...extra },
  });
}
