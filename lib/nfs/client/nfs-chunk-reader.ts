// An nfs:// file as the hasher's ChunkReader (lib/hashing/chunk-reader.ts),
// declared here structurally so lib/nfs does not import lib/hashing.
import { isAppError } from "../../errors.ts";
import type { NfsFile } from "./nfs-file.ts";
import type { NfsSession } from "./nfs-session.ts";

export interface NfsChunkReader {
  readonly name: string;
  stat(): Promise<{ size: number; mtimeMs: number; ino: string }>;
  read(buffer: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
}

/** Reads relPath of `session` for hashReader(); the file is opened on the first call. */
export function nfsChunkReader(session: NfsSession, relPath: string): NfsChunkReader {
  let opening: Promise<NfsFile> | null = null;
  const file = (): Promise<NfsFile> => (opening ??= session.openFile(relPath));
  return {
    name: session.displayPath(relPath),
    async stat() {
      const stat = await (await file()).stat();
      return { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.fileid };
    },
    async read(buffer, position) {
      return (await file()).readInto(buffer, position);
    },
    async close() {
      if (opening === null) return;
      await opening.then(
        (opened) => opened.close(),
        (error: unknown) => {
          // The open failure already reached the caller through stat() or read().
          if (!isAppError(error)) throw error;
        },
      );
    },
  };
}
