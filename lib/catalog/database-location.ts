// Where the SQLite file lives. SQLite's locking is unreliable on network
// filesystems, so the app warns when the catalogue sits on one. Reading
// /proc/self/mountinfo is local and cannot hang on the share.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { getConfig } from "../config.ts";
import { findMountForPath, isNetworkFsType, parseMountInfo } from "../nfs/mount-info.ts";

export interface DatabaseLocation {
  dbFile: string;
  fsType: string | null;
  isNetwork: boolean;
  warning: string | null;
}

export async function describeDatabaseLocation(
  dbFile = getConfig().dbFile,
  mountInfoPath = "/proc/self/mountinfo",
): Promise<DatabaseLocation> {
  let text: string;
  try {
    text = await readFile(/*turbopackIgnore: true*/ mountInfoPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { dbFile, fsType: null, isNetwork: false, warning: null };
    }
    throw error;
  }
  const mount = findMountForPath(parseMountInfo(text), path.resolve(dbFile));
  const fsType = mount?.fsType ?? null;
  const isNetwork = fsType !== null && isNetworkFsType(fsType);
  return {
    dbFile,
    fsType,
    isNetwork,
    warning: isNetwork
      ? `The catalogue database ${dbFile} is on a network filesystem (${fsType}). SQLite locking and WAL are not safe there: set MODELSHELF_DB to a path on local disk.`
      : null,
  };
}
