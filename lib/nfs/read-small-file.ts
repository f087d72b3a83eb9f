// Whole-file reads of small text files (Ollama manifests, template and params
// layers), refusing anything larger than the caller expects.
import { promises as fsp } from "node:fs";
import { AppError } from "../errors.ts";
import { requireIntegerOption, requireTimeoutMs } from "./require-option.ts";
import { fsError, withFsTimeout } from "./with-fs-timeout.ts";

/** The whole file is held in memory; anything bigger is not a "small file" and needs a streaming reader. */
export const MAX_SMALL_FILE_BYTES = 64 * 1024 * 1024;

function tooLarge(absPath: string, sizeBytes: number, maxBytes: number): AppError {
  return new AppError(
    "corrupt-file",
    `${absPath} is ${sizeBytes} bytes, more than the ${maxBytes} bytes expected for this kind of file`,
    { details: { path: absPath, sizeBytes, maxBytes } },
  );
}

/**
 * Reads a whole small file. Checks the size on the open descriptor first, so an
 * oversized file is refused before any byte is read; a file that grows while it
 * is read fails with a retryable error instead of returning a torn copy.
 */
export async function readSmallFile(absPath: string, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  requireIntegerOption("maxBytes", maxBytes, 0, MAX_SMALL_FILE_BYTES);
  requireTimeoutMs(timeoutMs);
  const opening = fsp.open(absPath, "r");
  let handle: fsp.FileHandle;
  try {
    handle = await withFsTimeout(() => opening, timeoutMs, `Opening ${absPath}`);
  } catch (error) {
    // If the open completes after we gave up, close that descriptor instead of leaking it.
    opening.then((late) => late.close()).then(undefined, () => undefined);
    throw fsError(error, absPath);
  }
  let content: Buffer;
  try {
    content = await readOpened(handle, absPath, maxBytes, timeoutMs);
  } catch (error) {
    // The read failure is what the caller needs to hear; a failing close adds nothing.
    handle.close().then(undefined, () => undefined);
    throw error;
  }
  await withFsTimeout(() => handle.close(), timeoutMs, `Closing ${absPath}`).catch((error: unknown) => {
    throw fsError(error, absPath);
  });
  return content;
}

async function readOpened(handle: fsp.FileHandle, absPath: string, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const stats = await withFsTimeout(() => handle.stat(), timeoutMs, `stat of ${absPath}`).catch((error: unknown) => {
    throw fsError(error, absPath);
  });
  if (!stats.isFile()) {
    throw new AppError("invalid-input", `${absPath} is not a regular file`, { details: { path: absPath } });
  }
  if (stats.size > maxBytes) throw tooLarge(absPath, stats.size, maxBytes);
  const expected = Number(stats.size);
  // One spare byte tells us whether the file grew after the stat.
  const buffer = Buffer.alloc(expected + 1);
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await withFsTimeout(
      () => handle.read(buffer, filled, buffer.length - filled, filled),
      timeoutMs,
      `Reading ${absPath}`,
    ).catch((error: unknown) => {
      throw fsError(error, absPath);
    });
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled > expected) {
    throw new AppError("io", `${absPath} changed while it was being read (still being written?)`, {
      retryable: true,
      details: { path: absPath },
    });
  }
  return buffer.subarray(0, filled);
}
