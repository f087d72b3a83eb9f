// Pure rules for what a file or folder name means in a model library. A file
// that is still being copied must never be indexed as a model, so temp names
// are recognised for every copier we know of.

export type NameKind = "gguf" | "temp" | "checksum" | "other";

/** rsync writes to ".<name>.<6 random alphanumerics>" next to the target, then renames. */
const rsyncTemp = /^\..+\.[A-Za-z0-9]{6}$/;

/** Suffixes of browsers, download managers and copy tools that write under a temporary name. */
const tempSuffixes = [
  ".part", // Firefox, curl -C users, many scripts
  ".partial", // generic; also "*.gguf.partial"
  ".tmp",
  ".temp",
  ".download", // Safari, huggingface downloaders
  ".crdownload", // Chromium
  ".filepart", // WinSCP
  ".incomplete", // huggingface_hub cache blobs
  ".aria2", // aria2 control file (the data file beside it is still growing)
  ".!qb", // qBittorrent
];

/** Ollama downloads a blob into "sha256-<hex>-partial" (plus "-partial-N" chunk files), then renames it. */
const ollamaPartial = /^sha256-[0-9a-f]{64}-partial(-\d+)?$/i;

/** Ollama creates new blobs with Go's os.CreateTemp(blobs, "sha256-"): a decimal random suffix. */
const ollamaCreateTemp = /^sha256-\d{1,20}$/;

const ollamaBlob = /^sha256-[0-9a-f]{64}$/;

/** Checksum lists published with models: "SHA256SUMS", "SHA256SUMS.txt", "x.sha256sum",
 * and "<file>.sha256" sidecars. */
const checksumList = /sha256sums|\.sha256sum$/i;
const checksumSidecar = /\.sha256$/i;
/** Signatures of checksum lists (SHA256SUMS.sig, .asc, …) are not lists themselves. */
const checksumSignature = /\.(sig|asc|gpg|sign|minisig)$/i;

/** Classifies a file name (not a path): a GGUF model file, a file still being written, or anything else. */
export function classifyName(fileName: string): NameKind {
  const lower = fileName.toLowerCase();
  if (tempSuffixes.some((suffix) => lower.endsWith(suffix))) return "temp";
  if (ollamaPartial.test(fileName) || ollamaCreateTemp.test(fileName)) return "temp";
  if (rsyncTemp.test(fileName)) return "temp";
  if (lower.endsWith(".gguf") && lower.length > ".gguf".length) return "gguf";
  if (checksumSignature.test(fileName)) return "other";
  if (checksumList.test(fileName) || checksumSidecar.test(fileName)) return "checksum";
  return "other";
}

/**
 * NAS housekeeping folders: thumbnails, recycle bins and snapshot trees. Walking
 * a snapshot tree would list every model a second time (or a hundred times).
 */
const skippedDirNames = new Set([
  "@eadir", // Synology thumbnails / metadata
  "#recycle", // Synology recycle bin
  "#snapshot", // Synology snapshots exposed on the share
  "@recycle", // QNAP recycle bin
  "@recently-snapshot", // QNAP snapshots
  ".@__thumb", // QNAP thumbnails
  ".snapshot", // NetApp and other NFS servers
  ".snapshots", // snapper / btrfs
  ".zfs", // ZFS snapshot directory when snapdir=visible
  "$recycle.bin", // Windows / Samba recycle bin
  ".recycle", // Samba vfs_recycle
  "lost+found",
  ".git", // clones of model repositories: LFS objects duplicate the real files
]);

/** Folders the walker and the watcher never enter. */
export function isSkippedDirName(name: string): boolean {
  const lower = name.toLowerCase();
  if (skippedDirNames.has(lower)) return true;
  // Desktop trash folders on shares: ".Trash", ".Trash-1000".
  if (lower === ".trash" || lower.startsWith(".trash-")) return true;
  // Safari downloads into a "*.download" bundle folder that holds the partial file under its final name.
  return lower.endsWith(".download");
}

/** A finished Ollama blob: "sha256-" and 64 lower-case hex digits. */
export function isOllamaBlobName(name: string): boolean {
  return ollamaBlob.test(name);
}

export interface ShardName {
  /** Everything before "-00001-of-00003.gguf". */
  prefix: string;
  /** 1-based shard number. */
  index: number;
  count: number;
}

const shardPattern = /^(.+)-(\d{5})-of-(\d{5})\.gguf$/i;

/** Parses llama.cpp's split naming "<prefix>-00001-of-00003.gguf"; null for anything else (or index 0 / index > count). */
export function parseShardName(name: string): ShardName | null {
  const match = shardPattern.exec(name);
  if (match === null) return null;
  const [, prefix, indexText, countText] = match;
  if (prefix === undefined || indexText === undefined || countText === undefined) return null;
  const index = Number(indexText);
  const count = Number(countText);
  if (index < 1 || count < 1 || index > count) return null;
  return { prefix, index, count };
}
