// A model's complete copies: per library and split set, every shard exactly once.
// What the registry serves and what a push sends; both need all shards verified.

/** The file facts the grouping needs (a LibraryFile row's subset). */
export interface CopyFile {
  libraryId: number;
  relPath: string;
  shardIndex: number | null;
  splitGroup: string | null;
  sha256: string | null;
  verifyState: string;
}

/** Each library's copy of the model that has every shard exactly once, in shard order; first library first. */
export function completeCopies<File extends CopyFile>(files: readonly File[], shardCount: number): File[][] {
  const groups = new Map<string, File[]>();
  for (const file of files) {
    const key = `${file.libraryId}\u0000${file.splitGroup ?? file.relPath}`;
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  const copies: File[][] = [];
  for (const group of groups.values()) {
    const byShard = new Map(group.map((file) => [file.shardIndex ?? 0, file]));
    if (group.length !== shardCount || byShard.size !== shardCount) continue;
    const ordered = Array.from({ length: shardCount }, (_, i) => byShard.get(i));
    if (ordered.every((file) => file !== undefined)) copies.push(ordered as File[]);
  }
  return copies;
}

export function isVerifiedFile(file: Pick<CopyFile, "sha256" | "verifyState">): boolean {
  return file.sha256 !== null && file.verifyState === "verified";
}
