import { describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors.ts";
import { formatSeconds, fsError, withFsTimeout } from "../../lib/nfs/with-fs-timeout.ts";
import { errnoError, never } from "./temp-dir.ts";

describe("withFsTimeout", () => {
  it("resolves with the operation's value when it answers in time", async () => {
    await expect(withFsTimeout(async () => 42, 1000, "stat of /x")).resolves.toBe(42);
  });

  it("rejects a never-answering operation quickly with a retryable timeout naming it", async () => {
    const started = Date.now();
    const error = await withFsTimeout(() => never<number>(), 50, "Listing /mnt/models").catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "timeout", retryable: true });
    expect((error as AppError).message).toBe("Listing /mnt/models did not answer within 0.05s (hung network mount?)");
  });

  it("states whole seconds without decimals", () => {
    expect(formatSeconds(15_000)).toBe("15s");
  });

  it("passes the operation's own failure through unchanged", async () => {
    const failure = errnoError("ENOENT");
    await expect(withFsTimeout(() => Promise.reject(failure), 1000, "stat of /x")).rejects.toBe(failure);
  });

  it("refuses a timeout that is not a positive integer", async () => {
    await expect(withFsTimeout(async () => 1, 0, "stat of /x")).rejects.toMatchObject({ code: "invalid-input" });
  });
});

describe("fsError", () => {
  it.each([
    ["ENOENT", "not-found", false, "/m/a.gguf does not exist"],
    ["ENOTDIR", "not-found", false, "part of the path is a file"],
    ["EACCES", "forbidden", false, "Permission denied for /m/a.gguf"],
    ["EIO", "io", true, "I/O error on /m/a.gguf"],
    ["ESTALE", "unavailable", true, "Stale file handle for /m/a.gguf"],
    ["ELOOP", "invalid-input", false, "symlink loop"],
    ["ENOTCONN", "unavailable", true, "remount the share"],
  ])("maps %s to AppError %s (retryable: %s)", (errno, code, retryable, text) => {
    const error = fsError(errnoError(errno), "/m/a.gguf");
    expect(error).toMatchObject({ code, retryable, details: { path: "/m/a.gguf", errno, syscall: "stat" } });
    expect(error.message).toContain(text);
  });

  it("keeps the original error as the cause", () => {
    const original = errnoError("EIO");
    expect(fsError(original, "/m").cause).toBe(original);
  });

  it("returns an AppError (such as a timeout) unchanged", () => {
    const timeout = new AppError("timeout", "stat did not answer", { retryable: true });
    expect(fsError(timeout, "/m")).toBe(timeout);
  });

  it("reports an unknown errno as a retryable io error with the original message", () => {
    const error = fsError(errnoError("EWEIRD", "read"), "/m/a.gguf");
    expect(error).toMatchObject({ code: "io", retryable: true });
    expect(error.message).toBe("read failed for /m/a.gguf: EWEIRD: simulated");
  });
});
