// A token bucket shared by every hash in a process: the admin's bandwidth cap
// ("spare the NAS") is for all reads together, not per file. Each read first
// acquires its size in bytes; the rate can change at runtime from the settings.
import { AppError } from "../errors.ts";
import { cancelledError } from "./cancelled-error.ts";

/**
 * The bucket holds at most this many seconds of the rate: after an idle spell a
 * reader may burst this much, no more. Small, so a cap measured over a few
 * seconds stays within a few percent (0.1 s over 2 s is +5 % at worst).
 */
export const BURST_SECONDS = 0.1;

export interface Throttle {
  /**
   * Resolves once `bytes` may be read. Waiters are served in order. A request larger
   * than the bucket is granted when the bucket is full and leaves it in debt, so any
   * read size keeps the long-run rate. Rejects with a cancelled error (see
   * isCancelledError) when `signal` aborts first.
   */
  acquire(bytes: number, signal?: AbortSignal): Promise<void>;
  /** New cap in bytes per second, or null for unlimited; waiters are re-timed at once. */
  setRate(bytesPerSecond: number | null): void;
  readonly bytesPerSecond: number | null;
}

export interface ThrottleOptions {
  /** Bytes per second for all acquirers together; null = unlimited. */
  bytesPerSecond: number | null;
  /** Clock in ms; injectable for tests of the arithmetic. */
  now?: () => number;
}

interface Waiter {
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
  detach: () => void;
}

function requireRate(value: number | null): number | null {
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new AppError("invalid-input", `bytesPerSecond must be a positive number or null (unlimited), got ${String(value)}`, {
      details: { option: "bytesPerSecond", value },
    });
  }
  return value;
}

export function createThrottle(options: ThrottleOptions): Throttle {
  const now = options.now ?? (() => performance.now());
  let rate = requireRate(options.bytesPerSecond);
  let capacity = rate === null ? 0 : rate * BURST_SECONDS;
  let tokens = capacity;
  let last = now();
  let timer: NodeJS.Timeout | undefined;
  const queue: Waiter[] = [];

  function refill(): void {
    const t = now();
    if (rate !== null) tokens = Math.min(capacity, tokens + (rate * (t - last)) / 1000);
    last = t;
  }

  function pump(): void {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    refill();
    for (;;) {
      const head = queue[0];
      if (head === undefined) return;
      if (rate !== null) {
        const need = Math.min(head.bytes, capacity);
        if (tokens < need) {
          // +1 ms: setTimeout may fire a hair early relative to performance.now().
          timer = setTimeout(pump, Math.ceil(((need - tokens) / rate) * 1000) + 1);
          return;
        }
        tokens -= head.bytes;
      }
      queue.shift();
      head.detach();
      head.resolve();
    }
  }

  return {
    get bytesPerSecond() {
      return rate;
    },

    acquire(bytes: number, signal?: AbortSignal): Promise<void> {
      if (!Number.isFinite(bytes) || bytes < 0) {
        return Promise.reject(new AppError("invalid-input", `bytes must be a non-negative number, got ${String(bytes)}`));
      }
      if (signal?.aborted) return Promise.reject(cancelledError("Waiting for hashing bandwidth was cancelled", signal.reason));
      if (bytes === 0 || (rate === null && queue.length === 0)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          reject(cancelledError("Waiting for hashing bandwidth was cancelled", signal?.reason));
          // The head may have changed: the next waiter must not wait for the one that left.
          pump();
        };
        const waiter: Waiter = {
          bytes,
          resolve,
          reject,
          detach: () => signal?.removeEventListener("abort", onAbort),
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(waiter);
        if (queue.length === 1) pump();
      });
    },

    setRate(bytesPerSecond: number | null): void {
      const next = requireRate(bytesPerSecond);
      refill();
      const wasUnlimited = rate === null;
      rate = next;
      capacity = rate === null ? 0 : rate * BURST_SECONDS;
      // Leaving "unlimited" starts with a full bucket, like a new throttle.
      tokens = wasUnlimited ? capacity : Math.min(tokens, capacity);
      pump();
    },
  };
}
