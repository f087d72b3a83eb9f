import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { isCancelledError } from "../../lib/hashing/cancelled-error.ts";
import { createThrottle, type Throttle } from "../../lib/hashing/throttle.ts";

const MiB = 1024 * 1024;

/** Acquires `chunk`-sized pieces until `seconds` have passed; returns the achieved bytes per second. */
async function drain(throttle: Throttle, chunk: number, seconds: number): Promise<{ rate: number; bytes: number }> {
  const started = performance.now();
  let bytes = 0;
  while (performance.now() - started < seconds * 1000) {
    await throttle.acquire(chunk);
    bytes += chunk;
  }
  return { rate: bytes / ((performance.now() - started) / 1000), bytes };
}

describe("createThrottle", () => {
  it("holds 50 MB/s within ±10 % over 2 s", async () => {
    const { rate } = await drain(createThrottle({ bytesPerSecond: 50_000_000 }), MiB, 2);
    expect(rate).toBeGreaterThan(45_000_000);
    expect(rate).toBeLessThan(55_000_000);
  });

  it("shares one cap between concurrent acquirers, fairly", async () => {
    const throttle = createThrottle({ bytesPerSecond: 40_000_000 });
    const started = performance.now();
    const [a, b] = await Promise.all([drain(throttle, MiB, 2), drain(throttle, MiB, 2)]);
    const total = (a.bytes + b.bytes) / ((performance.now() - started) / 1000);
    expect(total).toBeGreaterThan(36_000_000);
    expect(total).toBeLessThan(44_000_000);
    expect(Math.abs(a.bytes - b.bytes)).toBeLessThanOrEqual(2 * MiB);
  });

  it("setRate changes the speed at runtime, waiters included", async () => {
    const throttle = createThrottle({ bytesPerSecond: 10_000_000 });
    await throttle.acquire(1_000_000); // empties the bucket
    const waiting = throttle.acquire(5_000_000); // 0.5 s at 10 MB/s
    await sleep(50);
    const changedAt = performance.now();
    throttle.setRate(100_000_000);
    await waiting;
    expect(performance.now() - changedAt).toBeLessThan(150);
    const { rate } = await drain(throttle, MiB, 1);
    expect(rate).toBeGreaterThan(90_000_000);
    expect(rate).toBeLessThan(110_000_000);
    expect(throttle.bytesPerSecond).toBe(100_000_000);
  });

  it("null means unlimited, and setRate(null) releases waiters at once", async () => {
    const unlimited = createThrottle({ bytesPerSecond: null });
    const started = performance.now();
    for (let i = 0; i < 1000; i++) await unlimited.acquire(4 * MiB);
    expect(performance.now() - started).toBeLessThan(200);

    const capped = createThrottle({ bytesPerSecond: 1_000_000 });
    await capped.acquire(100_000);
    const waiting = capped.acquire(10_000_000); // 10 s at the cap
    capped.setRate(null);
    const releasedAt = performance.now();
    await waiting;
    expect(performance.now() - releasedAt).toBeLessThan(50);
  });

  it("a read larger than the burst is granted, and the debt keeps the long-run rate", async () => {
    const throttle = createThrottle({ bytesPerSecond: 20_000_000 }); // bucket: 2 MB
    const started = performance.now();
    for (let i = 0; i < 3; i++) await throttle.acquire(4 * MiB);
    // The first is served from the full bucket, the next two each wait ~4.2 MB / 20 MB/s.
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeGreaterThan(0.38);
    expect(seconds).toBeLessThan(0.6);
  });

  it("abort while waiting rejects with a cancelled error and does not delay the next waiter", async () => {
    const throttle = createThrottle({ bytesPerSecond: 10_000_000 });
    await throttle.acquire(1_000_000);
    const controller = new AbortController();
    const first = throttle.acquire(5_000_000, controller.signal); // would take 0.5 s
    const second = throttle.acquire(500_000); // 0.05 s once the first has left
    const abortedAt = performance.now();
    controller.abort();
    const error: unknown = await first.then(() => undefined, (e: unknown) => e);
    expect(isCancelledError(error)).toBe(true);
    await second;
    expect(performance.now() - abortedAt).toBeLessThan(150);
  });

  it("rejects an already aborted signal without taking tokens", async () => {
    const throttle = createThrottle({ bytesPerSecond: 1_000_000 });
    await expect(throttle.acquire(10, AbortSignal.abort())).rejects.toSatisfy(isCancelledError);
    const started = performance.now();
    await throttle.acquire(100_000); // the full bucket is still there
    expect(performance.now() - started).toBeLessThan(20);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])("refuses a rate of %s with an exact message", (rate) => {
    const message = `bytesPerSecond must be a positive number or null (unlimited), got ${String(rate)}`;
    expect(() => createThrottle({ bytesPerSecond: rate })).toThrow(message);
    expect(() => createThrottle({ bytesPerSecond: 1 }).setRate(rate)).toThrow(message);
  });

  it("refuses a negative acquire", async () => {
    await expect(createThrottle({ bytesPerSecond: 1 }).acquire(-1)).rejects.toThrow("bytes must be a non-negative number, got -1");
  });
});
