// Verification read-side: the per-model verdict in the catalogue, the
// Integrity page summary, duplicates and the scrub window, on the seeded catalogue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getModel, listModels } from "../../lib/catalog/queries.ts";
import {
  getIntegrityAlert,
  getIntegritySummary,
  listDuplicates,
  scrubSchedule,
  summarizeDuplicates,
  summarizeVerification,
  worstVerifyState,
} from "../../lib/hashing/queries.ts";
import { hashingSettingsSchema, writeHashingSettings } from "../../lib/settings/hashing-settings.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";
import { seedCatalog, type SeededCatalog } from "../helpers/seed-catalog.ts";

let temp: TempDb;
let seeded: SeededCatalog;

beforeAll(async () => {
  temp = await createTempDb("modelshelf-hashing-queries-");
  seeded = await seedCatalog(temp.db);
});

afterAll(async () => {
  await temp.cleanup();
});

/** A local time today (the scrub window is in the server's local time). */
const at = (hours: number, minutes = 0) => new Date(2026, 10, 26, hours, minutes, 0, 0);

describe("worstVerifyState", () => {
  it("ranks mismatch > unreadable > hashing > queued > unverified > verified", () => {
    const order = ["mismatch", "unreadable", "hashing", "queued", "unverified", "verified"];
    for (let i = 0; i < order.length; i++) {
      expect(worstVerifyState(order.slice(i))).toBe(order[i]);
      expect(worstVerifyState([...order.slice(i)].reverse())).toBe(order[i]);
    }
  });

  it("is null for no files and treats an unknown state as unverified, never as verified", () => {
    expect(worstVerifyState([])).toBeNull();
    expect(worstVerifyState(["verified", "from-the-future"])).toBe("unverified");
  });
});

describe("summarizeVerification", () => {
  const file = (verifyState: string, extra: Partial<{ verifyProgress: number; verifiedSource: string; missing: boolean }> = {}) => ({
    verifyState,
    verifyProgress: extra.verifyProgress ?? null,
    verifiedSource: extra.verifiedSource ?? null,
    state: "indexed",
    missingSince: extra.missing ? new Date() : null,
  });

  it("shows the weakest trust of the verified copies (first seen beats blob name)", () => {
    const summary = summarizeVerification([file("verified", { verifiedSource: "ollama-blob-name" }), file("verified", { verifiedSource: "first-seen" })]);
    expect(summary).toMatchObject({ state: "verified", source: "first-seen", files: 2, verifiedFiles: 2 });
  });

  it("averages the progress of files being hashed and ignores missing files", () => {
    const summary = summarizeVerification([
      file("hashing", { verifyProgress: 0.2 }),
      file("hashing", { verifyProgress: 0.6 }),
      file("mismatch", { missing: true }),
    ]);
    expect(summary.state).toBe("hashing");
    expect(summary.progress).toBeCloseTo(0.4);
    expect(summary.files).toBe(2);
  });
});

describe("catalogue verification column and filter", () => {
  it("summarises each model from its present files, worst state winning", async () => {
    const list = await listModels(temp.db, {});
    const byId = new Map(list.rows.map((r) => [r.id, r.verification]));
    expect(byId.get(seeded.models.mistralQ8)?.state).toBe("mismatch");
    expect(byId.get(seeded.models.llamaF16)).toMatchObject({ state: "verified", source: "sha256sums" });
    expect(byId.get(seeded.models.qwen7)).toMatchObject({ state: "verified", source: "first-seen" });
    expect(byId.get(seeded.models.qwen72Split)).toMatchObject({ state: "hashing", progress: 0.42 });
    expect(byId.get(seeded.models.gemmaArchive)?.state).toBe("queued");
    // Phi's only file is gone: no verdict rather than its old one.
    expect(byId.get(seeded.models.phiMissing)?.state).toBeNull();
  });

  it("filters by verification state with the same rule as the badge", async () => {
    const names = async (verify: string) => (await listModels(temp.db, { verify: verify as never })).rows.map((r) => r.displayName);
    expect(await names("mismatch")).toEqual(["Mistral 7B Instruct v0.3"]);
    expect(await names("verified")).toEqual(["Llama 3.2 1B Instruct", "Qwen2.5 7B Instruct"]);
    expect(await names("hashing")).toEqual(["Qwen2.5 72B Instruct"]);
    expect(await names("unreadable")).toEqual([]);
  });

  it("offers every verify state as a facet with its count", async () => {
    const list = await listModels(temp.db, {});
    expect(list.facets.verifyStates.map((f) => [f.value, f.count])).toEqual([
      ["mismatch", 1],
      ["unreadable", 0],
      ["hashing", 1],
      ["queued", 1],
      ["unverified", 0],
      ["verified", 2],
    ]);
  });

  it('filters models that have identical copies ("has duplicates") and reports the wasted space', async () => {
    const list = await listModels(temp.db, { duplicates: "1" } as never);
    expect(list.rows.map((r) => r.displayName)).toEqual(["Qwen2.5 7B Instruct"]);
    expect(list.rows[0]?.duplicates).toEqual({ groups: 1, copies: 2, wastedBytes: 4_683_073_536, confirmed: true });
    const all = await listModels(temp.db, {});
    expect(all.rows.find((r) => r.id === seeded.models.llamaF16)?.duplicates).toBeNull();
  });
});

describe("model detail verification", () => {
  it("lists each file's hash, verdict, expected hashes (disagreeing one flagged) and history, newest first", async () => {
    const model = await getModel(temp.db, seeded.models.mistralQ8);
    const file = model?.files.find((f) => f.id === seeded.files.mistral);
    expect(file).toMatchObject({ sha256: seeded.hashes.mistralActual, verifyState: "mismatch", verifiedSource: "sidecar" });
    expect(file?.verifyError).toContain("MISMATCH");
    // The sidecar outranks our own first-seen hash, and it is the one that disagrees.
    expect(file?.expectedHashes.map((e) => [e.source, e.agrees])).toEqual([
      ["sidecar", false],
      ["first-seen", true],
    ]);
    expect(file?.verifications.map((v) => [v.trigger, v.status])).toEqual([
      ["scrub", "mismatch"],
      ["scan", "verified"],
    ]);
    expect(file?.verifications[0]?.bytesPerSecond).toBeCloseTo(7_702_565_024 / 96.3);
    expect(() => JSON.stringify(model)).not.toThrow();
  });

  it("counts identical copies per file and the space they waste per model", async () => {
    const model = await getModel(temp.db, seeded.models.qwen7);
    expect(model?.files.map((f) => f.identicalCopies)).toEqual([2, 2]);
    expect(model?.duplicates?.wastedBytes).toBe(4_683_073_536);
    expect((await getModel(temp.db, seeded.models.llamaF16))?.duplicates).toBeNull();
  });
});

describe("summarizeDuplicates", () => {
  const copy = (headerFingerprint: string | null, sha256: string | null, sizeBytes = 100) => ({
    headerFingerprint,
    sha256,
    sizeBytes,
    state: "indexed",
    missingSince: null,
  });

  it("groups by header fingerprint until hashed, confirming by hash", () => {
    expect(summarizeDuplicates([copy("a", null), copy("a", "h1")])).toEqual({ groups: 1, copies: 2, wastedBytes: 100, confirmed: false });
    expect(summarizeDuplicates([copy("a", "h1"), copy("a", "h1"), copy("a", "h1")])).toEqual({ groups: 1, copies: 3, wastedBytes: 200, confirmed: true });
  });

  it("does not call copies with different hashes duplicates (one of them is damaged)", () => {
    expect(summarizeDuplicates([copy("a", "h1"), copy("a", "h2")])).toBeNull();
  });
});

describe("listDuplicates", () => {
  it("lists each duplicated content once with its copies and (copies − 1) × size wasted", async () => {
    const list = await listDuplicates(temp.db);
    expect(list.totalGroups).toBe(1);
    expect(list.totalWastedBytes).toBe(4_683_073_536);
    const group = list.groups[0];
    expect(group).toMatchObject({ copies: 2, sizeBytes: 4_683_073_536, wastedBytes: 4_683_073_536, basis: "sha256", modelName: "Qwen2.5 7B Instruct" });
    expect(group?.files.map((f) => f.relPath).sort()).toEqual([
      "blobs/sha256-5ee4f07cdb9beadbbb293e85803c569b01bd37ed059d2715faa7bb405f31caa6",
      "qwen/qwen2.5-7b-instruct-q4_k_m.gguf",
    ]);
  });

  it('reports an unhashed copy with the same header as a "header" duplicate', async () => {
    const copy = await temp.db.libraryFile.create({
      data: {
        libraryId: seeded.libraries.nas,
        relPath: "backup/Llama-3.2-1B-Instruct-F16.gguf",
        sizeBytes: 2_479_595_200n,
        mtimeMs: 0,
        inode: "backup-1",
        state: "indexed",
        headerFingerprint: "hfp-llama/Llama-3.2-1B-Instruct-F16.gguf",
        modelId: seeded.models.llamaF16,
      },
    });
    try {
      const list = await listDuplicates(temp.db);
      expect(list.totalGroups).toBe(2);
      // Sorted by wasted space: the bigger Qwen group first.
      expect(list.groups.map((g) => [g.modelName, g.basis])).toEqual([
        ["Qwen2.5 7B Instruct", "sha256"],
        ["Llama 3.2 1B Instruct", "header"],
      ]);
      expect(list.totalWastedBytes).toBe(4_683_073_536 + 2_479_595_200);
    } finally {
      await temp.db.libraryFile.delete({ where: { id: copy.id } });
    }
  });
});

describe("getIntegritySummary", () => {
  it("lists the mismatch first, then the unreadable file, with expected vs actual and where the claim came from", async () => {
    const summary = await getIntegritySummary(temp.db);
    expect(summary.problems.map((p) => [p.verifyState, p.relPath])).toEqual([
      ["mismatch", "mistral/Mistral-7B-Instruct-v0.3-Q8_0.gguf"],
      ["unreadable", "broken/truncated-model.gguf"],
    ]);
    const mismatch = summary.problems[0];
    expect(mismatch).toMatchObject({
      actualSha256: seeded.hashes.mistralActual,
      expected: { sha256: seeded.hashes.mistralExpected, source: "sidecar", sourcePath: "mistral/Mistral-7B-Instruct-v0.3-Q8_0.gguf.sha256", agrees: false },
      modelName: "Mistral 7B Instruct v0.3",
      libraryLabel: "nas-models",
    });
    expect(summary.problems[1]?.error).toContain("EIO");
    expect(summary.problemTotal).toBe(2);
  });

  it("counts present files per verify state (missing and temporary files excluded)", async () => {
    const { counts } = await getIntegritySummary(temp.db);
    expect(Object.fromEntries(Object.entries(counts).map(([state, c]) => [state, c.files]))).toEqual({
      mismatch: 1,
      unreadable: 1,
      hashing: 1,
      queued: 1,
      unverified: 0,
      verified: 4,
    });
  });

  it("splits coverage into verified within the interval, stale and never verified, by count and bytes", async () => {
    const { coverage } = await getIntegritySummary(temp.db);
    expect(coverage.intervalDays).toBe(30);
    // Llama (1 day), Mistral (2 h), Qwen 7B + blob (3 days), the unreadable file (20 min).
    expect(coverage.fresh.files).toBe(5);
    // Qwen 72B shard 1, 45 days ago.
    expect(coverage.stale).toEqual({ files: 1, bytes: 15_805_238_613 });
    // Qwen 72B shard 3 (hashing now) and Gemma.
    expect(coverage.never).toEqual({ files: 2, bytes: 15_805_238_613 + 2_151_393_024 });
    expect(coverage.total.files).toBe(8);
  });

  it("follows the interval setting", async () => {
    await writeHashingSettings(temp.db, hashingSettingsSchema.parse({ scrubIntervalDays: 2 }));
    try {
      const { coverage } = await getIntegritySummary(temp.db);
      expect(coverage.fresh.files).toBe(3);
      expect(coverage.stale.files).toBe(3);
    } finally {
      await temp.db.setting.deleteMany({});
    }
  });

  it("reports checksum-file problems with their line numbers", async () => {
    const { checksumProblems } = await getIntegritySummary(temp.db);
    expect(checksumProblems.map((p) => [p.relPath, p.line, p.message])).toEqual([
      ["llama/SHA256SUMS", 3, 'not a checksum line: expected "<64 hex digits>  <file name>"'],
      ["llama/SHA256SUMS", null, "lists llama/Llama-3.2-3B-Instruct-F16.gguf, which is not in this library"],
    ]);
  });

  it("shows the running scrub and the last finished one", async () => {
    const summary = await getIntegritySummary(temp.db);
    expect(summary.currentScrub).toMatchObject({ id: seeded.scrubRuns.running, filesTotal: 4, filesDone: 1, mismatches: 1 });
    expect(summary.lastScrub).toMatchObject({ id: seeded.scrubRuns.done, status: "done", filesDone: 7 });
    expect(() => JSON.stringify(summary)).not.toThrow();
  });

  it("summarises each library's verified and problem files", async () => {
    const { libraries } = await getIntegritySummary(temp.db);
    const nas = libraries.find((l) => l.id === seeded.libraries.nas);
    expect(nas).toMatchObject({ files: 6, verified: 3, problems: 2 });
    expect(libraries.find((l) => l.id === seeded.libraries.ollama)).toMatchObject({ files: 1, verified: 1, problems: 0 });
  });
});

describe("getIntegrityAlert", () => {
  it("counts present files in mismatch for the global banner", async () => {
    expect(await getIntegrityAlert(temp.db)).toEqual({ mismatches: 1 });
  });
});

describe("scrubSchedule", () => {
  it("is always open with no window", () => {
    expect(scrubSchedule(at(12), "")).toEqual({ window: "", anyTime: true, openNow: true, nextStart: null, closesAt: null });
  });

  it("gives the next start today before the window and tomorrow after it", () => {
    expect(scrubSchedule(at(0, 30), "01:00-06:00")).toMatchObject({ openNow: false, nextStart: at(1).toISOString() });
    expect(scrubSchedule(at(6), "01:00-06:00").nextStart).toBe(new Date(2026, 10, 27, 1, 0).toISOString());
  });

  it("gives when an open window closes, the next morning for one that wraps midnight", () => {
    expect(scrubSchedule(at(2), "01:00-06:00")).toMatchObject({ openNow: true, closesAt: at(6).toISOString() });
    expect(scrubSchedule(at(23), "22:00-04:00")).toMatchObject({ openNow: true, closesAt: new Date(2026, 10, 27, 4, 0).toISOString() });
    expect(scrubSchedule(at(3), "22:00-04:00")).toMatchObject({ openNow: true, closesAt: at(4).toISOString() });
    expect(scrubSchedule(at(12), "22:00-04:00")).toMatchObject({ openNow: false, nextStart: at(22).toISOString() });
  });
});
