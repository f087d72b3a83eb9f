import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  getLibrary,
  getModel,
  listLibraries,
  listModels,
  listUnavailableLibraries,
  parseModelListParams,
  parseModelListParamsLenient,
  type ModelList,
} from "../../lib/catalog/queries.ts";
import { describeMetadataValue, formatBytes, formatContextLength, formatParameterCount } from "../../lib/catalog/format.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";
import { NFS_LIBRARY_URL, seedCatalog, type SeededCatalog } from "../helpers/seed-catalog.ts";

let temp: TempDb;
let seeded: SeededCatalog;

beforeAll(async () => {
  temp = await createTempDb("modelshelf-queries-");
  seeded = await seedCatalog(temp.db);
});

afterAll(async () => {
  await temp.cleanup();
});

const names = (list: ModelList) => list.rows.map((r) => r.displayName);

describe("listModels", () => {
  it("lists every model sorted by name with the total", async () => {
    const list = await listModels(temp.db, {});
    expect(list.total).toBe(6);
    expect(names(list)).toEqual([
      "Gemma 2 2B It",
      "Llama 3.2 1B Instruct",
      "Mistral 7B Instruct v0.3",
      "Phi 3 Mini 4k Instruct",
      "Qwen2.5 72B Instruct",
      "Qwen2.5 7B Instruct",
    ]);
  });

  it("returns numbers, never BigInt, so rows serialise to JSON", async () => {
    const list = await listModels(temp.db, {});
    expect(() => JSON.stringify(list)).not.toThrow();
    const qwen = list.rows.find((r) => r.id === seeded.models.qwen7);
    expect(qwen?.parameterCount).toBe(7_615_616_512);
    expect(qwen?.totalBytes).toBe(4_683_073_536);
  });

  it("searches display names case-insensitively", async () => {
    expect(names(await listModels(temp.db, { q: "MISTRAL" }))).toEqual(["Mistral 7B Instruct v0.3"]);
  });

  it("searches file paths", async () => {
    expect(names(await listModels(temp.db, { q: "Phi-3-mini" }))).toEqual(["Phi 3 Mini 4k Instruct"]);
  });

  it("searches Ollama tag names as namespace/model:tag", async () => {
    expect(names(await listModels(temp.db, { q: "qwen2.5:7b-instruct" }))).toEqual(["Qwen2.5 7B Instruct"]);
    expect(names(await listModels(temp.db, { q: "team/qwen-coder" }))).toEqual(["Qwen2.5 7B Instruct"]);
  });

  it("requires every search word to match", async () => {
    expect(names(await listModels(temp.db, { q: "qwen 72b" }))).toEqual(["Qwen2.5 72B Instruct"]);
  });

  it("treats % and _ in the search as literal characters", async () => {
    expect((await listModels(temp.db, { q: "%" })).total).toBe(0);
    expect((await listModels(temp.db, { q: "Q4_K" })).total).toBe(2);
  });

  it("filters by architecture", async () => {
    expect(names(await listModels(temp.db, { architecture: "qwen2" }))).toEqual([
      "Qwen2.5 72B Instruct",
      "Qwen2.5 7B Instruct",
    ]);
  });

  it("filters by quantisation", async () => {
    expect(names(await listModels(temp.db, { fileType: "Q8_0" }))).toEqual(["Mistral 7B Instruct v0.3"]);
  });

  it("filters by size range in bytes and in GiB", async () => {
    expect(names(await listModels(temp.db, { minBytes: 5e9, maxBytes: 10e9 }))).toEqual(["Mistral 7B Instruct v0.3"]);
    expect(names(await listModels(temp.db, { minGib: "40" }))).toEqual(["Qwen2.5 72B Instruct"]);
  });

  it("filters by library", async () => {
    expect(names(await listModels(temp.db, { libraryId: seeded.libraries.ollama }))).toEqual(["Qwen2.5 7B Instruct"]);
    expect(names(await listModels(temp.db, { libraryId: seeded.libraries.archive }))).toEqual(["Gemma 2 2B It"]);
  });

  it("filters by state", async () => {
    expect(names(await listModels(temp.db, { state: "missing" }))).toEqual(["Phi 3 Mini 4k Instruct"]);
    expect(names(await listModels(temp.db, { state: "incomplete" }))).toEqual(["Qwen2.5 72B Instruct"]);
    expect((await listModels(temp.db, { state: "ok" })).total).toBe(4);
  });

  it("sorts by size in both directions", async () => {
    const desc = await listModels(temp.db, { sort: "totalBytes", dir: "desc" });
    expect(desc.rows.map((r) => r.totalBytes)).toEqual([...desc.rows.map((r) => r.totalBytes)].sort((a, b) => b - a));
    expect(desc.rows[0]?.displayName).toBe("Qwen2.5 72B Instruct");
    const asc = await listModels(temp.db, { sort: "totalBytes", dir: "asc" });
    expect(names(asc)).toEqual([...names(desc)].reverse());
  });

  it("sorts by parameter count and by context length", async () => {
    const byParams = await listModels(temp.db, { sort: "parameterCount", dir: "asc" });
    expect(byParams.rows[0]?.displayName).toBe("Llama 3.2 1B Instruct");
    const byContext = await listModels(temp.db, { sort: "contextLength", dir: "desc" });
    expect(byContext.rows[0]?.displayName).toBe("Llama 3.2 1B Instruct");
    expect(byContext.rows.at(-1)?.displayName).toBe("Phi 3 Mini 4k Instruct");
  });

  it("pages through the results without overlap", async () => {
    const first = await listModels(temp.db, { pageSize: 4, page: 1 });
    const second = await listModels(temp.db, { pageSize: 4, page: 2 });
    expect(first.rows).toHaveLength(4);
    expect(second.rows).toHaveLength(2);
    expect(first.total).toBe(6);
    expect(new Set([...names(first), ...names(second)]).size).toBe(6);
    expect((await listModels(temp.db, { pageSize: 4, page: 9 })).rows).toEqual([]);
  });

  it("counts facets over the other filters", async () => {
    const list = await listModels(temp.db, { architecture: "qwen2" });
    // The architecture facet ignores its own filter, so the alternatives stay visible …
    expect(list.facets.architectures).toEqual(
      expect.arrayContaining([
        { value: "llama", label: "llama", count: 2 },
        { value: "qwen2", label: "qwen2", count: 2 },
      ]),
    );
    // … while the quantisation facet is narrowed by it.
    expect(list.facets.fileTypes).toEqual([{ value: "Q4_K_M", label: "Q4_K_M", count: 2 }]);
    const nas = list.facets.libraries.find((l) => l.value === String(seeded.libraries.nas));
    expect(nas).toMatchObject({ count: 2, label: "nas-models (/srv/nas/models)" });
    // The nfs:// library holds no model yet, but is offered as a filter like every root.
    expect(list.facets.libraries).toHaveLength(4);
  });

  it("derives states: ok, incomplete split, missing, and ok for a copy on an unavailable root", async () => {
    const list = await listModels(temp.db, {});
    const state = (id: number) => list.rows.find((r) => r.id === id)?.state;
    expect(state(seeded.models.llamaF16)).toBe("ok");
    expect(state(seeded.models.qwen72Split)).toBe("incomplete");
    expect(state(seeded.models.phiMissing)).toBe("missing");
    expect(state(seeded.models.gemmaArchive)).toBe("ok");
  });

  it("derives the error state for a model whose only file failed to index", async () => {
    const model = await temp.db.model.create({
      data: {
        fingerprint: "fp-broken",
        displayName: "Zz Broken",
        architecture: "llama",
        parameterCount: 1n,
        fileType: "F32",
        fileTypeSource: "metadata",
        ggufVersion: 3,
        tensorCount: 1,
        tensorBytes: 4n,
        totalBytes: 100n,
        tensorTypesJson: "{}",
        metadataJson: "{}",
      },
    });
    await temp.db.libraryFile.create({
      data: {
        libraryId: seeded.libraries.nas,
        relPath: "zz/broken.gguf",
        sizeBytes: 100n,
        mtimeMs: 1,
        inode: "9",
        state: "error",
        modelId: model.id,
      },
    });
    try {
      expect((await listModels(temp.db, { state: "error" })).rows.map((r) => r.id)).toEqual([model.id]);
    } finally {
      await temp.db.model.delete({ where: { id: model.id } });
      await temp.db.libraryFile.deleteMany({ where: { relPath: "zz/broken.gguf" } });
    }
  });

  it("groups a split model's shards into one location and shows which are present", async () => {
    const list = await listModels(temp.db, { q: "72B" });
    expect(list.rows[0]?.locations).toEqual([
      expect.objectContaining({
        libraryPath: "/srv/nas/models",
        relPath: "qwen/Qwen2.5-72B-Instruct-Q4_K_M-00001-of-00003.gguf",
        shardCount: 3,
        shardsPresent: 2,
        complete: false,
        missingSince: null,
      }),
    ]);
  });

  it("lists a model present as raw GGUF and as an Ollama blob with its tags", async () => {
    const row = (await listModels(temp.db, { q: "qwen2.5 7b" })).rows[0];
    expect(row?.ollamaTags).toEqual(["library/qwen2.5:7b-instruct", "nas.lan:5000/team/qwen-coder:latest"]);
    expect(row?.locations.map((l) => [l.role, l.libraryLabel])).toEqual([
      ["gguf", "nas-models"],
      ["ollama-blob", "ollama-store"],
    ]);
    expect(row?.locations[1]?.tags).toHaveLength(2);
  });

  it("keeps a missing model's last location with the date it vanished", async () => {
    const row = (await listModels(temp.db, { state: "missing" })).rows[0];
    expect(row?.locations[0]?.missingSince).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("stays fast with thousands of models", async () => {
    const libraryId = seeded.libraries.nas;
    const many = 3000;
    await temp.db.$transaction(async (tx) => {
      for (let i = 0; i < many; i++) {
        const model = await tx.model.create({
          data: {
            fingerprint: `bulk-${i}`,
            displayName: `Bulk model ${i.toString().padStart(4, "0")}`,
            architecture: i % 3 === 0 ? "llama" : "qwen2",
            parameterCount: BigInt(1e9 + i),
            fileType: i % 2 === 0 ? "Q4_K_M" : "Q8_0",
            fileTypeSource: "metadata",
            ggufVersion: 3,
            tensorCount: 10,
            tensorBytes: BigInt(1e9),
            totalBytes: BigInt(1e9 + i * 1000),
            tensorTypesJson: "{}",
            metadataJson: "{}",
          },
        });
        await tx.libraryFile.create({
          data: { libraryId, relPath: `bulk/${i}.gguf`, sizeBytes: 1n, mtimeMs: 1, inode: `b${i}`, state: "indexed", modelId: model.id },
        });
      }
    }, { timeout: 120_000 });
    try {
      const started = performance.now();
      const list = await listModels(temp.db, { q: "bulk model", sort: "totalBytes", dir: "desc", state: "ok", pageSize: 100 });
      const elapsed = performance.now() - started;
      console.info(`listModels over ${many} models: ${elapsed.toFixed(0)} ms`);
      expect(list.total).toBe(many);
      expect(list.rows).toHaveLength(100);
      // Generous bound for a shared 2-core CI box; a per-row query pattern would take seconds.
      expect(elapsed).toBeLessThan(1500);
    } finally {
      await temp.db.libraryFile.deleteMany({ where: { relPath: { startsWith: "bulk/" } } });
      await temp.db.model.deleteMany({ where: { fingerprint: { startsWith: "bulk-" } } });
    }
  }, 180_000);
});

describe("list parameters", () => {
  it("accepts an empty query string with defaults", () => {
    const parsed = parseModelListParams(new URLSearchParams(""));
    expect(parsed).toMatchObject({ success: true, params: { sort: "name", dir: "asc", page: 1, pageSize: 50 } });
  });

  it("treats empty form fields as no filter", () => {
    const parsed = parseModelListParams(new URLSearchParams("q=&architecture=&minGib=&state="));
    expect(parsed.success && parsed.params.architecture).toBeUndefined();
  });

  it("rejects a page size above the cap, an unknown sort and a negative size with messages naming each", () => {
    const parsed = parseModelListParams(new URLSearchParams("pageSize=100000&sort=evil&minBytes=-4"));
    expect(parsed.success).toBe(false);
    if (!parsed.success) {
      expect(parsed.issues.map((i) => i.param).sort()).toEqual(["minBytes", "pageSize", "sort"]);
      expect(parsed.message).toContain("pageSize: must be at most 200");
    }
  });

  it("drops bad parameters on the page instead of failing it", () => {
    const { params, ignored } = parseModelListParamsLenient({ page: "abc", q: "qwen", state: "weird" });
    expect(params).toMatchObject({ page: 1, q: "qwen" });
    expect(params.state).toBeUndefined();
    expect(ignored.map((i) => i.param).sort()).toEqual(["page", "state"]);
  });
});

describe("getModel", () => {
  it("returns the model with parsed metadata, tensor types, problems and ordered shards", async () => {
    const model = await getModel(temp.db, seeded.models.qwen72Split);
    expect(model).not.toBeNull();
    expect(model?.state).toBe("incomplete");
    expect(model?.files.map((f) => f.shardIndex)).toEqual([0, 1, 2]);
    expect(model?.files[1]?.missingSince).not.toBeNull();
    expect(model?.problems[0]?.message).toContain("missing shard 2 of 3");
    expect(model?.tensorTypes.map((t) => t.type)).toEqual(["Q4_K", "Q6_K", "F32"]);
    expect(model?.metadata["split.count"]).toBe(3);
    expect(() => JSON.stringify(model)).not.toThrow();
  });

  it("lists the Ollama tags pointing at a model with their layers", async () => {
    const model = await getModel(temp.db, seeded.models.qwen7);
    expect(model?.tags.map((t) => t.name)).toEqual(["library/qwen2.5:7b-instruct", "nas.lan:5000/team/qwen-coder:latest"]);
    const coder = model?.tags[1];
    expect(coder?.layers.map((l) => [l.kind, l.present])).toEqual([
      ["model", true],
      ["projector", false],
    ]);
    expect(model?.tags[0]?.params).toEqual({ stop: ["<|im_start|>", "<|im_end|>"] });
  });

  it("returns null for an unknown or invalid id", async () => {
    expect(await getModel(temp.db, 999_999)).toBeNull();
    expect(await getModel(temp.db, -1)).toBeNull();
    expect(await getModel(temp.db, Number.NaN)).toBeNull();
  });
});

describe("listLibraries", () => {
  it("returns each library with its last finished scan and file counts", async () => {
    const libraries = await listLibraries(temp.db);
    expect(libraries.map((l) => l.path)).toEqual(["/mnt/archive/gguf", "/srv/nas/models", "/srv/nas/ollama", NFS_LIBRARY_URL]);
    const nas = libraries.find((l) => l.id === seeded.libraries.nas);
    expect(nas?.lastScan).toMatchObject({ id: seeded.scanRuns.nasLast, status: "ok", durationMs: 42_500, errors: 1 });
    expect(nas?.runningScan).toBeNull();
    expect(nas?.fileCounts).toMatchObject({ indexed: 5, error: 1, ignored: 1 });
    expect(nas?.missingCount).toBe(2);
    expect(nas?.modelCount).toBe(4);
    expect(() => JSON.stringify(libraries)).not.toThrow();
  });

  it("parses the mount summary including warnings and free space", async () => {
    const nas = await getLibrary(temp.db, seeded.libraries.nas);
    expect(nas?.mount).toMatchObject({
      source: "nas.lan:/volume1/models",
      fsType: "nfs4",
      nfsVersion: "4.1",
      failureMode: "hard",
      rsize: 1_048_576,
      wsize: 1_048_576,
      attributeCache: "3–60 s",
    });
    expect(nas?.mount?.warnings).toHaveLength(1);
    expect(nas?.mount?.statfs?.totalBytes).toBe(16 * 1024 * 2 ** 30);
    expect(nas?.mount?.otherOptions).toEqual(expect.arrayContaining(["proto=tcp", "timeo=600"]));
  });

  it("lists scan errors with byte offsets and ignored temp files", async () => {
    const nas = await getLibrary(temp.db, seeded.libraries.nas);
    expect(nas?.errorFiles).toEqual([
      {
        relPath: "broken/truncated-model.gguf",
        reason: "unexpected end of file while reading tensor info 12 of 291",
        errorOffset: 1_048_576,
      },
    ]);
    expect(nas?.ignoredFiles.map((f) => f.relPath)).toEqual(["downloads/DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf.part"]);
  });

  it("flags an unavailable library stopped by the mount-loss guard", async () => {
    const archive = await getLibrary(temp.db, seeded.libraries.archive);
    expect(archive).toMatchObject({ status: "unavailable", missingGuardTripped: true });
    expect(archive?.lastScan?.status).toBe("unavailable");
    expect(await listUnavailableLibraries(temp.db)).toEqual([expect.objectContaining({ id: seeded.libraries.archive })]);
  });

  it("reports a running scan and a queued scan job", async () => {
    const run = await temp.db.scanRun.create({
      data: { libraryId: seeded.libraries.ollama, trigger: "manual", phase: "walking", progressDone: 3, progressTotal: 10 },
    });
    const job = await temp.db.job.create({
      data: { name: "catalog.scan-library", payloadJson: JSON.stringify({ libraryId: seeded.libraries.ollama, trigger: "manual" }) },
    });
    try {
      const ollama = await getLibrary(temp.db, seeded.libraries.ollama);
      expect(ollama?.runningScan).toMatchObject({ id: run.id, progressDone: 3, progressTotal: 10 });
      expect(ollama?.lastScan?.status).toBe("ok");
      expect(ollama?.pendingScanJob).toMatchObject({ id: job.id, state: "queued" });
    } finally {
      await temp.db.scanRun.delete({ where: { id: run.id } });
      await temp.db.job.delete({ where: { id: job.id } });
    }
  });

  it("returns null for an unknown library", async () => {
    expect(await getLibrary(temp.db, 424_242)).toBeNull();
  });
});

describe("display formatting", () => {
  it("writes parameter counts like model names", () => {
    expect(formatParameterCount(7_615_616_512)).toBe("7.6B");
    expect(formatParameterCount(115_008)).toBe("115K");
    expect(formatParameterCount(72_706_203_648)).toBe("73B");
  });

  it("writes sizes in binary units and contexts in K", () => {
    expect(formatBytes(4_683_073_536)).toBe("4.36 GiB");
    expect(formatBytes(230_656)).toBe("225 KiB");
    expect(formatContextLength(131_072)).toBe("128K");
  });

  it("summarises long metadata arrays instead of printing them", () => {
    const display = describeMetadataValue({ kind: "array", elementType: 8, length: 151_936, head: ["!", '"'], truncated: true });
    expect(display.text).toBe('array<string> × 151,936: "!", "\\"", …');
  });
});
