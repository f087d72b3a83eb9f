// `modelshelf plan`, run as a user would (a child process).
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { locateJsonError } from "../../lib/cli/plan-command.ts";

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, "..", "..", "bin", "modelshelf.js");
let dir: string;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, MODELSHELF_LOG_LEVEL: "error" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function scenarioFile(name: string, content: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return file;
}

/** The README's worked example: a 4-bay NAS for a team running Qwen2.5 7B and 14B at Q4_K_M. */
const teamScenario = {
  name: "Team NAS",
  nas: { raid: "SHR", drivesTB: [8, 8, 8, 8] },
  current: { usedTB: 1.2 },
  planned: [
    { model: "qwen2.5:7b", quants: ["Q4_K_M", "Q8_0"], versions: 2 },
    { model: "qwen2.5:14b", quant: "Q4_K_M", versions: 2 },
  ],
  growth: { modelsPerQuarter: 3, averageModel: { parameters: "32B", quants: ["Q4_K_M", "Q8_0"], versions: 2 } },
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "modelshelf-plan-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("modelshelf plan", () => {
  it("prints the evaluation as JSON and exits 0 when the plan fits", async () => {
    const file = await scenarioFile("team.json", teamScenario);
    const { code, stdout } = await cli(["plan", file, "--json", "--now", "2027-01-01"]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ now: "2027-01-01", policy: "exact", fits: true, rawBytes: 32e12, usableBytes: 24e12, currentBytes: 1.2e12 });
    for (const key of ["availableBytes", "volumeBytes", "requiredBytes", "requiredBytesExact", "requiredBytesRuleOfThumb", "headroomBytes"]) {
      expect(typeof out[key], key).toBe("number");
    }
    expect(out.availableBytes).toBeLessThan(out.usableBytes);
    expect(out.fillDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(out.usageOverTime[0]).toEqual({ date: "2027-01-01", bytes: out.requiredBytes });
    expect(out.recommendations.length).toBeGreaterThan(0);
    expect(out.recommendations[0]).toMatchObject({ bays: expect.any(Number), drives: expect.any(Number), driveTB: expect.any(Number), raid: expect.any(String) });
    expect(out.planned.map((p: { label: string }) => p.label)).toEqual(["Qwen2.5 7B Instruct", "Qwen2.5 14B Instruct"]);
    expect(out.explanations.length).toBeGreaterThan(5);
  });

  it("prints a readable summary without --json", async () => {
    const file = await scenarioFile("team.json", teamScenario);
    const { code, stdout } = await cli(["plan", file, "--now", "2027-01-01"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^NAS {9}SHR over 8 \+ 8 \+ 8 \+ 8 TB \(1 drive may fail\)$/m);
    expect(stdout).toMatch(/^raw {9}32 TB \(29\.1 TiB\)$/m);
    expect(stdout).toMatch(/^usable {6}24 TB \(21\.83 TiB\) after RAID$/m);
    expect(stdout).toMatch(/^fits {8}yes, /m);
    expect(stdout).toMatch(/^fill date {3}\d{4}-\d{2}-\d{2}$/m);
    expect(stdout).toContain("Recommendations (hold ");
    expect(stdout).toContain("How this was worked out:");
  });

  it("exits 1 when the plan does not fit", async () => {
    const file = await scenarioFile("small.json", { nas: { raid: "raid1", drivesTB: [2, 2] }, current: { usedTB: 1.9 } });
    const { code, stdout } = await cli(["plan", file, "--json"]);
    expect(code).toBe(1);
    const out = JSON.parse(stdout);
    expect(out.fits).toBe(false);
    expect(out.headroomBytes).toBeLessThan(0);
    expect(out.fillDate).toBe(out.now);
  });

  it("exits 2 naming every schema problem with its path", async () => {
    const file = await scenarioFile("bad.json", { nas: { raid: "RAID 5", drivesTB: [4, 4] }, planned: [{ model: "qwen9:7b" }] });
    const { code, stdout, stderr } = await cli(["plan", file, "--json"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(`modelshelf plan: ${file} is not a valid scenario:`);
    expect(stderr).toContain("  nas.drivesTB: RAID 5 needs at least 3 drives (got 2)");
    expect(stderr).toContain('  planned[0].model: unknown model "qwen9:7b"');
  });

  it("exits 2 with the line and column of a JSON syntax error", async () => {
    const file = await scenarioFile("broken.json", '{\n  "nas": { "raid": "shr", "drivesTB": [4, 4] },\n  "planned": [ }\n');
    const { code, stderr } = await cli(["plan", file]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`modelshelf plan: ${file} is not valid JSON: line 3, column 16: expected a value, found "}"`);
  });

  it("exits 2 for a missing file, an oversized file, a bad --now and no argument", async () => {
    expect(await cli(["plan", path.join(dir, "nope.json")])).toMatchObject({ code: 2, stderr: `modelshelf plan: ${path.join(dir, "nope.json")} does not exist\n` });
    const big = await scenarioFile("big.json", " ".repeat(1024 * 1024 + 1));
    expect((await cli(["plan", big])).stderr).toMatch(/is 1048577 bytes, more than the 1048576 bytes expected/);
    const file = await scenarioFile("ok.json", { nas: { raid: "shr", drivesTB: [4, 4] } });
    expect(await cli(["plan", file, "--now", "2027-02-30"])).toMatchObject({ code: 2, stderr: "modelshelf plan: --now must be a date as YYYY-MM-DD (got 2027-02-30)\n" });
    expect((await cli(["plan"])).code).toBe(2);
  });

  it("prints help", async () => {
    const { code, stdout } = await cli(["plan", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("modelshelf plan [options] <scenario>");
    expect(stdout).toContain("--json");
  });
});

describe("JSON error location", () => {
  it.each([
    ['{"a": 1,}', 1, 9, "a property name in double quotes"],
    ["[1, 2,]", 1, 7, "a value"],
    ['{"a" 1}', 1, 6, "':' after the property name"],
    ['{"a": "x\ny"}', 1, 9, "a closing quote (line breaks and control characters inside a string must be escaped)"],
    ['{"a": 1}\n x', 2, 2, "the end of the document"],
    ["", 1, 1, "a value"],
    ["{'a': 1}", 1, 2, "a property name in double quotes"],
  ])("%j: line %i, column %i, expected %s", (text, line, column, expected) => {
    expect(locateJsonError(text)).toMatchObject({ line, column, expected });
  });

  it("finds nothing wrong with valid JSON", () => {
    expect(locateJsonError('{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"], "b": {}}')).toBeNull();
  });
});
