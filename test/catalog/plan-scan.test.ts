import { describe, expect, it } from "vitest";
import { evaluateMissingGuard, planScan, type KnownFile, type SeenFile } from "../../lib/catalog/plan-scan.ts";

const known = (relPath: string, extra: Partial<KnownFile> = {}): KnownFile => ({
  id: Math.floor(Math.random() * 1e9),
  relPath,
  sizeBytes: 100n,
  mtimeMs: 1000,
  inode: "7",
  state: "indexed",
  missingSince: null,
  ...extra,
});
const seen = (relPath: string, extra: Partial<SeenFile> = {}): SeenFile => ({
  relPath,
  sizeBytes: 100,
  mtimeMs: 1000,
  ino: "7",
  kind: "gguf",
  ...extra,
});

describe("planScan", () => {
  it("treats a path with the same size, mtime and inode as unchanged (no re-read)", () => {
    const plan = planScan([known("a.gguf")], [seen("a.gguf")]);
    expect(plan.decisions.map((d) => d.action)).toEqual(["unchanged"]);
  });

  it("re-reads a file whose size, mtime or inode changed", () => {
    const plan = planScan(
      [known("size.gguf"), known("mtime.gguf"), known("inode.gguf")],
      [seen("size.gguf", { sizeBytes: 101 }), seen("mtime.gguf", { mtimeMs: 2000 }), seen("inode.gguf", { ino: "8" })],
    );
    expect(plan.decisions.map((d) => d.action)).toEqual(["changed", "changed", "changed"]);
  });

  it("reads a new path", () => {
    expect(planScan([], [seen("new.gguf")]).decisions[0]?.action).toBe("new");
  });

  it("reads a settling file once a later scan sees the same stat", () => {
    const plan = planScan([known("copying.gguf", { state: "settling" })], [seen("copying.gguf")]);
    expect(plan.decisions[0]?.action).toBe("settled");
  });

  it("lists temporary names as ignored, never read", () => {
    const plan = planScan([], [seen(".model.gguf.Xy12ab", { kind: "temp" })]);
    expect(plan.decisions[0]?.action).toBe("ignored");
  });

  it("reports known files the walk did not find as vanished, but not files already missing", () => {
    const plan = planScan([known("gone.gguf"), known("old.gguf", { missingSince: new Date() })], []);
    expect(plan.vanished.map((f) => f.relPath)).toEqual(["gone.gguf"]);
  });

  it("does not mark files missing under a directory the walk could not read", () => {
    const plan = planScan([known("stale/a.gguf"), known("ok/b.gguf")], [], ["stale"]);
    expect(plan.vanished.map((f) => f.relPath)).toEqual(["ok/b.gguf"]);
  });

  it("reports a missing file that is back as returned", () => {
    const plan = planScan([known("back.gguf", { missingSince: new Date() })], [seen("back.gguf")]);
    expect(plan.returned.map((f) => f.relPath)).toEqual(["back.gguf"]);
    expect(plan.decisions[0]?.action).toBe("unchanged");
  });
});

describe("evaluateMissingGuard", () => {
  const base = { knownPresent: 100, vanished: 0, seen: 100, percent: 20, minFiles: 3, acceptMissing: false };

  it("stops a scan that finds an empty root where files were known", () => {
    const result = evaluateMissingGuard({ ...base, vanished: 100, seen: 0 });
    expect(result.ok).toBe(false);
  });

  it("stops a scan that would make more than the configured share vanish", () => {
    const result = evaluateMissingGuard({ ...base, vanished: 21, seen: 79 });
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.reason).toContain("21 of 100");
  });

  it("lets a scan mark up to the configured share missing", () => {
    expect(evaluateMissingGuard({ ...base, vanished: 20, seen: 80 }).ok).toBe(true);
  });

  it("lets a small library lose a whole model (fewer vanished files than the minimum)", () => {
    expect(evaluateMissingGuard({ ...base, knownPresent: 3, vanished: 1, seen: 2 }).ok).toBe(true);
  });

  it("lets the admin accept mass removal explicitly", () => {
    expect(evaluateMissingGuard({ ...base, vanished: 100, seen: 0, acceptMissing: true }).ok).toBe(true);
  });
});
