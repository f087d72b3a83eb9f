import { createHash } from "node:crypto";
import { constants, promises as fsp } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { isAppError, type AppError } from "../../lib/errors.ts";
import { isCancelledError } from "../../lib/hashing/cancelled-error.ts";
import { hashFile } from "../../lib/hashing/hash-file.ts";
import { createHashPool, DEFAULT_CHUNK_BYTES, type HashResult } from "../../lib/hashing/hash-pool.ts";
import { hashReader } from "../../lib/hashing/hash-reader.ts";
import { createThrottle } from "../../lib/hashing/throttle.ts";
import { errnoError, memoryReader, mkfifo, opensslOf, rssBytes, seededBytes, sha256sumOf, useTempDirs } from "./hash-fixtures.ts";

const tempDir = useTempDirs();
const pool = createHashPool({ size: 2 });
afterAll(() => pool.close());

const TIMEOUT_MS = 15_000;
const MiB = 1024 * 1024;

async function writeFixture(name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(await tempDir(), name);
  await fsp.writeFile(file, bytes);
  return file;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe("hashFile matches sha256sum and openssl", () => {
  it.each([
    ["an empty file", 0],
    ["a 1-byte file", 1],
    ["a file of exactly one read", DEFAULT_CHUNK_BYTES],
    ["a file one byte short of a read", DEFAULT_CHUNK_BYTES - 1],
    ["a file one byte past a read", DEFAULT_CHUNK_BYTES + 1],
    ["a few MB of random data", 5 * MiB + 12_345],
  ])("on %s", async (_label, size) => {
    const file = await writeFixture("data.bin", seededBytes(size, size + 7));
    const [ours, coreutils, openssl] = await Promise.all([hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool }), sha256sumOf(file), opensslOf(file)]);
    expect(ours.sha256).toBe(coreutils);
    expect(ours.sha256).toBe(openssl);
    expect(ours.bytes).toBe(size);
  });

  it(
    "on a 3 GiB sparse file, with constant memory",
    async () => {
      const file = path.join(await tempDir(), "sparse.gguf");
      const size = 3 * 1024 * MiB + 12_345;
      const handle = await fsp.open(file, "w");
      // A few real bytes among the holes, so the hash is not that of zeros only.
      await handle.write(seededBytes(4096, 3), 0, 4096, 0);
      await handle.write(seededBytes(4096, 4), 0, 4096, 2 * 1024 * MiB + 17);
      await handle.truncate(size);
      await handle.close();

      // Warm a thread first: starting one is a fixed cost, not growth with the file size.
      await hashFile(await writeFixture("warm.bin", seededBytes(MiB, 2)), { readTimeoutMs: TIMEOUT_MS, pool });
      const baseline = rssBytes();
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, rssBytes())), 20);
      let ours: HashResult;
      try {
        ours = await hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool });
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, rssBytes());
      const [coreutils, openssl] = await Promise.all([sha256sumOf(file), opensslOf(file)]);
      expect(ours.sha256).toBe(coreutils);
      expect(ours.sha256).toBe(openssl);
      expect(ours.bytes).toBe(size);
      // Two 4 MiB read buffers; anything near the file size would mean buffering.
      expect(peak - baseline).toBeLessThan(64 * MiB);
    },
    180_000,
  );
});

describe("hashFile reports", () => {
  it("progress from 0 to bytesTotal, a few times per second", async () => {
    const bytes = seededBytes(24 * MiB, 11);
    const file = await writeFixture("progress.bin", bytes);
    const calls: [number, number][] = [];
    const started = performance.now();
    await hashFile(file, {
      readTimeoutMs: TIMEOUT_MS,
      pool,
      chunkBytes: MiB,
      throttle: createThrottle({ bytesPerSecond: 16_000_000 }),
      onProgress: (done, total) => calls.push([done, total]),
    });
    const seconds = (performance.now() - started) / 1000;
    expect(calls[0]).toEqual([0, bytes.length]);
    expect(calls.at(-1)).toEqual([bytes.length, bytes.length]);
    expect(calls.map(([done]) => done)).toEqual([...calls.map(([done]) => done)].sort((a, b) => a - b));
    // At most one call per 250 ms, plus the first and the last.
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(seconds * 4) + 2);
  });

  it("no faster than the throttle allows", async () => {
    const file = await writeFixture("capped.bin", seededBytes(20 * MiB, 12));
    const result = await hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool, chunkBytes: MiB, throttle: createThrottle({ bytesPerSecond: 20 * MiB }) });
    // 20 MiB at 20 MiB/s with a 0.1 s bucket and one read granted ahead: ≥ ~0.85 s.
    expect(result.seconds).toBeGreaterThan(0.8);
    expect(result.seconds).toBeLessThan(1.5);
  });

  it("the file's size, mtime and inode before and after hashing", async () => {
    const file = await writeFixture("stamp.bin", seededBytes(1000, 5));
    const stats = await fsp.stat(file, { bigint: true });
    const result = await hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool });
    const stamp = { size: 1000, mtimeMs: Number(stats.mtimeMs), ino: stats.ino.toString() };
    expect(result.statBefore).toEqual(stamp);
    expect(result.statAfter).toEqual(stamp);
    expect(result.seconds).toBeGreaterThan(0);
  });

  it("a file appended to while it is hashed: the first size's bytes, and a larger statAfter", async () => {
    const bytes = seededBytes(16 * MiB, 6);
    const file = await writeFixture("growing.bin", bytes);
    const hashing = hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool, chunkBytes: MiB, throttle: createThrottle({ bytesPerSecond: 16 * MiB }) });
    await sleep(300);
    await fsp.appendFile(file, "more");
    const result = await hashing;
    expect(result.sha256).toBe(sha256(bytes));
    expect(result.bytes).toBe(bytes.length);
    expect(result.statBefore.size).toBe(bytes.length);
    expect(result.statAfter.size).toBe(bytes.length + 4);
  });

  it("a file replaced by rename while it is hashed: a different inode after", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "model.gguf");
    await fsp.writeFile(file, seededBytes(8 * MiB, 8));
    const hashing = hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool, chunkBytes: MiB, throttle: createThrottle({ bytesPerSecond: 16 * MiB }) });
    await sleep(200);
    await fsp.writeFile(path.join(dir, "new.tmp"), seededBytes(8 * MiB, 9));
    await fsp.rename(path.join(dir, "new.tmp"), file);
    const result = await hashing;
    expect(result.statAfter.ino).not.toBe(result.statBefore.ino);
  });
});

describe("hashFile runs in worker threads", () => {
  it("hashes two files at once, both correctly", async () => {
    const a = seededBytes(12 * MiB, 21);
    const b = seededBytes(12 * MiB + 3, 22);
    const [fileA, fileB] = await Promise.all([writeFixture("a.bin", a), writeFixture("b.bin", b)]);
    const both = Promise.all([hashFile(fileA, { readTimeoutMs: TIMEOUT_MS, pool }), hashFile(fileB, { readTimeoutMs: TIMEOUT_MS, pool })]);
    expect(pool.stats()).toMatchObject({ running: 2, queued: 0 });
    const [ra, rb] = await both;
    expect(ra.sha256).toBe(sha256(a));
    expect(rb.sha256).toBe(sha256(b));
  });

  it("queues files beyond the pool size and hashes them in turn", async () => {
    const single = createHashPool({ size: 1 });
    try {
      const files = await Promise.all([1, 2, 3].map((i) => writeFixture(`q${i}.bin`, seededBytes(MiB, i))));
      const hashing = Promise.all(files.map((f) => hashFile(f, { readTimeoutMs: TIMEOUT_MS, pool: single })));
      expect(single.stats()).toMatchObject({ threads: 1, running: 1, queued: 2 });
      const results = await hashing;
      expect(results.map((r) => r.sha256)).toEqual([1, 2, 3].map((i) => sha256(seededBytes(MiB, i))));
    } finally {
      await single.close();
    }
  });

  it("hashes with the process-wide pool when none is given", async () => {
    const file = await writeFixture("shared.bin", seededBytes(1234, 30));
    expect((await hashFile(file, { readTimeoutMs: TIMEOUT_MS })).sha256).toBe(sha256(seededBytes(1234, 30)));
  });

  it("rejects with a clear error, not a hang, when the worker thread crashes", async () => {
    const dir = await tempDir();
    const workerUrl = new URL(`file://${path.join(dir, "crash-worker.mjs")}`);
    await fsp.writeFile(
      workerUrl,
      `import { parentPort } from "node:worker_threads";\nparentPort.on("message", (m) => { if (m.type === "hash") throw new Error("simulated crash"); });\n`,
    );
    const crashing = createHashPool({ size: 1, workerUrl });
    try {
      const file = await writeFixture("victim.bin", seededBytes(10, 1));
      const error = await rejection(hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool: crashing }));
      expect(error.code).toBe("internal");
      expect(error.retryable).toBe(true);
      expect(error.message).toBe(`The hash worker thread crashed while hashing ${file}: simulated crash`);
      // The dead thread is replaced: the next hash fails the same way instead of waiting forever.
      await expect(hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool: crashing })).rejects.toThrow(/crashed/);
    } finally {
      await crashing.close();
    }
  });

  it("rejects when the worker thread exits in the middle of a hash", async () => {
    const dir = await tempDir();
    const workerUrl = new URL(`file://${path.join(dir, "exit-worker.mjs")}`);
    await fsp.writeFile(workerUrl, `import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => process.exit(7));\n`);
    const exiting = createHashPool({ size: 1, workerUrl });
    try {
      const file = await writeFixture("victim.bin", seededBytes(10, 1));
      await expect(hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool: exiting })).rejects.toThrow(
        `The hash worker thread crashed while hashing ${file}: it exited with code 7`,
      );
    } finally {
      await exiting.close();
    }
  });
});

describe("hashFile cancellation", () => {
  it("stops promptly on abort and rejects with a cancelled error", async () => {
    const file = await writeFixture("slow.bin", seededBytes(64 * MiB, 40));
    const controller = new AbortController();
    const hashing = hashFile(file, {
      readTimeoutMs: TIMEOUT_MS,
      pool,
      chunkBytes: MiB,
      signal: controller.signal,
      throttle: createThrottle({ bytesPerSecond: 16 * MiB }),
    });
    await sleep(300);
    const abortedAt = performance.now();
    controller.abort(new Error("user pressed stop"));
    const error = await rejection(hashing);
    expect(performance.now() - abortedAt).toBeLessThan(100);
    expect(isCancelledError(error)).toBe(true);
    expect(error.code).toBe("unavailable");
    expect(error.message).toBe(`Hashing ${file} was cancelled`);
    // The thread is free again shortly after (it acknowledged the cancel).
    await expect.poll(() => pool.stats().running, { timeout: 1000 }).toBe(0);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const file = await writeFixture("never.bin", seededBytes(10, 1));
    const error = await rejection(hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool, signal: AbortSignal.abort() }));
    expect(isCancelledError(error)).toBe(true);
  });

  it("removes a queued hash on abort without waiting for its turn", async () => {
    const single = createHashPool({ size: 1 });
    try {
      const busy = await writeFixture("busy.bin", seededBytes(8 * MiB, 41));
      const queued = await writeFixture("queued.bin", seededBytes(10, 42));
      const running = hashFile(busy, { readTimeoutMs: TIMEOUT_MS, pool: single, chunkBytes: MiB, throttle: createThrottle({ bytesPerSecond: 8 * MiB }) });
      const controller = new AbortController();
      const waiting = hashFile(queued, { readTimeoutMs: TIMEOUT_MS, pool: single, signal: controller.signal });
      expect(single.stats().queued).toBe(1);
      controller.abort();
      expect(isCancelledError(await rejection(waiting))).toBe(true);
      expect(single.stats().queued).toBe(0);
      await running;
    } finally {
      await single.close();
    }
  });

  it("isCancelledError is false for other failures", async () => {
    const error = await rejection(hashFile(path.join(await tempDir(), "absent.gguf"), { readTimeoutMs: TIMEOUT_MS, pool }));
    expect(isCancelledError(error)).toBe(false);
  });
});

describe("hashFile errors name the file", () => {
  it("ENOENT → not-found", async () => {
    const file = path.join(await tempDir(), "absent.gguf");
    const error = await rejection(hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool }));
    expect(error).toMatchObject({ code: "not-found", message: `${file} does not exist`, retryable: false });
  });

  it("a folder → invalid-input", async () => {
    const dir = await tempDir();
    const error = await rejection(hashFile(dir, { readTimeoutMs: TIMEOUT_MS, pool }));
    expect(error).toMatchObject({ code: "invalid-input", message: `${dir} is a folder, not a file` });
  });

  it("a path through a file (ENOTDIR) → not-found", async () => {
    const file = await writeFixture("plain.bin", seededBytes(1, 1));
    const error = await rejection(hashFile(path.join(file, "inner.gguf"), { readTimeoutMs: TIMEOUT_MS, pool }));
    expect(error.code).toBe("not-found");
    expect(error.message).toContain(path.join(file, "inner.gguf"));
  });

  it("a read that hangs → retryable timeout (local file whose open never returns: a FIFO without writer)", async () => {
    const fifo = path.join(await tempDir(), "hung.gguf");
    await mkfifo(fifo);
    try {
      const started = performance.now();
      const error = await rejection(hashFile(fifo, { readTimeoutMs: 200, pool }));
      expect(performance.now() - started).toBeLessThan(2000);
      expect(error).toMatchObject({
        code: "timeout",
        retryable: true,
        message: `Opening ${fifo} did not answer within 0.2s (hung network mount?)`,
      });
    } finally {
      // Release the open stuck in the thread pool, as a NAS coming back would.
      const writer = await fsp.open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      await writer.close();
    }
  });

  it("relative paths and bad options → invalid-input with exact messages", async () => {
    await expect(hashFile("models/x.gguf", { readTimeoutMs: TIMEOUT_MS, pool })).rejects.toThrow('hashFile needs an absolute path, got "models/x.gguf"');
    const file = await writeFixture("opts.bin", seededBytes(1, 1));
    await expect(hashFile(file, { readTimeoutMs: 0, pool })).rejects.toThrow("readTimeoutMs must be an integer between 1 and 2147483647, got 0");
    await expect(hashFile(file, { readTimeoutMs: TIMEOUT_MS, pool, chunkBytes: 100 })).rejects.toThrow(
      "chunkBytes must be an integer between 4096 and 67108864, got 100",
    );
  });
});

describe("hashReader (pluggable readers)", () => {
  it("hashes a reader's bytes, short reads included, and closes it", async () => {
    const bytes = seededBytes(3 * MiB + 5, 50);
    const reader = memoryReader(bytes, { maxPerRead: 100_000 });
    const result = await hashReader(reader, { readTimeoutMs: TIMEOUT_MS, pool, chunkBytes: 256 * 1024 });
    expect(result.sha256).toBe(sha256(bytes));
    expect(result.statBefore).toEqual({ size: bytes.length, mtimeMs: 1_700_000_000_000, ino: "42" });
    await expect.poll(() => reader.closed).toBe(true);
  });

  it("a read that never returns → retryable timeout naming the reader and the byte", async () => {
    const reader = { ...memoryReader(seededBytes(10 * MiB, 51), { name: "nfs://nas/models/hung.gguf" }), read: () => new Promise<number>(() => undefined) };
    const started = performance.now();
    const error = await rejection(hashReader(reader, { readTimeoutMs: 200, pool }));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({
      code: "timeout",
      retryable: true,
      message: "Reading nfs://nas/models/hung.gguf at byte 0 did not answer within 0.2s (hung network mount?)",
    });
  });

  it("EIO from the reader → io 'unreadable: I/O error at byte N'", async () => {
    const base = memoryReader(seededBytes(16 * MiB, 52), { name: "nfs://nas/bad-sector.gguf" });
    const reader = {
      ...base,
      read: (buffer: Uint8Array, position: number) => (position >= 8 * MiB ? Promise.reject(errnoError("EIO")) : base.read(buffer, position)),
    };
    const error = await rejection(hashReader(reader, { readTimeoutMs: TIMEOUT_MS, pool }));
    expect(error).toMatchObject({ code: "io", message: "nfs://nas/bad-sector.gguf is unreadable: I/O error at byte 8388608" });
    expect(error.details).toMatchObject({ position: 8 * MiB, errno: "EIO" });
  });

  it("EACCES from the reader → forbidden naming the file", async () => {
    const reader = { ...memoryReader(seededBytes(10, 53), { name: "nfs://nas/locked.gguf" }), stat: () => Promise.reject(errnoError("EACCES", "open")) };
    const error = await rejection(hashReader(reader, { readTimeoutMs: TIMEOUT_MS, pool }));
    expect(error.code).toBe("forbidden");
    expect(error.message).toMatch(/^Permission denied for nfs:\/\/nas\/locked\.gguf/);
  });
});
