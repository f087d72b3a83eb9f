// Whole-file reads of small text files (Ollama manifests, template and params
// layers), refusing anything larger than the caller expects.
import { AppError } from "../errors.ts";
import { requireIntegerOption, requireTimeoutMs } from "./require-option.ts";
import { labelledPath, localShareFs, type ShareFileHandle, type ShareFs } from "./share-fs.ts";
import { fsError, withFsTimeout } from "./with-fs-timeout.ts";

/** The whole file is held in memory; anything bigger is not a "small file" and needs a streaming reader. */
export const MAX_SMALL_FILE_BYTES = 64 * 1024 * 1024;

function tooLarge(shownPath: string, sizeBytes: number, maxBytes: number): AppError {
  return new AppError(
    "corrupt-file",
    `${shownPath} is ${sizeBytes} bytes, more than the ${maxBytes} bytes expected for this kind of file`,
    { details: { path: shownPath, sizeBytes, maxBytes } },
  );
}

/**
 * Reads a whole small file from `fs`. Checks the size on the open file first, so an
 * oversized file is refused before any byte is read; a file that grows while it
 * is read fails with a retryable error instead of returning a torn copy.
 */
export async function readSmallFile(absPath: string, maxBytes: number, timeoutMs: number, fs: ShareFs = localShareFs): Promise<Buffer> {
  requireIntegerOption("maxBytes", maxBytes, 0, MAX_SMALL_FILE_BYTES);
  requireTimeoutMs(timeoutMs);
  const shown = labelledPath(fs, absPath);
  const opening = fs.open(absPath);
  let handle: ShareFileHandle;
  try {
    handle = await withFsTimeout(() => opening, timeoutMs, `Opening ${shown}`);
  } catch (error) {
    // If the open completes after we gave up, close that descriptor instead of leaking it.
    opening.then((late) => late.close()).then(undefined, () => undefined);
    throw fsError(error, shown);
  }
  let content: Buffer;
  try {
    content = await readOpened(handle, shown, maxBytes, timeoutMs);
  } catch (error) {
    // The read failure is what the caller needs to hear; a failing close adds nothing.
    handle.close().then(undefined, () => undefined);
    throw error;
  }
  await withFsTimeout(() => handle.close(), timeoutMs, `Closing ${shown}`).catch((error: unknown) => {
    throw fsError(error, shown);
  });
  return content;
}

async function readOpened(handle: ShareFileHandle, shownPath: string, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const stats = await withFsTimeout(() => handle.stat(), timeoutMs, `stat of ${shownPath}`).catch((error: unknown) => {
    throw fsError(error, shownPath);
  });
  if (!stats.isFile()) {
    throw new AppError("invalid-input", `${shownPath} is not a regular file`, { details: { path: shownPath } });
  }
  const expected = Number(stats.size);
  if (expected > maxBytes) throw tooLarge(shownPath, expected, maxBytes);
  // One spare byte tells us whether the file grew after the stat.
  const buffer = Buffer.alloc(expected + 1);
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await withFsTimeout(
      () => handle.read(buffer, filled, buffer.length - filled, filled),
      timeoutMs,
      `Reading ${shownPath}`,
    ).catch((error: unknown) => {
      throw fsError(error, shownPath);
    });
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled > expected) {
    throw new AppError("io", `${shownPath} changed while it was being read (still being written?)`, {
      retryable: true,
      details: { path: shownPath },
    });
  }
  return buffer.subarray(0, filled);
}
