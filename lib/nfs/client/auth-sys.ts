// RFC 5531 appendix A: AUTH_SYS credentials — who we claim to be. The NAS
// maps these numbers to its own users (and may squash uid 0 to "nobody"), so
// they decide which files the client may read.
import os from "node:os";
import { AppError } from "../../errors.ts";
import { requireIntegerOption } from "../require-option.ts";
import { utf8ByteLength, XdrWriter } from "./xdr.ts";

export const AUTH_NONE = 0;
export const AUTH_SYS = 1;

/** RFC 5531: `string machinename<255>`. */
export const MAX_MACHINE_NAME_BYTES = 255;
/** RFC 5531: `unsigned int gids<16>`; servers reject longer lists. */
export const MAX_AUTH_SYS_GIDS = 16;
/** RFC 5531: an opaque_auth body is at most 400 bytes. */
export const MAX_AUTH_BODY_BYTES = 400;
const MAX_ID = 0xffff_ffff;

export interface AuthSysCredentials {
  uid: number;
  gid: number;
  /** Supplementary groups; defaults to [gid]. */
  gids?: number[];
  /** Names this client in the server's logs; defaults to the host name. */
  machineName?: string;
}

export interface OpaqueAuth {
  flavor: number;
  body: Uint8Array;
}

export const authNone: OpaqueAuth = { flavor: AUTH_NONE, body: new Uint8Array(0) };

/** Validates `credentials` and encodes them as an AUTH_SYS opaque_auth. */
export function authSys(credentials: AuthSysCredentials): OpaqueAuth {
  const uid = requireIntegerOption("uid", credentials.uid, 0, MAX_ID);
  const gid = requireIntegerOption("gid", credentials.gid, 0, MAX_ID);
  const gids = credentials.gids ?? [gid];
  if (gids.length > MAX_AUTH_SYS_GIDS) {
    throw new AppError("invalid-input", `gids may list at most ${MAX_AUTH_SYS_GIDS} groups (AUTH_SYS limit), got ${gids.length}`);
  }
  for (const g of gids) requireIntegerOption("gids[]", g, 0, MAX_ID);
  const machineName = credentials.machineName ?? defaultMachineName();
  if (utf8ByteLength(machineName) > MAX_MACHINE_NAME_BYTES) {
    throw new AppError("invalid-input", `machineName must be at most ${MAX_MACHINE_NAME_BYTES} bytes, got ${utf8ByteLength(machineName)}`);
  }
  const w = new XdrWriter();
  // The stamp only lets a server tell credentials apart; seconds since the epoch is customary.
  w.uint32(Math.floor(Date.now() / 1000) >>> 0);
  w.string(machineName, MAX_MACHINE_NAME_BYTES);
  w.uint32(uid).uint32(gid);
  w.uint32(gids.length);
  for (const g of gids) w.uint32(g);
  return { flavor: AUTH_SYS, body: w.finish().slice() };
}

/** The host name, cut to the AUTH_SYS limit (a few systems have longer FQDNs). */
export function defaultMachineName(): string {
  const name = os.hostname() || "modelshelf";
  return Buffer.from(name, "utf8").subarray(0, MAX_MACHINE_NAME_BYTES).toString("utf8").replace(/\uFFFD+$/, "");
}
