import { describe, expect, it } from "vitest";
import { mount3Error, NfsError, nfs3Error, nfs3StatusName } from "../../../lib/nfs/client/nfs3-errors.ts";

const context = { procedure: "LOOKUP", path: "nfs://nas/volume1/models/a.gguf" };

describe("NFS3 status mapping", () => {
  it.each([
    [1, "NFS3ERR_PERM", "forbidden", false],
    [2, "NFS3ERR_NOENT", "not-found", false],
    [5, "NFS3ERR_IO", "io", true],
    [6, "NFS3ERR_NXIO", "io", false],
    [13, "NFS3ERR_ACCES", "forbidden", false],
    [17, "NFS3ERR_EXIST", "conflict", false],
    [18, "NFS3ERR_XDEV", "unsupported", false],
    [19, "NFS3ERR_NODEV", "io", false],
    [20, "NFS3ERR_NOTDIR", "invalid-input", false],
    [21, "NFS3ERR_ISDIR", "invalid-input", false],
    [22, "NFS3ERR_INVAL", "invalid-input", false],
    [27, "NFS3ERR_FBIG", "invalid-input", false],
    [28, "NFS3ERR_NOSPC", "io", true],
    [30, "NFS3ERR_ROFS", "forbidden", false],
    [31, "NFS3ERR_MLINK", "invalid-input", false],
    [63, "NFS3ERR_NAMETOOLONG", "invalid-input", false],
    [66, "NFS3ERR_NOTEMPTY", "conflict", false],
    [69, "NFS3ERR_DQUOT", "forbidden", false],
    [70, "NFS3ERR_STALE", "unavailable", true],
    [71, "NFS3ERR_REMOTE", "unsupported", false],
    [10001, "NFS3ERR_BADHANDLE", "io", false],
    [10002, "NFS3ERR_NOT_SYNC", "conflict", true],
    [10003, "NFS3ERR_BAD_COOKIE", "conflict", true],
    [10004, "NFS3ERR_NOTSUPP", "unsupported", false],
    [10005, "NFS3ERR_TOOSMALL", "invalid-input", false],
    [10006, "NFS3ERR_SERVERFAULT", "io", true],
    [10007, "NFS3ERR_BADTYPE", "unsupported", false],
    [10008, "NFS3ERR_JUKEBOX", "unavailable", true],
  ])("status %i is %s: %s, retryable %s", (status, name, code, retryable) => {
    const error = nfs3Error(status, context);
    expect(error).toBeInstanceOf(NfsError);
    expect(error).toMatchObject({ code, retryable, nfsStatus: name, details: { nfsStatus: name, procedure: "LOOKUP", path: context.path } });
    expect(error.message).toContain(`(${name})`);
    expect(nfs3StatusName(status)).toBe(name);
  });

  it("says in plain words what NOENT and ACCES mean for the path", () => {
    expect(nfs3Error(2, context).message).toBe("nfs://nas/volume1/models/a.gguf does not exist (NFS3ERR_NOENT)");
    expect(nfs3Error(13, context).message).toBe(
      "Permission denied for nfs://nas/volume1/models/a.gguf (check the share's permissions and the uid/gid in the nfs:// URL) (NFS3ERR_ACCES)",
    );
  });

  it("maps an unknown status to a non-retryable io error that names the number", () => {
    expect(nfs3Error(12345, context)).toMatchObject({ code: "io", retryable: false, nfsStatus: "NFS3ERR_UNKNOWN(12345)" });
  });

  it.each([
    [1, "MNT3ERR_PERM", "forbidden"],
    [2, "MNT3ERR_NOENT", "not-found"],
    [5, "MNT3ERR_IO", "io"],
    [13, "MNT3ERR_ACCES", "forbidden"],
    [20, "MNT3ERR_NOTDIR", "invalid-input"],
    [22, "MNT3ERR_INVAL", "invalid-input"],
    [63, "MNT3ERR_NAMETOOLONG", "invalid-input"],
    [10004, "MNT3ERR_NOTSUPP", "unsupported"],
    [10006, "MNT3ERR_SERVERFAULT", "io"],
  ])("mount status %i is %s: %s", (status, name, code) => {
    expect(mount3Error(status, { procedure: "MNT", path: "nfs://nas/volume1" })).toMatchObject({ code, nfsStatus: name });
  });

  it("tells the admin to allow this client when a mount is refused", () => {
    expect(mount3Error(13, { procedure: "MNT", path: "nfs://nas/volume1" }).message).toBe(
      "The NAS refuses to let this machine mount nfs://nas/volume1: check the export's allowed clients (and its 'secure' option) (MNT3ERR_ACCES)",
    );
  });
});
