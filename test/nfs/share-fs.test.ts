import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { AppError } from "../../lib/errors.ts";
import { detectLibraryKind } from "../../lib/nfs/detect-library-kind.ts";
import { listOllamaBlobs, listOllamaManifests } from "../../lib/nfs/list-ollama-manifests.ts";
import { openFileSource } from "../../lib/nfs/open-file-source.ts";
import { readSmallFile } from "../../lib/nfs/read-small-file.ts";
import { localShareFs, type ShareDirent, type ShareFs, type ShareStats } from "../../lib/nfs/share-fs.ts";
import { statFile } from "../../lib/nfs/stat-file.ts";
import { walkLibrary } from "../../lib/nfs/walk-library.ts";
import { errnoError, never } from "./temp-dir.ts";

// node:fs is replaced by one that always fails, so a passing test proves that
// nothing below reached the local disk: every byte came from the fake share.
vi.mock("node:fs", () => {
  const refuse = (): Promise<never> => Promise.reject(new Error("node:fs is not available in this test"));
  const promises = { stat: refuse, opendir: refuse, readdir: refuse, open: refuse };
  return { promises, default: { promises } };
});

const timeoutMs = 5000;
const MTIME_MS = 1_700_000_000_000n;

type FakeNode = { kind: "dir" } | { kind: "file"; content: Uint8Array } | { kind: "link"; target: string };
type Fault = string | "hang";

interface FakeShareOptions {
  /** Absolute path → file content, or { link } for a symlink; parent folders are implied. */
  files: Record<string, string | { link: string }>;
  /** Errno (or "hang") thrown by stat() of a path, as a failing NAS disk would. */
  statFaults?: Record<string, Fault>;
  /** Errno (or "hang") thrown when a folder is listed (opendir and readdir). */
  listFaults?: Record<string, Fault>;
}

interface FakeShare extends ShareFs {
  /** Files opened and not yet closed. */
  openHandles(): number;
  /** Bytes handed out by read() on every handle. */
  bytesServed(): number;
}

/**
 * An in-memory share as an NFS client would present it: POSIX paths, bigint stats,
 * errno-coded failures, and reads that return at most 5 bytes per call (servers
 * answer short reads; callers must loop).
 */
function fakeShare(label: string, options: FakeShareOptions): FakeShare {
  const nodes = new Map<string, FakeNode>([["/", { kind: "dir" }]]);
  const inodes = new Map<string, bigint>([["/", 1n]]);
  for (const [filePath, content] of Object.entries(options.files)) {
    for (let dir = path.posix.dirname(filePath); !nodes.has(dir); dir = path.posix.dirname(dir)) nodes.set(dir, { kind: "dir" });
    nodes.set(filePath, typeof content === "string" ? { kind: "file", content: new TextEncoder().encode(content) } : { kind: "link", target: content.link });
  }
  for (const p of [...nodes.keys()].sort()) if (!inodes.has(p)) inodes.set(p, BigInt(inodes.size + 1));
  let open = 0;
  let served = 0;

  const fail = (fault: Fault | undefined, syscall: string): Promise<never> | undefined => {
    if (fault === undefined) return undefined;
    return fault === "hang" ? never() : Promise.reject(errnoError(fault, syscall));
  };
  /** The node at `p` and its real path, following symlinks like stat(2). */
  const resolve = (p: string, syscall: string, hops = 0): { node: FakeNode; realPath: string } => {
    const node = nodes.get(p);
    if (node === undefined) {
      for (let dir = path.posix.dirname(p); dir !== "/"; dir = path.posix.dirname(dir)) {
        if (nodes.get(dir)?.kind === "file") throw errnoError("ENOTDIR", syscall);
      }
      throw errnoError("ENOENT", syscall);
    }
    if (node.kind !== "link") return { node, realPath: p };
    if (hops > 8) throw errnoError("ELOOP", syscall);
    return resolve(node.target, syscall, hops + 1);
  };
  const statsOf = (node: FakeNode, realPath: string): ShareStats => ({
    isFile: () => node.kind === "file",
    isDirectory: () => node.kind === "dir",
    size: node.kind === "file" ? BigInt(node.content.length) : 4096n,
    mtimeMs: MTIME_MS + (inodes.get(realPath) ?? 0n),
    ino: inodes.get(realPath) ?? 0n,
    dev: 42n,
  });
  const list = (dirPath: string, syscall: string): Promise<ShareDirent[]> => {
    const faulty = fail(options.listFaults?.[dirPath], syscall);
    if (faulty) return faulty;
    try {
      if (resolve(dirPath, syscall).node.kind !== "dir") throw errnoError("ENOTDIR", syscall);
    } catch (error) {
      return Promise.reject(error);
    }
    const entries = [...nodes.entries()]
      .filter(([p]) => p !== "/" && path.posix.dirname(p) === dirPath)
      .map(([p, node]) => ({
        name: path.posix.basename(p),
        isFile: () => node.kind === "file",
        isDirectory: () => node.kind === "dir",
        isSymbolicLink: () => node.kind === "link",
      }));
    return Promise.resolve(entries);
  };

  return {
    label,
    openHandles: () => open,
    bytesServed: () => served,
    stat: async (p) => {
      await (fail(options.statFaults?.[p], "stat") ?? Promise.resolve());
      const { node, realPath } = resolve(p, "stat");
      return statsOf(node, realPath);
    },
    readdir: (p) => list(p, "readdir"),
    opendir: async (p) => {
      const pending = await list(p, "opendir");
      return { read: async () => pending.shift() ?? null, close: async () => undefined };
    },
    open: async (p) => {
      const { node, realPath } = resolve(p, "open");
      open++;
      let closed = false;
      return {
        stat: async () => statsOf(node, realPath),
        read: async (buffer, offset, length, position) => {
          if (node.kind !== "file") throw errnoError("EISDIR", "read");
          const chunk = node.content.subarray(position, position + Math.min(length, 5));
          buffer.set(chunk, offset);
          served += chunk.length;
          return { bytesRead: chunk.length };
        },
        close: async () => {
          if (!closed) open--;
          closed = true;
        },
      };
    },
  };
}

const digest = (c: string): string => c.repeat(64);
const MODELS = "/volume1/models";
const STORE = "/volume1/ollama/models";

/** A NAS export holding a GGUF folder, an Ollama store and a ".ollama" folder, with a few broken corners. */
function nas(extra: Partial<FakeShareOptions> = {}): FakeShare {
  return fakeShare("nfs://nas", {
    files: {
      [`${MODELS}/top.gguf`]: "GGUF0123456789",
      [`${MODELS}/TheBloke/Llama-3-8B/llama-3-8b.Q4_K_M.gguf`]: "GGUF-llama",
      [`${MODELS}/.qwen.gguf.Xy12Ab`]: "GG",
      [`${MODELS}/mistral.gguf.part`]: "GGUF",
      [`${MODELS}/alias.gguf`]: { link: `${MODELS}/top.gguf` },
      [`${MODELS}/README.md`]: "# models",
      [`${MODELS}/locked/secret.gguf`]: "GGUF",
      [`${MODELS}/bad.gguf`]: "GGUF",
      [`${STORE}/manifests/registry.ollama.ai/library/qwen2.5/latest`]: '{"schemaVersion":2}',
      [`${STORE}/manifests/registry.ollama.ai/library/qwen2.5/.latest.swp`]: "",
      [`${STORE}/manifests/registry.ollama.ai/me/foo/bar`]: "{}",
      [`${STORE}/blobs/sha256-${digest("a")}`]: "GGUF....",
      [`${STORE}/blobs/sha256-${digest("b")}`]: "{}",
      [`${STORE}/blobs/sha256-${digest("c")}-partial`]: "GG",
      [`${STORE}/blobs/README`]: "",
      "/volume1/.ollama/models/manifests/registry.ollama.ai/library/x/latest": "{}",
      "/volume1/.ollama/models/blobs/README": "",
      ...extra.files,
    },
    statFaults: { [`${MODELS}/bad.gguf`]: "EIO", ...extra.statFaults },
    listFaults: { [`${MODELS}/locked`]: "EACCES", ...extra.listFaults },
  });
}

async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe("lib/nfs over an injected ShareFs", () => {
  it("cannot reach the local disk in this file, so every result below came from the fake share", async () => {
    await expect(localShareFs.stat("/")).rejects.toThrow("node:fs is not available");
  });
});

describe("walkLibrary on a ShareFs", () => {
  it("lists GGUF and temp files with sizes, inodes and symlink flags from the share", async () => {
    const { files } = await walkLibrary(MODELS, { timeoutMs, fs: nas() });
    expect(files.map((f) => [f.relPath, f.kind, f.sizeBytes, f.viaSymlink])).toEqual([
      [".qwen.gguf.Xy12Ab", "temp", 2, false],
      ["TheBloke/Llama-3-8B/llama-3-8b.Q4_K_M.gguf", "gguf", 10, false],
      ["alias.gguf", "gguf", 14, true],
      ["mistral.gguf.part", "temp", 4, false],
      ["top.gguf", "gguf", 14, false],
    ]);
    expect(files.find((f) => f.relPath === "alias.gguf")?.ino).toBe(files.find((f) => f.relPath === "top.gguf")?.ino);
    expect(files[0]).toMatchObject({ dev: "42", mtimeMs: Number(MTIME_MS) + Number(files[0]?.ino) });
  });

  it("reports an EACCES folder and an EIO file as skipped, naming them with the share's label", async () => {
    const { skipped, counts } = await walkLibrary(MODELS, { timeoutMs, fs: nas() });
    expect(skipped).toMatchObject([
      { relPath: "bad.gguf", reason: "unreadable-file", errno: "EIO" },
      { relPath: "locked", reason: "unreadable-dir", errno: "EACCES" },
    ]);
    expect(skipped[0]?.message).toContain("I/O error on nfs://nas/volume1/models/bad.gguf");
    expect(skipped[1]?.message).toContain("Permission denied for nfs://nas/volume1/models/locked");
    expect(counts.otherFiles).toBe(1);
  });

  it("fails as unavailable naming the labelled root when the export path does not exist", async () => {
    const error = await failureOf(walkLibrary("/volume1/nope", { timeoutMs, fs: nas() }));
    expect(error).toMatchObject({ code: "unavailable", details: { reason: "missing", path: "nfs://nas/volume1/nope" } });
    expect(error.message).toBe("Library root nfs://nas/volume1/nope does not exist (is the share mounted, and is the path right?)");
  });

  it("fails with a timeout naming the labelled file when a stat on the share hangs", async () => {
    const fs = nas({ statFaults: { [`${MODELS}/top.gguf`]: "hang" } });
    const error = await failureOf(walkLibrary(MODELS, { timeoutMs: 50, fs }));
    expect(error).toMatchObject({ code: "timeout", retryable: true });
    expect(error.message).toBe("stat of nfs://nas/volume1/models/top.gguf did not answer within 0.05s (hung network mount?)");
  });
});

describe("statFile on a ShareFs", () => {
  it("returns size, whole-millisecond mtime, inode and device of a share file", async () => {
    const stat = await statFile(`${MODELS}/top.gguf`, timeoutMs, nas());
    expect(stat).toEqual({ sizeBytes: 14, mtimeMs: expect.any(Number), ino: expect.stringMatching(/^\d+$/), dev: "42" });
    expect(Number.isInteger(stat?.mtimeMs)).toBe(true);
  });

  it("returns null for a missing file and for a path through a file", async () => {
    const fs = nas();
    expect(await statFile(`${MODELS}/gone.gguf`, timeoutMs, fs)).toBeNull();
    expect(await statFile(`${MODELS}/top.gguf/inner.gguf`, timeoutMs, fs)).toBeNull();
  });

  it("fails with a retryable I/O error naming the labelled path when the share answers EIO", async () => {
    const error = await failureOf(statFile(`${MODELS}/bad.gguf`, timeoutMs, nas()));
    expect(error).toMatchObject({ code: "io", retryable: true, details: { path: "nfs://nas/volume1/models/bad.gguf", errno: "EIO" } });
    expect(error.message).toContain("nfs://nas/volume1/models/bad.gguf");
  });
});

describe("openFileSource on a ShareFs", () => {
  const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");

  it("reads the requested bytes at any position although the share answers in short reads", async () => {
    const source = await openFileSource(`${MODELS}/top.gguf`, { timeoutMs, fs: nas() });
    expect(source.size).toBe(14);
    expect(text(await source.read(2, 10))).toBe("UF01234567");
    expect(text(await source.read(0, 4))).toBe("GGUF");
    await source.close();
  });

  it("counts the bytes it returned and returns fewer only at the end of the file", async () => {
    const source = await openFileSource(`${MODELS}/top.gguf`, { timeoutMs, fs: nas() });
    expect(text(await source.read(10, 100))).toBe("6789");
    expect(await source.read(14, 10)).toHaveLength(0);
    expect(source.bytesRead).toBe(4);
    await source.close();
  });

  it("releases the share's file handle on close", async () => {
    const fs = nas();
    const source = await openFileSource(`${MODELS}/top.gguf`, { timeoutMs, fs });
    expect(fs.openHandles()).toBe(1);
    await source.close();
    expect(fs.openHandles()).toBe(0);
  });

  it("refuses a folder naming the labelled path, and leaves no handle open", async () => {
    const fs = nas();
    const error = await failureOf(openFileSource(`${MODELS}/TheBloke`, { timeoutMs, fs }));
    expect(error).toMatchObject({ code: "invalid-input", message: "nfs://nas/volume1/models/TheBloke is not a regular file" });
    expect(fs.openHandles()).toBe(0);
  });

  it("fails with not-found naming the labelled path for a missing file", async () => {
    const error = await failureOf(openFileSource(`${MODELS}/no.gguf`, { timeoutMs, fs: nas() }));
    expect(error).toMatchObject({ code: "not-found", message: "nfs://nas/volume1/models/no.gguf does not exist" });
  });
});

describe("readSmallFile on a ShareFs", () => {
  const manifest = `${STORE}/manifests/registry.ollama.ai/library/qwen2.5/latest`;

  it("reads a whole small file through several short reads and closes it", async () => {
    const fs = nas();
    expect((await readSmallFile(manifest, 1024, timeoutMs, fs)).toString("utf8")).toBe('{"schemaVersion":2}');
    expect(fs.openHandles()).toBe(0);
  });

  it("refuses a file larger than maxBytes before reading any byte, naming the labelled path", async () => {
    const fs = nas();
    const error = await failureOf(readSmallFile(manifest, 8, timeoutMs, fs));
    expect(error).toMatchObject({ code: "corrupt-file", details: { sizeBytes: 19, maxBytes: 8 } });
    expect(error.message).toBe(
      "nfs://nas/volume1/ollama/models/manifests/registry.ollama.ai/library/qwen2.5/latest is 19 bytes, more than the 8 bytes expected for this kind of file",
    );
    expect(fs.bytesServed()).toBe(0);
    expect(fs.openHandles()).toBe(0);
  });
});

describe("detectLibraryKind on a ShareFs", () => {
  it("recognises an Ollama store and a plain GGUF folder on the share", async () => {
    const fs = nas();
    expect(await detectLibraryKind(STORE, timeoutMs, fs)).toBe("ollama");
    expect(await detectLibraryKind(MODELS, timeoutMs, fs)).toBe("gguf-dir");
  });

  it("refuses a '.ollama' folder and suggests its models folder as an nfs:// root", async () => {
    const error = await failureOf(detectLibraryKind("/volume1/.ollama", timeoutMs, nas()));
    expect(error).toMatchObject({ code: "invalid-input", details: { suggestedRoot: "nfs://nas/volume1/.ollama/models" } });
    expect(error.message).toBe('nfs://nas/volume1/.ollama looks like Ollama\'s ".ollama" folder; use nfs://nas/volume1/.ollama/models as the library root');
  });
});

describe("listOllamaManifests and listOllamaBlobs on a ShareFs", () => {
  it("lists manifests four levels below manifests/ with their size and mtime", async () => {
    const manifests = await listOllamaManifests(STORE, timeoutMs, nas());
    expect(manifests.map((m) => [m.relPath, m.host, m.namespace, m.model, m.tag, m.sizeBytes])).toEqual([
      ["manifests/registry.ollama.ai/library/qwen2.5/latest", "registry.ollama.ai", "library", "qwen2.5", "latest", 19],
      ["manifests/registry.ollama.ai/me/foo/bar", "registry.ollama.ai", "me", "foo", "bar", 2],
    ]);
    expect(manifests[0]?.mtimeMs).toBeGreaterThan(Number(MTIME_MS));
  });

  it("lists finished blobs and partial downloads separately and counts strays", async () => {
    const listing = await listOllamaBlobs(STORE, timeoutMs, nas());
    expect(listing.blobs.map((b) => [b.digestHex, b.sizeBytes])).toEqual([
      [digest("a"), 8],
      [digest("b"), 2],
    ]);
    expect(listing.temps.map((t) => t.name)).toEqual([`sha256-${digest("c")}-partial`]);
    expect(listing.otherCount).toBe(1);
  });

  it("fails as unavailable naming the labelled folder when manifests/ cannot be read", async () => {
    const fs = nas({ listFaults: { [`${STORE}/manifests`]: "EACCES" } });
    const error = await failureOf(listOllamaManifests(STORE, timeoutMs, fs));
    expect(error).toMatchObject({ code: "unavailable", details: { reason: "permission-denied", path: "nfs://nas/volume1/ollama/models/manifests" } });
    expect(error.message).toMatch(/^Ollama store folder nfs:\/\/nas\/volume1\/ollama\/models\/manifests cannot be read: permission denied/);
  });
});
