// modelshelf nas probe <host> [--export <path>] [--uid N] [--gid N] [--timeout ms] [--json]
import { errorMessage } from "../errors.ts";
import { nasProbeInputSchema } from "../nfs/probe-nas-job.ts";
import { probeNasFor, type NasProbeResult } from "../nfs/probe-nas.ts";
import { formatBytes } from "./format.ts";

export async function nasProbeCommand(rawInput: Record<string, unknown>, options: { json: boolean }): Promise<number> {
  const parsed = nasProbeInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    process.stderr.write(`modelshelf nas probe: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}\n`);
    return 2;
  }
  let result: NasProbeResult;
  try {
    result = await probeNasFor(parsed.data);
  } catch (error) {
    process.stderr.write(`modelshelf nas probe: ${errorMessage(error)}\n`);
    return 1;
  }
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else printProbe(result);
  return result.steps.every((step) => step.ok) && result.steps.length > 0 ? 0 : 1;
}

function printProbe(result: NasProbeResult): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`${result.host}: ${result.reachable ? "reachable" : "NOT reachable"}`);
  if (result.reachable) out(`  NFS versions ${result.nfsVersions.join(", ") || "none"} · MOUNT versions ${result.mountVersions.join(", ") || "none"}`);
  for (const entry of result.exports) out(`  export ${entry.path}  → ${entry.groups.join(", ") || "everyone"}`);
  const detail = result.export;
  if (detail) {
    out(`  ${detail.path}:`);
    if (detail.fsstat) out(`    size ${formatBytes(detail.fsstat.totalBytes)}, free ${formatBytes(detail.fsstat.freeBytes)}, available ${formatBytes(detail.fsstat.availableBytes)}, files ${detail.fsstat.totalFiles - detail.fsstat.freeFiles}/${detail.fsstat.totalFiles}`);
    if (detail.fsinfo) out(`    read max ${formatBytes(detail.fsinfo.rtmax)} (preferred ${formatBytes(detail.fsinfo.rtpref)}), write max ${formatBytes(detail.fsinfo.wtmax)}`);
    if (detail.throughput) out(`    read ${formatBytes(detail.throughput.bytes)} of ${detail.throughput.file} in ${detail.throughput.seconds.toFixed(2)} s = ${detail.throughput.megabytesPerSecond.toFixed(0)} MB/s`);
  }
  for (const step of result.steps) {
    if (!step.ok || step.explanation) out(`  ${step.ok ? "note" : "FAILED"} ${step.step}: ${step.explanation ?? step.error ?? ""}`);
  }
}
