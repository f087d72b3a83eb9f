import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostProfileSchema } from "../../lib/capacity/host-profile.ts";
import { parseScenario } from "../../lib/capacity/scenario.ts";
import { contentKeys, getCatalogueUsage, getLibraryUsage, listFitModels, listHostProfiles, listPlanScenarios } from "../../lib/plans/queries.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";
import { seedCatalog, type SeededCatalog } from "../helpers/seed-catalog.ts";

const GiB = 2 ** 30;
const TiB = 2 ** 40;

let temp: TempDb;
let seeded: SeededCatalog;

beforeAll(async () => {
  temp = await createTempDb("modelshelf-capacity-queries-");
  seeded = await seedCatalog(temp.db);
});

afterAll(async () => {
  await temp.cleanup();
});

describe("getLibraryUsage", () => {
  it("reports each root's size, used and available space from the stored statfs figures", async () => {
    const { roots } = await getLibraryUsage(temp.db);
    const nas = roots.find((r) => r.libraryId === seeded.libraries.nas);
    expect(nas?.source).toBe("statfs");
    expect(nas?.fsType).toBe("nfs4");
    expect(nas?.space).toEqual({ totalBytes: 16 * TiB, freeBytes: 5 * TiB, availableBytes: 4.5 * TiB, usedBytes: 11 * TiB });
    const archive = roots.find((r) => r.libraryId === seeded.libraries.archive);
    expect(archive?.space).toEqual({ totalBytes: 64 * GiB, freeBytes: 20 * GiB, availableBytes: 17 * GiB, usedBytes: 44 * GiB });
  });

  it("labels the figures of an nfs:// root as FSSTAT from the built-in client", async () => {
    const { roots } = await getLibraryUsage(temp.db);
    const nfs = roots.find((r) => r.libraryId === seeded.libraries.nfs);
    expect(nfs?.source).toBe("fsstat");
    expect(nfs?.space?.totalBytes).toBe(16 * TiB);
  });

  it("counts the catalogue's present, indexed bytes under each root", async () => {
    const { roots } = await getLibraryUsage(temp.db);
    // Llama, Mistral, Qwen 72B shards 1 and 3 (shard 2 is missing), Qwen 7B; not the broken or ignored files.
    const nas = roots.find((r) => r.libraryId === seeded.libraries.nas);
    expect(nas?.catalogueBytes).toBe(2_479_595_200 + 7_702_565_024 + 2 * 15_805_238_613 + 4_683_073_536);
    expect(roots.find((r) => r.libraryId === seeded.libraries.ollama)?.catalogueBytes).toBe(4_683_073_536);
  });

  it("counts a NAS volume shared by several roots once in the totals", async () => {
    const { roots, totals } = await getLibraryUsage(temp.db);
    // /srv/nas/models, /srv/nas/ollama and the nfs:// root all report nas.lan's one 16 TiB volume.
    expect(roots.find((r) => r.libraryId === seeded.libraries.ollama)?.sameFilesystemAs).toBe(seeded.libraries.nas);
    expect(roots.find((r) => r.libraryId === seeded.libraries.nfs)?.sameFilesystemAs).toBe(seeded.libraries.nas);
    expect(roots.find((r) => r.libraryId === seeded.libraries.nas)?.sameFilesystemAs).toBeNull();
    expect(totals).toEqual({ totalBytes: 16 * TiB + 64 * GiB, usedBytes: 11 * TiB + 44 * GiB, availableBytes: 4.5 * TiB + 17 * GiB, filesystems: 2 });
  });

  it("has no space figures for a root the worker has not measured yet", async () => {
    const library = await temp.db.library.create({ data: { path: "/srv/new-root", status: "unknown" } });
    try {
      const root = (await getLibraryUsage(temp.db)).roots.find((r) => r.libraryId === library.id);
      expect(root?.space).toBeNull();
      expect(root?.source).toBeNull();
    } finally {
      await temp.db.library.delete({ where: { id: library.id } });
    }
  });
});

describe("getCatalogueUsage", () => {
  it("counts the Qwen 7B file and its byte-identical Ollama blob once", async () => {
    const usage = await getCatalogueUsage(temp.db);
    const qwen7 = usage.models.find((m) => m.modelId === seeded.models.qwen7);
    expect(qwen7).toMatchObject({ uniqueBytes: 4_683_073_536, storedBytes: 2 * 4_683_073_536, copies: 2 });
    expect(usage.duplicateBytes).toBe(4_683_073_536);
    expect(usage.storedBytes - usage.uniqueBytes).toBe(4_683_073_536);
  });

  it("adds up one copy of every present model, leaving out missing shards and missing models", async () => {
    const usage = await getCatalogueUsage(temp.db);
    expect(usage.uniqueBytes).toBe(2_479_595_200 + 7_702_565_024 + 2 * 15_805_238_613 + 4_683_073_536 + 2_151_393_024);
    expect(usage.models.find((m) => m.modelId === seeded.models.phiMissing)).toBeUndefined();
    expect(usage.models.find((m) => m.modelId === seeded.models.qwen72Split)?.uniqueBytes).toBe(2 * 15_805_238_613);
  });

  it("lists the biggest models first", async () => {
    const usage = await getCatalogueUsage(temp.db);
    expect(usage.models.map((m) => m.displayName)).toEqual([
      "Qwen2.5 72B Instruct",
      "Mistral 7B Instruct v0.3",
      "Qwen2.5 7B Instruct",
      "Llama 3.2 1B Instruct",
      "Gemma 2 2B It",
    ]);
  });
});

describe("contentKeys", () => {
  it("groups by SHA-256 when known, else by header fingerprint", () => {
    const keys = contentKeys([
      { id: 1, sha256: "aa", headerFingerprint: "h1" },
      { id: 2, sha256: "aa", headerFingerprint: "h2" },
      { id: 3, sha256: null, headerFingerprint: "h3" },
      { id: 4, sha256: null, headerFingerprint: "h3" },
    ]);
    expect(keys.get(1)).toBe(keys.get(2));
    expect(keys.get(3)).toBe(keys.get(4));
    expect(keys.get(1)).not.toBe(keys.get(3));
  });

  it("joins a copy not hashed yet to the hashed copy with the same header fingerprint", () => {
    const keys = contentKeys([
      { id: 1, sha256: "bb", headerFingerprint: "h1" },
      { id: 2, sha256: null, headerFingerprint: "h1" },
    ]);
    expect(keys.get(2)).toBe(keys.get(1));
  });

  it("keeps files apart whose headers match but whose hashes differ (one is damaged)", () => {
    const keys = contentKeys([
      { id: 1, sha256: "cc", headerFingerprint: "h1" },
      { id: 2, sha256: "dd", headerFingerprint: "h1" },
    ]);
    expect(keys.get(1)).not.toBe(keys.get(2));
  });
});

describe("listFitModels", () => {
  it("lists present models with the header facts the memory estimate needs, smallest first", async () => {
    const models = await listFitModels(temp.db);
    expect(models.map((m) => m.displayName)).toEqual([
      "Llama 3.2 1B Instruct",
      "Gemma 2 2B It",
      "Mistral 7B Instruct v0.3",
      "Qwen2.5 7B Instruct",
      "Qwen2.5 72B Instruct",
    ]);
    const qwen7 = models.find((m) => m.id === seeded.models.qwen7);
    expect(qwen7).toMatchObject({ architecture: "qwen2", blockCount: 28, headCount: 28, headCountKv: 4, embeddingLength: 3584, contextLength: 32_768, tensorBytes: 4_682_900_000 });
    expect(qwen7?.metadata["qwen2.context_length"]).toBe(32_768);
    expect(() => JSON.stringify(models)).not.toThrow();
  });
});

describe("saved scenarios and host profiles", () => {
  it("lists the seeded scenario and both host profiles by name", async () => {
    expect((await listPlanScenarios(temp.db)).map((s) => s.name)).toEqual(["Team NAS 2026"]);
    expect((await listHostProfiles(temp.db)).map((p) => p.name)).toEqual(["Mac Studio M2 Ultra 64 GB", "Workstation RTX 4090"]);
  });

  it("returns the stored documents, which the planners' schemas accept", async () => {
    const [scenario] = await listPlanScenarios(temp.db);
    expect(parseScenario(scenario?.scenario).nas.raid).toBe("shr");
    for (const profile of await listHostProfiles(temp.db)) expect(hostProfileSchema.safeParse(profile.profile).success).toBe(true);
  });
});
