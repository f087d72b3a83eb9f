// The pluggable source of bytes for the hashing core. Local files never go
// through this interface (the worker thread reads them with fs itself); it is
// for sources that live in the calling thread, such as a user-space NFS client.

/** Size and identity of a file, as hashing reports them before and after reading. */
export interface FileStamp {
  size: number;
  /** Whole milliseconds, as lib/nfs statFile reports them, so the two compare equal. */
  mtimeMs: number;
  /** Decimal string: 64-bit inode numbers do not fit a JS number. */
  ino: string;
}

export interface ChunkReader {
  /** Names the source in error messages and progress (a path or an nfs:// URL). */
  readonly name: string;
  /** Called once before the first read and once after the last one. */
  stat(): Promise<FileStamp>;
  /**
   * Fills `buffer` (a view of at most the hash's chunk size) with the bytes at
   * `position` and returns how many it wrote. Fewer than asked is a short read
   * (the next read continues); 0 means the data ended. Calls never overlap.
   */
  read(buffer: Uint8Array, position: number): Promise<number>;
  /**
   * Called once when the hash ends, however it ends — also after a read timed
   * out, while that read may still be pending.
   */
  close(): Promise<void>;
}
