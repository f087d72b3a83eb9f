// Fixtures for the hashing tests: temp folders, deterministic bytes, and the
// reference hashes of sha256sum and openssl for the same files.
import { execFile } from "node:child_process";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach } from "vitest";
import type { ChunkReader, FileStamp } from "../../lib/hashing/chunk-reader.ts";

const run = promisify(execFile);

/** Registers cleanup and returns a factory for fresh temp directories. */
export function useTempDirs(): () => Promise<string> {
  const created: string[] = [];
  afterEach(async () => {
    await Promise.all(created.splice(0).map((dir) => fsp.rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "modelshelf-hash-"));
    created.push(dir);
    return dir;
  };
}

/** `length` pseudo-random bytes from a seed (xorshift32): the same bytes on every run. */
export function seededBytes(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

export async function sha256sumOf(file: string): Promise<string> {
  const { stdout } = await run("sha256sum", ["-b", file], { maxBuffer: 1 << 20 });
  return stdout.slice(0, 64);
}

export async function opensslOf(file: string): Promise<string> {
  // -r prints "<hex> *<file>", the same layout as sha256sum.
  const { stdout } = await run("openssl", ["dgst", "-sha256", "-r", file], { maxBuffer: 1 << 20 });
  return stdout.slice(0, 64);
}

export async function mkfifo(file: string): Promise<void> {
  await run("mkfifo", [file]);
}

/** A reader over bytes in memory, returning at most `maxPerRead` bytes per call (short reads). */
export function memoryReader(bytes: Uint8Array, options: { name?: string; maxPerRead?: number } = {}): ChunkReader & { closed: boolean } {
  const stamp: FileStamp = { size: bytes.length, mtimeMs: 1_700_000_000_000, ino: "42" };
  const reader = {
    name: options.name ?? "memory://fixture",
    closed: false,
    stat: async () => stamp,
    read: async (buffer: Uint8Array, position: number) => {
      const n = Math.min(buffer.length, bytes.length - position, options.maxPerRead ?? Infinity);
      if (n <= 0) return 0;
      buffer.set(bytes.subarray(position, position + n));
      return n;
    },
    close: async () => {
      reader.closed = true;
    },
  };
  return reader;
}

/** An fs error shaped like Node's (code + syscall). */
export function errnoError(code: string, syscall = "read"): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code, syscall });
}

/** Resident set size of this process (main and worker threads together). */
export function rssBytes(): number {
  return process.memoryUsage.rss();
}
