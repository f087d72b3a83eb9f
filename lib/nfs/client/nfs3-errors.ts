// Every NFS3ERR_* (RFC 1813 §2.6) and MNT3ERR_* (§5.1.5) status as a typed
// AppError: the category decides what callers do (not-found → null, stale →
// re-resolve, jukebox → retry later), the message tells an admin what happened.
import { AppError, type AppErrorCode } from "../../errors.ts";

export const NFS3_OK = 0;

/** A failure status from an NFS or MOUNT server; `nfsStatus` is its RFC name ("NFS3ERR_NOENT"). */
export class NfsError extends AppError {
  readonly nfsStatus: string;

  constructor(code: AppErrorCode, message: string, nfsStatus: string, retryable: boolean, details: Record<string, unknown>) {
    super(code, message, { retryable, details: { ...details, nfsStatus } });
    this.name = "NfsError";
    this.nfsStatus = nfsStatus;
  }
}

export function isNfsError(error: unknown, nfsStatus?: string): error is NfsError {
  return error instanceof NfsError && (nfsStatus === undefined || error.nfsStatus === nfsStatus);
}

interface StatusMeaning {
  name: string;
  code: AppErrorCode;
  retryable: boolean;
  message: (path: string, procedure: string) => string;
}

const squashHint = "the NAS maps this client's uid/gid to a user without access there (root squash?)";

const nfs3Meanings: readonly (StatusMeaning & { status: number })[] = [
  { status: 1, name: "NFS3ERR_PERM", code: "forbidden", retryable: false, message: (p) => `Not permitted on ${p}: ${squashHint}` },
  { status: 2, name: "NFS3ERR_NOENT", code: "not-found", retryable: false, message: (p) => `${p} does not exist` },
  { status: 5, name: "NFS3ERR_IO", code: "io", retryable: true, message: (p) => `The NAS reported an I/O error on ${p} (a failing disk?)` },
  { status: 6, name: "NFS3ERR_NXIO", code: "io", retryable: false, message: (p) => `${p}: no such device or address on the NAS` },
  {
    status: 13,
    name: "NFS3ERR_ACCES",
    code: "forbidden",
    retryable: false,
    message: (p) => `Permission denied for ${p} (check the share's permissions and the uid/gid in the nfs:// URL)`,
  },
  { status: 17, name: "NFS3ERR_EXIST", code: "conflict", retryable: false, message: (p) => `${p} already exists` },
  { status: 18, name: "NFS3ERR_XDEV", code: "unsupported", retryable: false, message: (p) => `${p}: the operation would cross file systems on the NAS` },
  { status: 19, name: "NFS3ERR_NODEV", code: "io", retryable: false, message: (p) => `${p}: no such device on the NAS` },
  { status: 20, name: "NFS3ERR_NOTDIR", code: "invalid-input", retryable: false, message: (p) => `${p} cannot be reached: part of the path is a file, not a folder` },
  { status: 21, name: "NFS3ERR_ISDIR", code: "invalid-input", retryable: false, message: (p) => `${p} is a folder, not a file` },
  { status: 22, name: "NFS3ERR_INVAL", code: "invalid-input", retryable: false, message: (p, proc) => `The NAS rejected ${proc} of ${p} as invalid` },
  { status: 27, name: "NFS3ERR_FBIG", code: "invalid-input", retryable: false, message: (p) => `${p} is too large for the NAS` },
  { status: 28, name: "NFS3ERR_NOSPC", code: "io", retryable: true, message: (p) => `No space left on the NAS for ${p}` },
  { status: 30, name: "NFS3ERR_ROFS", code: "forbidden", retryable: false, message: (p) => `${p} is on a read-only export` },
  { status: 31, name: "NFS3ERR_MLINK", code: "invalid-input", retryable: false, message: (p) => `${p} has too many hard links` },
  { status: 63, name: "NFS3ERR_NAMETOOLONG", code: "invalid-input", retryable: false, message: (p) => `A name in ${p} is too long for the NAS` },
  { status: 66, name: "NFS3ERR_NOTEMPTY", code: "conflict", retryable: false, message: (p) => `${p} is not empty` },
  { status: 69, name: "NFS3ERR_DQUOT", code: "forbidden", retryable: false, message: (p) => `Quota exceeded on the NAS for ${p}` },
  {
    status: 70,
    name: "NFS3ERR_STALE",
    code: "unavailable",
    retryable: true,
    message: (p) => `Stale file handle for ${p}: it was deleted or replaced on the NAS, or the export changed`,
  },
  { status: 71, name: "NFS3ERR_REMOTE", code: "unsupported", retryable: false, message: (p) => `${p}: too many levels of remote in the path` },
  { status: 10001, name: "NFS3ERR_BADHANDLE", code: "io", retryable: false, message: (p) => `The NAS rejected the file handle for ${p} as malformed` },
  { status: 10002, name: "NFS3ERR_NOT_SYNC", code: "conflict", retryable: true, message: (p) => `${p} changed during the update (NOT_SYNC)` },
  {
    status: 10003,
    name: "NFS3ERR_BAD_COOKIE",
    code: "conflict",
    retryable: true,
    message: (p) => `The listing of ${p} changed while it was being read (its READDIR cookie is no longer valid)`,
  },
  { status: 10004, name: "NFS3ERR_NOTSUPP", code: "unsupported", retryable: false, message: (p, proc) => `The NAS does not support ${proc} on ${p}` },
  { status: 10005, name: "NFS3ERR_TOOSMALL", code: "invalid-input", retryable: false, message: (p, proc) => `The NAS needs a larger ${proc} buffer for ${p}` },
  { status: 10006, name: "NFS3ERR_SERVERFAULT", code: "io", retryable: true, message: (p, proc) => `The NAS failed internally answering ${proc} of ${p}` },
  { status: 10007, name: "NFS3ERR_BADTYPE", code: "unsupported", retryable: false, message: (p) => `${p}: the NAS does not support this object type` },
  {
    status: 10008,
    name: "NFS3ERR_JUKEBOX",
    code: "unavailable",
    retryable: true,
    message: (p) => `${p} is not available yet: the NAS is busy or fetching it from offline storage; try again later`,
  },
];

const nfs3ByStatus = new Map<number, StatusMeaning>(nfs3Meanings.map((meaning) => [meaning.status, meaning]));

const mountByStatus = new Map<number, StatusMeaning>([
  [
    1,
    {
      name: "MNT3ERR_PERM",
      code: "forbidden",
      retryable: false,
      message: (p) => `The NAS does not allow this machine to mount ${p} (MNT3ERR_PERM): add this client to the export's allowed hosts`,
    },
  ],
  [2, { name: "MNT3ERR_NOENT", code: "not-found", retryable: false, message: (p) => `${p} does not exist on the NAS` }],
  [5, { name: "MNT3ERR_IO", code: "io", retryable: true, message: (p) => `The NAS reported an I/O error mounting ${p}` }],
  [
    13,
    {
      name: "MNT3ERR_ACCES",
      code: "forbidden",
      retryable: false,
      message: (p) => `The NAS refuses to let this machine mount ${p}: check the export's allowed clients (and its 'secure' option)`,
    },
  ],
  [20, { name: "MNT3ERR_NOTDIR", code: "invalid-input", retryable: false, message: (p) => `${p} is not a folder` }],
  [22, { name: "MNT3ERR_INVAL", code: "invalid-input", retryable: false, message: (p) => `The NAS rejected the mount path ${p} as invalid` }],
  [63, { name: "MNT3ERR_NAMETOOLONG", code: "invalid-input", retryable: false, message: (p) => `The mount path ${p} is too long for the NAS` }],
  [10004, { name: "MNT3ERR_NOTSUPP", code: "unsupported", retryable: false, message: (p) => `The NAS does not support mounting ${p}` }],
  [10006, { name: "MNT3ERR_SERVERFAULT", code: "io", retryable: true, message: (p) => `The NAS failed internally while mounting ${p}` }],
]);

/** The RFC name of an nfsstat3 value ("NFS3ERR_NOENT"), or NFS3ERR_UNKNOWN(n). */
export function nfs3StatusName(status: number): string {
  if (status === NFS3_OK) return "NFS3_OK";
  return nfs3ByStatus.get(status)?.name ?? `NFS3ERR_UNKNOWN(${status})`;
}

export interface StatusContext {
  /** The procedure that failed ("LOOKUP"). */
  procedure: string;
  /** The path as an admin reads it (an nfs:// URL). */
  path: string;
}

/** The error for a non-OK nfsstat3. */
export function nfs3Error(status: number, context: StatusContext): NfsError {
  return statusError(nfs3ByStatus.get(status), status, "NFS3ERR", context);
}

/** The error for a non-OK mountstat3. */
export function mount3Error(status: number, context: StatusContext): NfsError {
  return statusError(mountByStatus.get(status), status, "MNT3ERR", context);
}

function statusError(meaning: StatusMeaning | undefined, status: number, prefix: string, context: StatusContext): NfsError {
  const details = { procedure: context.procedure, path: context.path, status };
  if (meaning === undefined) {
    const name = `${prefix}_UNKNOWN(${status})`;
    return new NfsError("io", `The NAS answered ${context.procedure} of ${context.path} with unknown status ${status}`, name, false, details);
  }
  return new NfsError(meaning.code, `${meaning.message(context.path, context.procedure)} (${meaning.name})`, meaning.name, meaning.retryable, details);
}
