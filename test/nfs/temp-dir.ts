// Temp directories for lib/nfs tests: created per test, removed afterwards.
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";

/** Registers cleanup and returns a factory for fresh temp directories. */
export function useTempDirs(): () => Promise<string> {
  const created: string[] = [];
  afterEach(async () => {
    await Promise.all(created.splice(0).map((dir) => fsp.rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "modelshelf-nfs-"));
    created.push(dir);
    return dir;
  };
}

/** Writes `content` to root/relPath, creating parent folders. */
export async function writeFileAt(root: string, relPath: string, content: string | Uint8Array = ""): Promise<string> {
  const target = path.join(root, relPath);
  await fsp.mkdir(path.dirname(target), { recursive: true });
  await fsp.writeFile(target, content);
  return target;
}

/** An fs error shaped like Node's (code + syscall). */
export function errnoError(code: string, syscall = "stat"): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code, syscall });
}

/** A promise that never settles: what a call on a hung NFS mount looks like. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}
