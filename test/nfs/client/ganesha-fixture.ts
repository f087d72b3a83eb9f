// One ganesha per test file: an export directory built by the test, the server
// started before the file's tests and stopped (export removed) after them.
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type GaneshaExtraExport, type GaneshaServer, nfsSkipReason, startGanesha } from "../../helpers/ganesha.ts";

export interface GaneshaFixture {
  readonly server: GaneshaServer;
  /** The exported directory on disk. */
  readonly dir: string;
}

/** The reason to skip (printed once), or null when the real-NFS tests run. */
export function realNfsSkip(needs: { libnfs?: boolean } = {}): string | null {
  const reason = nfsSkipReason(needs);
  if (reason) console.warn(reason);
  return reason;
}

export function useGanesha(
  build: (dir: string) => Promise<void>,
  options: { extraExports?: (dir: string) => GaneshaExtraExport[]; skip?: boolean } = {},
): GaneshaFixture {
  let server: GaneshaServer | null = null;
  let dir = "";
  beforeAll(async () => {
    if (options.skip) return;
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), "modelshelf-nfs-export-"));
    await build(dir);
    server = await startGanesha({ exportDir: dir, ...(options.extraExports ? { extraExports: options.extraExports(dir) } : {}) });
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });
  return {
    get server() {
      if (!server) throw new Error("ganesha is not running");
      return server;
    },
    get dir() {
      return dir;
    },
  };
}

/** Deterministic pseudo-random bytes (fast; different per seed). */
export function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
    out[i + 1] = (x >>> 8) & 0xff;
    out[i + 2] = (x >>> 16) & 0xff;
    out[i + 3] = (x >>> 24) & 0xff;
  }
  return out;
}
