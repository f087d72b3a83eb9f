import { describe, expect, it } from "vitest";
import { parseNfsUrl } from "../../../lib/nfs/client/nfs-url.ts";
import { DEFAULT_FS_TIMEOUT_MS } from "../../../lib/nfs/with-fs-timeout.ts";

const ownUid = process.getuid?.() ?? 65534;
const ownGid = process.getgid?.() ?? 65534;

describe("parseNfsUrl", () => {
  it.each([
    ["nfs://nas.local/volume1/models", { host: "nas.local", path: "/volume1/models" }],
    ["nfs://nas.local/volume1/models/", { host: "nas.local", path: "/volume1/models" }],
    ["nfs://nas.local//volume1//models", { host: "nas.local", path: "/volume1/models" }],
    ["nfs://192.168.1.20:2049/volume1/models/llama", { host: "192.168.1.20", path: "/volume1/models/llama", nfsPort: 2049 }],
    ["nfs://[fd00::20]/export", { host: "fd00::20", path: "/export" }],
    ["nfs://[fd00::20]:20049/export", { host: "fd00::20", path: "/export", nfsPort: 20049 }],
    ["nfs://nas/My%20Models/caf%C3%A9", { host: "nas", path: "/My Models/café" }],
    ["NFS://nas/x", { host: "nas", path: "/x" }],
    [
      "nfs://nas/v?nfsport=2049&mountport=20048&uid=1026&gid=100&timeout=5000",
      { host: "nas", path: "/v", nfsPort: 2049, mountPort: 20048, uid: 1026, gid: 100, timeoutMs: 5000 },
    ],
    ["nfs://nas/v?version=3&nfsport=2049", { host: "nas", path: "/v", nfsPort: 2049 }],
    ["nfs://nas:2049/v?nfsport=2049", { host: "nas", path: "/v", nfsPort: 2049 }],
    ["nfs://nas/v?uid=0&gid=0", { uid: 0, gid: 0 }],
    ["nfs://nas/v?uid=4294967295", { uid: 4294967295 }],
    ["nfs://nas/v?", { host: "nas", path: "/v" }],
  ])("parses %s", (url, expected) => {
    expect(parseNfsUrl(url)).toMatchObject(expected);
  });

  it("defaults uid/gid to this process's own and the timeout to the fs timeout", () => {
    const parsed = parseNfsUrl("nfs://nas/v");
    expect(parsed).toEqual({ host: "nas", path: "/v", uid: ownUid, gid: ownGid, timeoutMs: DEFAULT_FS_TIMEOUT_MS });
  });

  it.each([
    ["", "nfs:// URL is empty"],
    ["smb://nas/share", 'Not an nfs:// URL: "smb://nas/share"'],
    ["nas/volume1", 'Not an nfs:// URL: "nas/volume1"'],
    ["nfs:/nas/volume1", 'Not an nfs:// URL: "nfs:/nas/volume1"'],
    ["nfs:///volume1", 'nfs:// URL has no host: "nfs:///volume1"'],
    ["nfs://nas", "nfs:// URL has no export path (expected nfs://host/export[/sub/path])"],
    ["nfs://nas/", "nfs:// URL has no export path (expected nfs://host/export[/sub/path])"],
    ["nfs://admin:secret@nas/v", "nfs:// URLs take no user name or password; give uid= and gid= in the query instead"],
    ["nfs://nas/v#frag", "nfs:// URL must not have a #fragment"],
    ["nfs://na_s/v", 'nfs:// URL has an invalid host "na_s"'],
    ["nfs://-nas/v", 'nfs:// URL has an invalid host "-nas"'],
    ["nfs://[not-ipv6]/v", 'nfs:// URL has an invalid host "[not-ipv6]"'],
    ["nfs://nas:0/v", 'Option port in nfs:// URL must be an integer between 1 and 65535, got "0"'],
    ["nfs://nas:70000/v", 'Option port in nfs:// URL must be an integer between 1 and 65535, got "70000"'],
    ["nfs://nas:/v", 'Option port in nfs:// URL must be an integer between 1 and 65535, got ""'],
    ["nfs://nas/volume1/../etc", 'nfs:// URL path must not contain "." or ".." segments'],
    ["nfs://nas/volume1/%2e%2e/etc", 'nfs:// URL path must not contain "." or ".." segments'],
    ["nfs://nas/./volume1", 'nfs:// URL path must not contain "." or ".." segments'],
    ["nfs://nas/a%2Fb", 'nfs:// URL path segment "a%2Fb" contains a "/" or NUL character'],
    ["nfs://nas/a%00b", 'nfs:// URL path segment "a%00b" contains a "/" or NUL character'],
    ["nfs://nas/bad%zz", 'nfs:// URL path has invalid percent-encoding: "bad%zz"'],
    [`nfs://nas/${"a".repeat(1024)}`, "nfs:// URL path is 1025 bytes, longer than the 1024 the MOUNT protocol allows"],
    ["nfs://nas/v?port=1", 'Unknown option "port" in nfs:// URL (known: nfsport, mountport, uid, gid, timeout, version)'],
    ["nfs://nas/v?uid=1&uid=2", 'Option "uid" appears twice in nfs:// URL'],
    ["nfs://nas/v?nfsport=", 'Option nfsport in nfs:// URL must be an integer between 1 and 65535, got ""'],
    ["nfs://nas/v?nfsport=20x", 'Option nfsport in nfs:// URL must be an integer between 1 and 65535, got "20x"'],
    ["nfs://nas/v?mountport=65536", 'Option mountport in nfs:// URL must be an integer between 1 and 65535, got "65536"'],
    ["nfs://nas/v?uid=-1", 'Option uid in nfs:// URL must be an integer between 0 and 4294967295, got "-1"'],
    ["nfs://nas/v?gid=1.5", 'Option gid in nfs:// URL must be an integer between 0 and 4294967295, got "1.5"'],
    ["nfs://nas/v?uid=4294967296", 'Option uid in nfs:// URL must be an integer between 0 and 4294967295, got "4294967296"'],
    ["nfs://nas/v?timeout=0", 'Option timeout in nfs:// URL must be an integer between 1 and 2147483647, got "0"'],
    ["nfs://nas/v?timeout=2147483648", 'Option timeout in nfs:// URL must be an integer between 1 and 2147483647, got "2147483648"'],
    ["nfs://nas/v?timeout=1e4", 'Option timeout in nfs:// URL must be an integer between 1 and 2147483647, got "1e4"'],
    ["nfs://nas/v?version=4", "nfs:// URLs speak NFS version 3 only, got version=4"],
    ["nfs://nas:2049/v?nfsport=2050", "The NFS port is given twice (nfs://nas:2049 and nfsport=2050); give it once"],
    ["nfs://nas/v?a=%zz", 'nfs:// URL query has invalid percent-encoding: "a=%zz"'],
  ])("rejects %j with an exact message", (url, message) => {
    expect(() => parseNfsUrl(url)).toThrow(expect.objectContaining({ code: "invalid-input", message }) as Error);
  });
});
