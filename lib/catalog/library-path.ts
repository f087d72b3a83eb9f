// What kind of library root a configured path is (no I/O; safe anywhere).

/** nfs:// roots are read with the built-in NFSv3 client; anything else is a local or mounted path. */
export function isNfsUrl(libraryPath: string): boolean {
  return /^nfs:\/\//i.test(libraryPath);
}

/** A file of a library as an admin reads it: an absolute path, or an nfs://
 * URL without its query options (uid, ports). */
export function libraryFilePath(libraryPath: string, relPath: string): string {
  if (isNfsUrl(libraryPath)) return `${libraryPath.replace(/[?#].*$/, "").replace(/\/+$/, "")}/${relPath}`;
  return `${libraryPath.replace(/\/+$/, "")}/${relPath}`;
}
