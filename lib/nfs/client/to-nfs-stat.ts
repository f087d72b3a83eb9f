// NFSv3 attributes as the rest of ModelShelf reads them.
import { NF3DIR, NF3LNK, NF3REG, type Fattr3 } from "./nfs3.ts";

export interface NfsStat {
  type: "file" | "dir" | "symlink" | "other";
  size: number;
  /** Whole milliseconds, like lib/nfs's stats of local files. */
  mtimeMs: number;
  /** Decimal string: 64-bit file ids do not fit a JS number. */
  fileid: string;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
}

export function toNfsStat(attributes: Fattr3): NfsStat {
  const type = attributes.type === NF3REG ? "file" : attributes.type === NF3DIR ? "dir" : attributes.type === NF3LNK ? "symlink" : "other";
  return {
    type,
    size: attributes.size,
    mtimeMs: attributes.mtime.seconds * 1000 + Math.floor(attributes.mtime.nseconds / 1_000_000),
    fileid: attributes.fileid.toString(),
    mode: attributes.mode & 0o7777,
    uid: attributes.uid,
    gid: attributes.gid,
  };
}
