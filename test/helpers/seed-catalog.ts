// A small, deterministic catalogue for query and browser tests: three
// libraries (one unavailable after the mount-loss guard tripped), six models
// covering every state and both kinds of location, scan runs, and problem files;
// and for verification: every verify state, expected hashes (one disagreeing),
// history, checksum-file problems, jobs in every state, scrub runs and one
// duplicate (the Qwen 7B file and its byte-identical Ollama blob); for the NAS
// check: an nfs:// library read with the built-in client, one finished check
// with a failed step and one check whose job failed; for planning: a saved
// storage scenario and two host profiles (a 24 GB GPU workstation, a 64 GB Mac).
import { createHash } from "node:crypto";
import type { Db } from "../../lib/db/client.ts";

const GiB = 2 ** 30;
const MiB = 2 ** 20;
/** Dates are relative to seeding time so ages read naturally ("10 min ago"); tests assert durations, not dates. */
const seededAt = Date.now();
const minutesAgo = (m: number) => new Date(seededAt - m * 60_000);

const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const LLAMA3_TEMPLATE =
  "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

/** Long arrays are stored summarised by the header reader (GgufArray with `head`). */
const tokenList = (length: number, head: string[]) => ({ kind: "array", elementType: 8, length, head, truncated: true });

const nfsMount = (source: string, mountPoint: string, warnings: string[] = []) =>
  JSON.stringify({
    mountPoint,
    source,
    fsType: "nfs4",
    isNetwork: true,
    nfsVersion: "4.1",
    options: {
      readOnly: false,
      failureMode: "hard",
      vers: "4.1",
      rsize: 1_048_576,
      wsize: 1_048_576,
      timeo: 600,
      retrans: 2,
      actimeo: null,
      acregmin: 3,
      acregmax: 60,
      acdirmin: null,
      acdirmax: null,
      noac: false,
      proto: "tcp",
      lookupcache: null,
      nconnect: null,
      sec: "sys",
      serverAddress: "192.168.1.20",
      cache: null,
    },
    warnings,
    statfs: { totalBytes: 16 * 1024 * GiB, freeBytes: 5 * 1024 * GiB, availableBytes: 4.5 * 1024 * GiB },
  });

/** An nfs:// root: uid/gid of the Synology user that owns the models, MOUNT on Synology's fixed port. */
export const NFS_LIBRARY_URL = "nfs://nas.lan/volume1/models/staging?uid=1026&gid=100&mountport=892";

/** What the scanner records for an nfs:// root (lib/catalog/open-library-root.ts): facts from FSINFO and FSSTAT. */
const builtInClientMount = JSON.stringify({
  mountPoint: "nfs://nas.lan/volume1/models/staging",
  source: "nas.lan:/volume1/models",
  fsType: "nfs3 (built-in client)",
  isNetwork: true,
  nfsVersion: "3",
  options: {
    readOnly: true,
    failureMode: "soft",
    vers: "3",
    rsize: 131_072,
    wsize: 131_072,
    timeo: 150,
    retrans: null,
    actimeo: null,
    acregmin: null,
    acregmax: null,
    acdirmin: null,
    acdirmax: null,
    noac: true,
    proto: "tcp",
    lookupcache: null,
    nconnect: null,
    sec: "sys (uid 1026, gid 100)",
    serverAddress: "nas.lan",
    cache: null,
  },
  warnings: [],
  statfs: { totalBytes: 16 * 1024 * GiB, freeBytes: 5 * 1024 * GiB, availableBytes: 4.5 * 1024 * GiB },
});

interface ModelSeed {
  fingerprint: string;
  displayName: string;
  name?: string;
  basename?: string;
  sizeLabel?: string;
  finetune?: string;
  architecture: string;
  parameterCount: bigint;
  fileType: string;
  fileTypeSource?: string;
  contextLength: number;
  embeddingLength: number;
  blockCount: number;
  headCount: number;
  headCountKv: number;
  vocabSize: number;
  tokenizerModel: string;
  chatTemplate?: string;
  license?: string;
  totalBytes: bigint;
  shardCount?: number;
  tensorTypes: Record<string, { count: number; bytes: number }>;
  metadata: Record<string, unknown>;
  problems?: unknown[];
}

async function createModel(db: Db, seed: ModelSeed) {
  const tensorCount = Object.values(seed.tensorTypes).reduce((sum, t) => sum + t.count, 0);
  const tensorBytes = Object.values(seed.tensorTypes).reduce((sum, t) => sum + t.bytes, 0);
  return db.model.create({
    data: {
      fingerprint: seed.fingerprint,
      displayName: seed.displayName,
      name: seed.name ?? seed.displayName,
      basename: seed.basename ?? null,
      sizeLabel: seed.sizeLabel ?? null,
      finetune: seed.finetune ?? null,
      architecture: seed.architecture,
      parameterCount: seed.parameterCount,
      fileType: seed.fileType,
      fileTypeSource: seed.fileTypeSource ?? "metadata",
      contextLength: seed.contextLength,
      embeddingLength: seed.embeddingLength,
      blockCount: seed.blockCount,
      feedForwardLength: seed.embeddingLength * 4,
      headCount: seed.headCount,
      headCountKv: seed.headCountKv,
      vocabSize: seed.vocabSize,
      tokenizerModel: seed.tokenizerModel,
      chatTemplate: seed.chatTemplate ?? null,
      license: seed.license ?? null,
      ggufVersion: 3,
      tensorCount,
      tensorBytes: BigInt(tensorBytes),
      totalBytes: seed.totalBytes,
      shardCount: seed.shardCount ?? 1,
      tensorTypesJson: JSON.stringify(seed.tensorTypes),
      metadataJson: JSON.stringify(seed.metadata),
      problemsJson: JSON.stringify(seed.problems ?? []),
      firstSeenAt: minutesAgo(60 * 24 * 7),
    },
  });
}

interface FileSeed {
  libraryId: number;
  relPath: string;
  sizeBytes: bigint;
  modelId?: number | null;
  state?: string;
  stateReason?: string;
  errorOffset?: bigint;
  role?: string;
  shardIndex?: number;
  shardCount?: number;
  splitGroup?: string;
  blobDigest?: string;
  missingSince?: Date | null;
  /** Defaults to one per path; identical bytes share one. */
  headerFingerprint?: string;
}

let inode = 1000;
function createFile(db: Db, seed: FileSeed) {
  inode += 1;
  return db.libraryFile.create({
    data: {
      libraryId: seed.libraryId,
      relPath: seed.relPath,
      sizeBytes: seed.sizeBytes,
      mtimeMs: minutesAgo(60 * 24 * 10).getTime(),
      inode: String(inode),
      state: seed.state ?? "indexed",
      stateReason: seed.stateReason ?? null,
      errorOffset: seed.errorOffset ?? null,
      role: seed.role ?? "gguf",
      ggufVersion: seed.state === undefined || seed.state === "indexed" ? 3 : null,
      modelId: seed.modelId ?? null,
      shardIndex: seed.shardIndex ?? null,
      shardCount: seed.shardCount ?? null,
      splitGroup: seed.splitGroup ?? null,
      blobDigest: seed.blobDigest ?? null,
      headerFingerprint: seed.state === undefined || seed.state === "indexed" ? (seed.headerFingerprint ?? `hfp-${seed.relPath}`) : null,
      firstSeenAt: minutesAgo(60 * 24 * 7),
      lastSeenAt: minutesAgo(5),
      indexedAt: seed.state === undefined || seed.state === "indexed" ? minutesAgo(60 * 24 * 7) : null,
      missingSince: seed.missingSince ?? null,
    },
  });
}

export interface SeededCatalog {
  libraries: { nas: number; ollama: number; archive: number; nfs: number };
  models: {
    llamaF16: number;
    mistralQ8: number;
    qwen72Split: number;
    qwen7: number;
    phiMissing: number;
    gemmaArchive: number;
  };
  scanRuns: { nasLast: number; archiveLast: number };
  files: SeededFiles;
  jobs: SeededJobs;
  scrubRuns: { done: number; running: number };
  /** nfs.probe-nas jobs: one finished (throughput step denied by root squash), one whose worker died. */
  nasProbes: { succeeded: number; failed: number };
  /** Capacity and Fit pages: one saved scenario, two host profiles. */
  planning: { scenario: number; workstation: number; mac: number };
  /** The hashes of the seeded mismatch: what the sidecar claims and what the file hashed to. */
  hashes: { mistralExpected: string; mistralActual: string; llama: string; qwenBlob: string };
}

export interface SeededFiles {
  llama: number;
  mistral: number;
  qwen72Shard1: number;
  qwen72Shard2: number;
  qwen72Shard3: number;
  qwen7: number;
  qwen7Blob: number;
  phi: number;
  gemma: number;
  broken: number;
}

export interface SeededJobs {
  running: number;
  queuedManual: number;
  queuedDeferred: number;
  failed: number;
  cancelled: number;
  succeededScan: number;
  succeededVerify: number;
  succeededUnreadable: number;
  failedScan: number;
}

export async function seedCatalog(db: Db): Promise<SeededCatalog> {
  // --- Libraries -----------------------------------------------------------
  const nas = await db.library.create({
    data: {
      path: "/srv/nas/models",
      label: "nas-models",
      kind: "gguf-dir",
      source: "env",
      status: "ok",
      mountJson: nfsMount("nas.lan:/volume1/models", "/srv/nas/models", [
        "The attribute cache is short (acregmin=3): every stat() of a large library goes to the NAS.",
      ]),
      mountCheckedAt: minutesAgo(10),
      lastFsType: "nfs4",
      lastScanAt: minutesAgo(10),
    },
  });
  const ollama = await db.library.create({
    data: {
      path: "/srv/nas/ollama",
      label: "ollama-store",
      kind: "ollama",
      source: "ui",
      status: "ok",
      mountJson: nfsMount("nas.lan:/volume1/ollama", "/srv/nas/ollama"),
      mountCheckedAt: minutesAgo(12),
      lastFsType: "nfs4",
      lastScanAt: minutesAgo(12),
    },
  });
  const archive = await db.library.create({
    data: {
      path: "/mnt/archive/gguf",
      label: "archive",
      kind: "gguf-dir",
      source: "ui",
      status: "unavailable",
      statusCode: "guard",
      statusReason:
        'the root is empty but the catalogue knows 1 file(s) there: treating it as an unmounted or unreachable share, nothing marked missing',
      mountJson: JSON.stringify({
        mountPoint: "/",
        source: "/dev/sda1",
        fsType: "ext4",
        isNetwork: false,
        nfsVersion: null,
        options: { readOnly: false, failureMode: null, vers: null, rsize: null, wsize: null, actimeo: null, noac: false },
        warnings: ["The root is on the local disk (ext4), not on the share it was on before (nfs4): the share is probably not mounted."],
        statfs: { totalBytes: 64 * GiB, freeBytes: 20 * GiB, availableBytes: 17 * GiB },
      }),
      mountCheckedAt: minutesAgo(3),
      lastFsType: "nfs4",
      lastScanAt: minutesAgo(60 * 24),
    },
  });

  // An empty staging folder on the same NAS, read without a kernel mount.
  const nfs = await db.library.create({
    data: {
      path: NFS_LIBRARY_URL,
      label: "nas-direct",
      kind: "gguf-dir",
      source: "ui",
      status: "ok",
      mountJson: builtInClientMount,
      mountCheckedAt: minutesAgo(8),
      lastFsType: "nfs3 (built-in client)",
      lastScanAt: minutesAgo(8),
    },
  });
  await db.scanRun.create({
    data: { libraryId: nfs.id, trigger: "manual", status: "ok", phase: "done", startedAt: new Date(minutesAgo(8).getTime() - 1_400), finishedAt: minutesAgo(8) },
  });

  // --- Models --------------------------------------------------------------
  const llamaF16 = await createModel(db, {
    fingerprint: "fp-llama-3.2-1b-f16",
    displayName: "Llama 3.2 1B Instruct",
    basename: "Llama-3.2",
    sizeLabel: "1B",
    finetune: "Instruct",
    architecture: "llama",
    parameterCount: 1_235_814_400n,
    fileType: "F16",
    contextLength: 131_072,
    embeddingLength: 2048,
    blockCount: 16,
    headCount: 32,
    headCountKv: 8,
    vocabSize: 128_256,
    tokenizerModel: "gpt2",
    chatTemplate: LLAMA3_TEMPLATE,
    license: "llama3.2",
    totalBytes: 2_479_595_200n,
    tensorTypes: { F16: { count: 113, bytes: 2_471_628_800 }, F32: { count: 34, bytes: 282_624 } },
    metadata: {
      "general.architecture": "llama",
      "general.name": "Llama 3.2 1B Instruct",
      "general.size_label": "1B",
      "general.file_type": 1,
      "general.license": "llama3.2",
      "llama.context_length": 131_072,
      "llama.embedding_length": 2048,
      "llama.block_count": 16,
      "llama.attention.head_count": 32,
      "llama.attention.head_count_kv": 8,
      "llama.rope.freq_base": 500_000,
      "tokenizer.ggml.model": "gpt2",
      "tokenizer.ggml.tokens": tokenList(128_256, ["!", '"', "#", "$", "%", "&", "'", "("]),
      "tokenizer.ggml.bos_token_id": 128_000,
      "tokenizer.chat_template": LLAMA3_TEMPLATE,
    },
  });
  const mistralQ8 = await createModel(db, {
    fingerprint: "fp-mistral-7b-q8",
    displayName: "Mistral 7B Instruct v0.3",
    basename: "Mistral",
    sizeLabel: "7B",
    architecture: "llama",
    parameterCount: 7_248_023_552n,
    fileType: "Q8_0",
    contextLength: 32_768,
    embeddingLength: 4096,
    blockCount: 32,
    headCount: 32,
    headCountKv: 8,
    vocabSize: 32_768,
    tokenizerModel: "llama",
    license: "apache-2.0",
    totalBytes: 7_702_565_024n,
    tensorTypes: { Q8_0: { count: 226, bytes: 7_700_000_000 }, F32: { count: 65, bytes: 1_064_960 } },
    metadata: {
      "general.architecture": "llama",
      "general.name": "Mistral 7B Instruct v0.3",
      "general.file_type": 7,
      "llama.context_length": 32_768,
      "tokenizer.ggml.model": "llama",
      "tokenizer.ggml.tokens": tokenList(32_768, ["<unk>", "<s>", "</s>"]),
    },
  });
  const qwen72Split = await createModel(db, {
    fingerprint: "fp-qwen2.5-72b-q4km",
    displayName: "Qwen2.5 72B Instruct",
    basename: "Qwen2.5",
    sizeLabel: "72B",
    architecture: "qwen2",
    parameterCount: 72_706_203_648n,
    fileType: "Q4_K_M",
    contextLength: 32_768,
    embeddingLength: 8192,
    blockCount: 80,
    headCount: 64,
    headCountKv: 8,
    vocabSize: 152_064,
    tokenizerModel: "gpt2",
    chatTemplate: CHATML_TEMPLATE,
    totalBytes: 47_415_715_840n,
    shardCount: 3,
    tensorTypes: {
      Q4_K: { count: 441, bytes: 38_000_000_000 },
      Q6_K: { count: 81, bytes: 9_400_000_000 },
      F32: { count: 441, bytes: 15_000_000 },
    },
    metadata: {
      "general.architecture": "qwen2",
      "general.name": "Qwen2.5 72B Instruct",
      "general.file_type": 15,
      "qwen2.context_length": 32_768,
      "split.no": 0,
      "split.count": 3,
      "tokenizer.ggml.model": "gpt2",
      "tokenizer.ggml.tokens": tokenList(152_064, ["!", '"', "#"]),
      "tokenizer.chat_template": CHATML_TEMPLATE,
    },
    problems: ["missing shard 2 of 3 (qwen/Qwen2.5-72B-Instruct-Q4_K_M-00002-of-00003.gguf)"],
  });
  const qwen7 = await createModel(db, {
    fingerprint: "fp-qwen2.5-7b-q4km",
    displayName: "Qwen2.5 7B Instruct",
    basename: "Qwen2.5",
    sizeLabel: "7B",
    architecture: "qwen2",
    parameterCount: 7_615_616_512n,
    fileType: "Q4_K_M",
    contextLength: 32_768,
    embeddingLength: 3584,
    blockCount: 28,
    headCount: 28,
    headCountKv: 4,
    vocabSize: 152_064,
    tokenizerModel: "gpt2",
    chatTemplate: CHATML_TEMPLATE,
    license: "apache-2.0",
    totalBytes: 4_683_073_536n,
    tensorTypes: {
      Q4_K: { count: 169, bytes: 3_900_000_000 },
      Q6_K: { count: 29, bytes: 780_000_000 },
      F32: { count: 141, bytes: 2_900_000 },
    },
    metadata: {
      "general.architecture": "qwen2",
      "general.name": "Qwen2.5 7B Instruct",
      "general.file_type": 15,
      "qwen2.context_length": 32_768,
      "tokenizer.ggml.model": "gpt2",
      "tokenizer.ggml.tokens": tokenList(152_064, ["!", '"', "#", "$"]),
      "tokenizer.ggml.merges": tokenList(151_387, ["Ġ Ġ", "ĠĠ ĠĠ"]),
      "tokenizer.chat_template": CHATML_TEMPLATE,
    },
  });
  const phiMissing = await createModel(db, {
    fingerprint: "fp-phi-3-mini-q4",
    displayName: "Phi 3 Mini 4k Instruct",
    architecture: "phi3",
    parameterCount: 3_821_079_552n,
    fileType: "Q4_0",
    fileTypeSource: "dominant-tensor-type",
    contextLength: 4096,
    embeddingLength: 3072,
    blockCount: 32,
    headCount: 32,
    headCountKv: 32,
    vocabSize: 32_064,
    tokenizerModel: "llama",
    totalBytes: 2_176_177_920n,
    tensorTypes: { Q4_0: { count: 128, bytes: 2_170_000_000 }, F32: { count: 67, bytes: 800_000 } },
    metadata: { "general.architecture": "phi3", "phi3.context_length": 4096 },
  });
  const gemmaArchive = await createModel(db, {
    fingerprint: "fp-gemma-2-2b-q6k",
    displayName: "Gemma 2 2B It",
    architecture: "gemma2",
    parameterCount: 2_614_341_888n,
    fileType: "Q6_K",
    contextLength: 8192,
    embeddingLength: 2304,
    blockCount: 26,
    headCount: 8,
    headCountKv: 4,
    vocabSize: 256_000,
    tokenizerModel: "llama",
    totalBytes: 2_151_393_024n,
    tensorTypes: { Q6_K: { count: 183, bytes: 2_140_000_000 }, F32: { count: 105, bytes: 1_000_000 } },
    metadata: { "general.architecture": "gemma2", "gemma2.context_length": 8192 },
  });

  // --- Files -----------------------------------------------------------------
  const llamaFile = await createFile(db, {
    libraryId: nas.id,
    relPath: "llama/Llama-3.2-1B-Instruct-F16.gguf",
    sizeBytes: 2_479_595_200n,
    modelId: llamaF16.id,
  });
  const mistralFile = await createFile(db, {
    libraryId: nas.id,
    relPath: "mistral/Mistral-7B-Instruct-v0.3-Q8_0.gguf",
    sizeBytes: 7_702_565_024n,
    modelId: mistralQ8.id,
  });
  const splitGroup = "qwen/Qwen2.5-72B-Instruct-Q4_K_M";
  const shardIds: number[] = [];
  for (const index of [0, 1, 2]) {
    const shard = await createFile(db, {
      libraryId: nas.id,
      relPath: `${splitGroup}-0000${index + 1}-of-00003.gguf`,
      sizeBytes: 15_805_238_613n,
      modelId: qwen72Split.id,
      shardIndex: index,
      shardCount: 3,
      splitGroup,
      // The second shard was deleted on the NAS: the copy is incomplete.
      missingSince: index === 1 ? minutesAgo(60 * 6) : null,
    });
    shardIds.push(shard.id);
  }
  const qwen7File = await createFile(db, {
    libraryId: nas.id,
    relPath: "qwen/qwen2.5-7b-instruct-q4_k_m.gguf",
    sizeBytes: 4_683_073_536n,
    modelId: qwen7.id,
    // Byte-identical to the Ollama blob below (it was imported with `ollama create`).
    headerFingerprint: "hfp-qwen2.5-7b-instruct-q4_k_m",
  });
  const qwenBlobDigest = "5ee4f07cdb9beadbbb293e85803c569b01bd37ed059d2715faa7bb405f31caa6";
  const qwenBlob = await createFile(db, {
    libraryId: ollama.id,
    relPath: `blobs/sha256-${qwenBlobDigest}`,
    sizeBytes: 4_683_073_536n,
    modelId: qwen7.id,
    role: "ollama-blob",
    blobDigest: qwenBlobDigest,
    headerFingerprint: "hfp-qwen2.5-7b-instruct-q4_k_m",
  });
  const phiFile = await createFile(db, {
    libraryId: nas.id,
    relPath: "old/Phi-3-mini-4k-instruct-q4.gguf",
    sizeBytes: 2_176_177_920n,
    modelId: phiMissing.id,
    missingSince: minutesAgo(60 * 24 * 2),
  });
  const gemmaFile = await createFile(db, {
    libraryId: archive.id,
    relPath: "gemma/gemma-2-2b-it-Q6_K.gguf",
    sizeBytes: 2_151_393_024n,
    modelId: gemmaArchive.id,
  });
  // Problem files: a truncated download, a partial download, and a temp blob.
  const brokenFile = await createFile(db, {
    libraryId: nas.id,
    relPath: "broken/truncated-model.gguf",
    sizeBytes: 1_048_600n,
    state: "error",
    stateReason: "unexpected end of file while reading tensor info 12 of 291",
    errorOffset: 1_048_576n,
  });
  await createFile(db, {
    libraryId: nas.id,
    relPath: "downloads/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf.part",
    sizeBytes: 812n * BigInt(MiB),
    state: "ignored",
    role: "temp",
    stateReason: "temporary or partial download name (.part)",
  });
  await createFile(db, {
    libraryId: ollama.id,
    relPath: "blobs/sha256-3f2a9c0e1d-partial",
    sizeBytes: 200n * BigInt(MiB),
    state: "ignored",
    role: "temp",
    stateReason: "Ollama partial download",
  });

  // --- Ollama tags -----------------------------------------------------------
  const layers = (extra: Array<{ mediaType: string; size: number; present?: boolean }>) =>
    JSON.stringify([
      { mediaType: "application/vnd.ollama.image.model", digest: `sha256:${qwenBlobDigest}`, size: 4_683_073_536, present: true },
      ...extra.map((layer, i) => ({
        mediaType: layer.mediaType,
        digest: `sha256:${(i + 1).toString().repeat(64)}`,
        size: layer.size,
        present: layer.present ?? true,
      })),
    ]);
  await db.ollamaTag.create({
    data: {
      libraryId: ollama.id,
      host: "registry.ollama.ai",
      namespace: "library",
      model: "qwen2.5",
      tag: "7b-instruct",
      manifestRelPath: "manifests/registry.ollama.ai/library/qwen2.5/7b-instruct",
      manifestDigest: "845dbda0ea48ed749caafd9e6037047aa19acfcfd82e704d7ca97d631a0b697e",
      manifestSize: 856,
      manifestMtimeMs: minutesAgo(60 * 24 * 8).getTime(),
      totalSize: 4_683_087_332n,
      modelLayerDigest: `sha256:${qwenBlobDigest}`,
      modelFileId: qwenBlob.id,
      modelId: qwen7.id,
      template: "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}",
      system: "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
      paramsJson: JSON.stringify({ stop: ["<|im_start|>", "<|im_end|>"] }),
      license: "Apache License 2.0",
      layersJson: layers([
        { mediaType: "application/vnd.ollama.image.system", size: 68 },
        { mediaType: "application/vnd.ollama.image.template", size: 1482 },
        { mediaType: "application/vnd.ollama.image.license", size: 11_343 },
        { mediaType: "application/vnd.ollama.image.params", size: 148 },
      ]),
    },
  });
  await db.ollamaTag.create({
    data: {
      libraryId: ollama.id,
      host: "nas.lan:5000",
      namespace: "team",
      model: "qwen-coder",
      tag: "latest",
      manifestRelPath: "manifests/nas.lan:5000/team/qwen-coder/latest",
      manifestDigest: "1d0a7e5c3b9f8a6e4d2c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e",
      manifestSize: 612,
      manifestMtimeMs: minutesAgo(60 * 24 * 3).getTime(),
      totalSize: 4_683_100_000n,
      modelLayerDigest: `sha256:${qwenBlobDigest}`,
      modelFileId: qwenBlob.id,
      modelId: qwen7.id,
      template: null,
      system: null,
      paramsJson: null,
      license: null,
      layersJson: layers([{ mediaType: "application/vnd.ollama.image.projector", size: 600 * MiB, present: false }]),
      problemsJson: JSON.stringify(["projector layer sha256:1111… is not in blobs/"]),
    },
  });

  // --- Scan runs -------------------------------------------------------------
  await db.scanRun.create({
    data: {
      libraryId: nas.id,
      trigger: "startup",
      status: "ok",
      phase: "done",
      startedAt: minutesAgo(60 * 24),
      finishedAt: minutesAgo(60 * 24 - 2),
      filesSeen: 8,
      added: 8,
    },
  });
  const nasLast = await db.scanRun.create({
    data: {
      libraryId: nas.id,
      trigger: "schedule",
      status: "ok",
      phase: "done",
      startedAt: new Date(minutesAgo(10).getTime() - 42_500),
      finishedAt: minutesAgo(10),
      filesSeen: 9,
      added: 1,
      changed: 1,
      unchanged: 5,
      missing: 1,
      returned: 0,
      ignored: 1,
      settling: 0,
      errors: 1,
      bytesRead: 38_797_312n,
    },
  });
  await db.scanRun.create({
    data: {
      libraryId: ollama.id,
      trigger: "startup",
      status: "ok",
      phase: "done",
      startedAt: new Date(minutesAgo(12).getTime() - 3_100),
      finishedAt: minutesAgo(12),
      filesSeen: 4,
      added: 2,
      unchanged: 1,
      ignored: 1,
      bytesRead: 9_437_184n,
    },
  });
  await db.scanRun.create({
    data: {
      libraryId: archive.id,
      trigger: "startup",
      status: "ok",
      phase: "done",
      startedAt: minutesAgo(60 * 24 * 2),
      finishedAt: minutesAgo(60 * 24 * 2 - 1),
      filesSeen: 1,
      added: 1,
    },
  });
  const archiveLast = await db.scanRun.create({
    data: {
      libraryId: archive.id,
      trigger: "schedule",
      status: "unavailable",
      phase: "done",
      message:
        "the root is empty but the catalogue knows 1 file(s) there: treating it as an unmounted or unreachable share, nothing marked missing",
      startedAt: new Date(minutesAgo(3).getTime() - 800),
      finishedAt: minutesAgo(3),
    },
  });

  const files: SeededFiles = {
    llama: llamaFile.id,
    mistral: mistralFile.id,
    qwen72Shard1: shardIds[0]!,
    qwen72Shard2: shardIds[1]!,
    qwen72Shard3: shardIds[2]!,
    qwen7: qwen7File.id,
    qwen7Blob: qwenBlob.id,
    phi: phiFile.id,
    gemma: gemmaFile.id,
    broken: brokenFile.id,
  };
  const verification = await seedVerification(db, { nas: nas.id, archive: archive.id }, files, qwenBlobDigest);
  const nasProbes = await seedNasProbes(db);
  const planning = await seedPlanning(db);

  return {
    ...verification,
    nasProbes,
    planning,
    files,
    libraries: { nas: nas.id, ollama: ollama.id, archive: archive.id, nfs: nfs.id },
    models: {
      llamaF16: llamaF16.id,
      mistralQ8: mistralQ8.id,
      qwen72Split: qwen72Split.id,
      qwen7: qwen7.id,
      phiMissing: phiMissing.id,
      gemmaArchive: gemmaArchive.id,
    },
    scanRuns: { nasLast: nasLast.id, archiveLast: archiveLast.id },
  };
}

/** A deterministic, realistic-looking SHA-256 for a label. */
const fakeSha256 = (label: string) => createHash("sha256").update(label).digest("hex");

/** The next local 01:00 (the default scrub window opens then): where a deferred scrub job waits. */
function nextOneAm(): Date {
  const now = new Date(seededAt);
  const next = new Date(now.getFullYear(), now.getMonth(), now.getDate(), 1, 0, 0, 0);
  if (next.getTime() <= seededAt) next.setDate(next.getDate() + 1);
  return next;
}

async function seedVerification(
  db: Db,
  libraries: { nas: number; archive: number },
  files: SeededFiles,
  qwenBlobDigest: string,
): Promise<Pick<SeededCatalog, "jobs" | "scrubRuns" | "hashes">> {
  const hashes = {
    llama: fakeSha256("llama-3.2-1b-f16"),
    mistralActual: fakeSha256("mistral-7b-q8-as-downloaded"),
    mistralExpected: fakeSha256("mistral-7b-q8-as-published"),
    qwenBlob: qwenBlobDigest,
  };
  const shard1 = fakeSha256("qwen72-shard-1");
  const phi = fakeSha256("phi-3-mini");
  const day = 60 * 24;
  const file = (id: number, data: Record<string, unknown>) => db.libraryFile.update({ where: { id }, data });
  const expected = (fileId: number, source: string, sha256: string, sourcePath = "", recordedAt = minutesAgo(7 * day)) =>
    db.expectedHash.create({ data: { fileId, source, sha256, sourcePath, recordedAt } });
  const history = (
    fileId: number,
    row: { trigger: string; status: string; sha256?: string; expected?: string; source?: string; bytes: bigint; seconds: number; error?: string; at: Date; jobId?: number },
  ) =>
    db.verification.create({
      data: {
        fileId,
        jobId: row.jobId ?? null,
        trigger: row.trigger,
        status: row.status,
        sha256: row.sha256 ?? null,
        expectedSha256: row.expected ?? null,
        expectedSource: row.source ?? null,
        bytes: row.bytes,
        seconds: row.seconds,
        error: row.error ?? null,
        startedAt: new Date(row.at.getTime() - row.seconds * 1000),
        finishedAt: row.at,
      },
    });

  // Llama: verified against the SHA256SUMS that ships in its folder.
  await file(files.llama, { sha256: hashes.llama, verifyState: "verified", verifiedAt: minutesAgo(day), verifiedSource: "sha256sums" });
  await expected(files.llama, "first-seen", hashes.llama);
  await expected(files.llama, "sha256sums", hashes.llama, "llama/SHA256SUMS", minutesAgo(2 * day));
  await history(files.llama, { trigger: "scan", status: "verified", sha256: hashes.llama, bytes: 2_479_595_200n, seconds: 24.8, at: minutesAgo(7 * day) });
  await history(files.llama, { trigger: "manual", status: "verified", sha256: hashes.llama, expected: hashes.llama, source: "sha256sums:llama/SHA256SUMS", bytes: 2_479_595_200n, seconds: 25.1, at: minutesAgo(day) });

  // Mistral: the published .sha256 sidecar disagrees with what was downloaded — the loud mismatch.
  const mismatchMessage = `MISMATCH: expected ${hashes.mistralExpected} (sidecar:mistral/Mistral-7B-Instruct-v0.3-Q8_0.gguf.sha256)`;
  await file(files.mistral, { sha256: hashes.mistralActual, verifyState: "mismatch", verifiedAt: minutesAgo(120), verifiedSource: "sidecar", verifyError: mismatchMessage });
  await expected(files.mistral, "first-seen", hashes.mistralActual);
  await expected(files.mistral, "sidecar", hashes.mistralExpected, "mistral/Mistral-7B-Instruct-v0.3-Q8_0.gguf.sha256", minutesAgo(3 * day));
  await history(files.mistral, { trigger: "scan", status: "verified", sha256: hashes.mistralActual, bytes: 7_702_565_024n, seconds: 80.2, at: minutesAgo(7 * day) });
  await history(files.mistral, {
    trigger: "scrub",
    status: "mismatch",
    sha256: hashes.mistralActual,
    expected: hashes.mistralExpected,
    source: "sidecar:mistral/Mistral-7B-Instruct-v0.3-Q8_0.gguf.sha256",
    bytes: 7_702_565_024n,
    seconds: 96.3,
    error: mismatchMessage,
    at: minutesAgo(120),
  });

  // Qwen 72B: shard 1 verified long ago (stale for the scrub), shard 3 being hashed right now.
  await file(files.qwen72Shard1, { sha256: shard1, verifyState: "verified", verifiedAt: minutesAgo(45 * day), verifiedSource: "first-seen" });
  await expected(files.qwen72Shard1, "first-seen", shard1, "", minutesAgo(45 * day));
  await history(files.qwen72Shard1, { trigger: "scan", status: "verified", sha256: shard1, bytes: 15_805_238_613n, seconds: 171.4, at: minutesAgo(45 * day) });
  await file(files.qwen72Shard3, { verifyState: "hashing", verifyProgress: 0.42 });

  // Qwen 7B: the raw file and its Ollama blob, both verified (the blob by its own name).
  await file(files.qwen7, { sha256: qwenBlobDigest, verifyState: "verified", verifiedAt: minutesAgo(3 * day), verifiedSource: "first-seen" });
  await expected(files.qwen7, "first-seen", qwenBlobDigest);
  await file(files.qwen7Blob, { sha256: qwenBlobDigest, verifyState: "verified", verifiedAt: minutesAgo(3 * day), verifiedSource: "ollama-blob-name" });
  await expected(files.qwen7Blob, "ollama-blob-name", qwenBlobDigest);
  await history(files.qwen7, { trigger: "scan", status: "verified", sha256: qwenBlobDigest, bytes: 4_683_073_536n, seconds: 47.2, at: minutesAgo(3 * day) });
  await history(files.qwen7Blob, { trigger: "scan", status: "verified", sha256: qwenBlobDigest, expected: qwenBlobDigest, source: "ollama-blob-name", bytes: 4_683_073_536n, seconds: 49.0, at: minutesAgo(3 * day) });

  // Phi is gone from the NAS; its old verdict stays in the history.
  await file(files.phi, { sha256: phi, verifyState: "verified", verifiedAt: minutesAgo(10 * day), verifiedSource: "first-seen" });
  await history(files.phi, { trigger: "scan", status: "verified", sha256: phi, bytes: 2_176_177_920n, seconds: 22.0, at: minutesAgo(10 * day) });

  // Gemma waits for the scrub window; the truncated file has a bad sector.
  await file(files.gemma, { verifyState: "queued" });
  const ioError = "EIO: i/o error, read (byte 524288 of broken/truncated-model.gguf)";
  await file(files.broken, { verifyState: "unreadable", verifiedAt: minutesAgo(20), verifyError: ioError });

  // --- Checksum files ---------------------------------------------------------
  await db.checksumFile.create({
    data: {
      libraryId: libraries.nas,
      relPath: "llama/SHA256SUMS",
      kind: "sha256sums",
      sizeBytes: 412n,
      mtimeMs: minutesAgo(2 * day).getTime(),
      entries: 2,
      problemsJson: JSON.stringify([
        { line: 3, message: 'not a checksum line: expected "<64 hex digits>  <file name>"' },
        { message: "lists llama/Llama-3.2-3B-Instruct-F16.gguf, which is not in this library" },
      ]),
      lastSeenAt: minutesAgo(10),
    },
  });
  await db.checksumFile.create({
    data: {
      libraryId: libraries.nas,
      relPath: "mistral/Mistral-7B-Instruct-v0.3-Q8_0.gguf.sha256",
      kind: "sidecar",
      sizeBytes: 108n,
      mtimeMs: minutesAgo(3 * day).getTime(),
      entries: 1,
      lastSeenAt: minutesAgo(10),
    },
  });

  // --- Jobs: one or more in every state ----------------------------------------
  const job = (data: {
    name?: string;
    payload: Record<string, unknown>;
    state: string;
    priority?: number;
    attempts?: number;
    createdAt: Date;
    runAfter?: Date;
    startedAt?: Date;
    finishedAt?: Date;
    lastError?: string;
    result?: unknown;
    progress?: { done: number; total: number; unit: string; rate: number };
    lease?: boolean;
  }) => {
    const name = data.name ?? "hashing.verify-file";
    const key = name === "hashing.verify-file" ? `hashing.verify-file:${String(data.payload.fileId)}` : `catalog.scan-library:${String(data.payload.libraryId)}`;
    return db.job.create({
      data: {
        name,
        payloadJson: JSON.stringify(data.payload),
        state: data.state,
        priority: data.priority ?? 0,
        attempts: data.attempts ?? (data.state === "queued" ? 0 : 1),
        maxAttempts: 3,
        dedupeKey: key,
        runAfter: data.runAfter ?? data.createdAt,
        createdAt: data.createdAt,
        startedAt: data.startedAt ?? null,
        finishedAt: data.finishedAt ?? null,
        lastError: data.lastError ?? null,
        resultJson: data.result === undefined ? null : JSON.stringify(data.result),
        progressDone: data.progress?.done ?? null,
        progressTotal: data.progress?.total ?? null,
        progressUnit: data.progress?.unit ?? null,
        progressRate: data.progress?.rate ?? null,
        // No worker runs in the seeded tests; a lease far ahead keeps a real one from reclaiming it.
        leaseOwner: data.lease ? "hasher@nas-test:4242" : null,
        leaseExpiresAt: data.lease ? new Date(seededAt + 24 * 60 * 60_000) : null,
        heartbeatAt: data.lease ? new Date(seededAt) : null,
      },
    });
  };
  const succeededScan = await job({
    name: "catalog.scan-library",
    payload: { libraryId: libraries.nas, trigger: "schedule", acceptMissing: false },
    state: "succeeded",
    priority: 0,
    createdAt: new Date(minutesAgo(10).getTime() - 43_000),
    startedAt: new Date(minutesAgo(10).getTime() - 42_500),
    finishedAt: minutesAgo(10),
    progress: { done: 9, total: 9, unit: "files", rate: 0.2 },
    result: { filesSeen: 9 },
  });
  const failedScan = await job({
    name: "catalog.scan-library",
    payload: { libraryId: libraries.archive, trigger: "schedule", acceptMissing: false },
    state: "failed",
    attempts: 3,
    createdAt: minutesAgo(2 * day),
    startedAt: minutesAgo(2 * day - 5),
    finishedAt: minutesAgo(2 * day - 6),
    lastError: "timeout: readdir /mnt/archive/gguf did not answer within 15000 ms (hung mount?)",
  });
  const succeededVerify = await job({
    payload: { fileId: files.qwen7Blob, trigger: "scan" },
    state: "succeeded",
    createdAt: minutesAgo(3 * day + 2),
    startedAt: new Date(minutesAgo(3 * day).getTime() - 49_000),
    finishedAt: minutesAgo(3 * day),
    progress: { done: 4_683_073_536, total: 4_683_073_536, unit: "bytes", rate: 95_000_000 },
  });
  const succeededUnreadable = await job({
    payload: { fileId: files.broken, trigger: "manual" },
    state: "succeeded",
    priority: 20,
    createdAt: minutesAgo(21),
    startedAt: minutesAgo(20.5),
    finishedAt: minutesAgo(20),
  });
  const cancelled = await job({
    payload: { fileId: files.mistral, trigger: "manual" },
    state: "cancelled",
    priority: 20,
    createdAt: minutesAgo(100),
    startedAt: minutesAgo(99),
    finishedAt: minutesAgo(98),
    lastError: "cancelled by an administrator",
    progress: { done: 1_200_000_000, total: 7_702_565_024, unit: "bytes", rate: 88_000_000 },
  });
  const failed = await job({
    payload: { fileId: files.qwen72Shard1, trigger: "scrub" },
    state: "failed",
    priority: -10,
    attempts: 3,
    createdAt: minutesAgo(5 * 60),
    startedAt: minutesAgo(4 * 60),
    finishedAt: minutesAgo(4 * 60 - 1),
    lastError: "timeout: reading qwen/Qwen2.5-72B-Instruct-Q4_K_M-00001-of-00003.gguf: no answer within 15000 ms (the NAS may be hung)",
  });
  const running = await job({
    payload: { fileId: files.qwen72Shard3, trigger: "manual" },
    state: "running",
    priority: 20,
    createdAt: minutesAgo(2),
    startedAt: new Date(seededAt - 78_000),
    progress: { done: Math.round(15_805_238_613 * 0.42), total: 15_805_238_613, unit: "bytes", rate: 85_000_000 },
    lease: true,
  });
  const queuedManual = await job({
    payload: { fileId: files.llama, trigger: "manual" },
    state: "queued",
    priority: 20,
    createdAt: minutesAgo(1),
  });
  const queuedDeferred = await job({
    payload: { fileId: files.gemma, trigger: "scrub" },
    state: "queued",
    priority: -10,
    createdAt: minutesAgo(3 * 60),
    runAfter: nextOneAm(),
    lastError: "deferred: outside the scrub window 01:00-06:00",
  });

  // --- Scrub runs -------------------------------------------------------------
  const done = await db.scrubRun.create({
    data: {
      status: "done",
      startedAt: minutesAgo(9 * day),
      finishedAt: minutesAgo(9 * day - 200),
      filesTotal: 7,
      filesDone: 7,
      bytesTotal: 51_000_000_000n,
      bytesDone: 51_000_000_000n,
      mismatches: 0,
      unreadable: 0,
    },
  });
  const runningScrub = await db.scrubRun.create({
    data: {
      status: "running",
      startedAt: minutesAgo(3 * 60),
      filesTotal: 4,
      filesDone: 1,
      bytesTotal: 33_561_135_214n,
      bytesDone: 7_702_565_024n,
      mismatches: 1,
      unreadable: 0,
    },
  });

  return {
    hashes,
    jobs: {
      running: running.id,
      queuedManual: queuedManual.id,
      queuedDeferred: queuedDeferred.id,
      failed: failed.id,
      cancelled: cancelled.id,
      succeededScan: succeededScan.id,
      succeededVerify: succeededVerify.id,
      succeededUnreadable: succeededUnreadable.id,
      failedScan: failedScan.id,
    },
    scrubRuns: { done: done.id, running: runningScrub.id },
  };
}

/** The root-squash explanation probeNas gives for NFS3ERR_ACCES (lib/nfs/probe-nas.ts explain()). */
export const ROOT_SQUASH_EXPLANATION =
  "permission denied: the server squashes this client's user (root squash / map to guest); set uid and gid to the owner of the model files, or allow root access for this client";

/** Two NAS checks: the newer one reached the Synology but could not read a file as root; the older one lost its worker. */
async function seedNasProbes(db: Db): Promise<SeededCatalog["nasProbes"]> {
  const TiB = 1024 * GiB;
  const service = (program: number, name: string, version: number, port: number, protocol = "tcp") => ({ program, name, version, protocol, port });
  const finishedAt = minutesAgo(15);
  const result = {
    host: "nas.lan",
    reachable: true,
    checkedAt: finishedAt.toISOString(),
    services: [
      service(100000, "portmapper", 4, 111),
      service(100000, "portmapper", 3, 111),
      service(100000, "portmapper", 2, 111),
      service(100005, "mountd", 1, 892),
      service(100005, "mountd", 3, 892),
      service(100003, "nfs", 3, 2049),
      service(100003, "nfs", 4, 2049),
      service(100021, "nlockmgr", 4, 4045),
      service(100024, "status", 1, 662),
    ],
    nfsVersions: [3, 4],
    mountVersions: [1, 3],
    exports: [
      { path: "/volume1/models", groups: ["192.168.1.0/24"] },
      { path: "/volume1/ollama", groups: ["192.168.1.30", "192.168.1.31"] },
      { path: "/volume1/backup", groups: ["10.0.0.5"] },
    ],
    export: {
      path: "/volume1/models",
      fsstat: { totalBytes: 16 * TiB, freeBytes: 5 * TiB, availableBytes: 4.5 * TiB, totalFiles: 1_073_741_824, freeFiles: 1_073_612_001 },
      fsinfo: { rtmax: 131_072, rtpref: 131_072, wtmax: 131_072, wtpref: 131_072, dtpref: 16_384, maxFileSize: 2 ** 63 },
      throughput: null,
    },
    steps: [
      { step: "portmapper", ok: true },
      { step: "exports", ok: true },
      { step: "mount", ok: true },
      { step: "fsstat", ok: true },
      { step: "fsinfo", ok: true },
      {
        step: "throughput",
        ok: false,
        error: "Permission denied for mistral/Mistral-7B-Instruct-v0.3-Q8_0.gguf (check the share's permissions and the uid/gid in the nfs:// URL)",
        explanation: ROOT_SQUASH_EXPLANATION,
      },
    ],
  };
  const probe = (data: { payload: Record<string, unknown>; state: string; createdAt: Date; startedAt: Date; finishedAt: Date; result?: unknown; lastError?: string }) =>
    db.job.create({
      data: {
        name: "nfs.probe-nas",
        payloadJson: JSON.stringify(data.payload),
        state: data.state,
        priority: 30,
        attempts: 1,
        maxAttempts: 1,
        runAfter: data.createdAt,
        createdAt: data.createdAt,
        startedAt: data.startedAt,
        finishedAt: data.finishedAt,
        lastError: data.lastError ?? null,
        resultJson: data.result === undefined ? null : JSON.stringify(data.result),
      },
    });
  const failed = await probe({
    payload: { host: "nas-old.lan", uid: 0, gid: 0, timeoutMs: 10_000, sampleMegabytes: 64 },
    state: "failed",
    createdAt: minutesAgo(60 * 24 * 2),
    startedAt: minutesAgo(60 * 24 * 2 - 0.1),
    finishedAt: minutesAgo(60 * 24 * 2 - 1.2),
    lastError: "worker indexer@modelshelf:2211 stopped responding; out of attempts",
  });
  const succeeded = await probe({
    payload: { host: "nas.lan", exportPath: "/volume1/models", uid: 0, gid: 0, timeoutMs: 10_000, sampleMegabytes: 64 },
    state: "succeeded",
    createdAt: new Date(finishedAt.getTime() - 2_400),
    startedAt: new Date(finishedAt.getTime() - 2_100),
    finishedAt,
    result,
  });
  return { succeeded: succeeded.id, failed: failed.id };
}

/** The team's NAS plan (the scenario format `modelshelf plan` reads) and the machines models run on (host-profile.ts format). */
export const SEEDED_SCENARIO = {
  name: "Team NAS 2026",
  nas: { raid: "shr", drivesTB: [4, 4, 8, 8], hotSpares: 0, filesystem: "btrfs", reservePercent: 20 },
  // The models the team already keeps on its old NAS.
  current: { usedBytes: 9_000_000_000_000 },
  planned: [
    { model: "qwen2.5-7b", quant: "Q4_K_M", versions: 2 },
    { model: "qwen2.5-14b", quants: ["Q4_K_M", "Q8_0"], versions: 2 },
    { parameters: "32B", quant: "Q4_K_M", versions: 1 },
  ],
  growth: { modelsPerQuarter: 8 },
  policy: "exact",
};

export const SEEDED_HOST_PROFILES = {
  workstation: { name: "Workstation RTX 4090", ramGB: 64, gpus: [{ name: "RTX 4090", vramGB: 24 }], unifiedMemory: false, osReserveGB: 4 },
  mac: { name: "Mac Studio M2 Ultra 64 GB", ramGB: 64, gpus: [{ name: "M2 Ultra" }], unifiedMemory: true },
};

async function seedPlanning(db: Db): Promise<SeededCatalog["planning"]> {
  const scenario = await db.planScenario.create({
    data: { name: SEEDED_SCENARIO.name, scenarioJson: JSON.stringify(SEEDED_SCENARIO), createdAt: minutesAgo(60 * 24 * 3), updatedAt: minutesAgo(60 * 24) },
  });
  const profile = (data: { name: string }) => db.hostProfile.create({ data: { name: data.name, profileJson: JSON.stringify(data) } });
  const workstation = await profile(SEEDED_HOST_PROFILES.workstation);
  const mac = await profile(SEEDED_HOST_PROFILES.mac);
  return { scenario: scenario.id, workstation: workstation.id, mac: mac.id };
}
