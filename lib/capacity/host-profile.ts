// Host profiles: the machine a model should run on (RAM, GPUs with VRAM,
// unified memory), validated with exact messages. Memory sizes are binary:
// a "16 GB" DIMM or a "24 GB" GPU holds 16 / 24 GiB (JEDEC JESD100B.01 defines
// the memory gigabyte as 2^30 bytes), so `ramGB: 16` means 16 × 2^30 bytes.

import { z } from "zod";
import { AppError } from "../errors.ts";

export const GiB = 1024 ** 3;

// Apple silicon: Metal lets the GPU wire at most MTLDevice.recommendedMaxWorkingSetSize
// of the unified memory, which llama.cpp logs at start-up. Observed values are
// about 2/3 of RAM on machines up to 32 GB and 3/4 above (e.g. 10.7 of 16 GB,
// 48 of 64 GB); `sudo sysctl iogpu.wired_limit_mb=…` raises it. Apple does not
// document the ratio, so it is a profile setting with these defaults.
export const UNIFIED_SHARE_SMALL = 2 / 3;
export const UNIFIED_SHARE_LARGE = 0.75;
export const UNIFIED_SHARE_THRESHOLD_BYTES = 36 * GiB;

// What the OS and its services keep when no share is given: a headless Linux
// server idles at 0.5–1.5 GiB; 2 GiB leaves room for the rest of the stack.
export const DEFAULT_OS_RESERVE_BYTES = 2 * GiB;

const bytes = z.number().int("must be a whole number of bytes").positive("must be more than 0");
const gigabytes = z.number().positive("must be more than 0").max(1_000_000, "must be at most 1000000 GB");

const gpuSchema = z
  .object({
    name: z.string().trim().min(1, "a GPU needs a name").max(100, "a GPU name is at most 100 characters"),
    vramBytes: bytes.optional(),
    vramGB: gigabytes.optional(),
  })
  .strict();

export const hostProfileSchema = z
  .object({
    name: z.string().trim().min(1, "a host profile needs a name").max(100, "a host profile name is at most 100 characters"),
    ramBytes: bytes.optional(),
    ramGB: gigabytes.optional(),
    gpus: z.array(gpuSchema).max(16, "at most 16 GPUs").default([]),
    unifiedMemory: z.boolean().default(false),
    /** Share of RAM the GPU may use on a unified-memory host; default 2/3 (≤ 36 GiB) or 3/4. */
    usableShare: z.number().gt(0, "usableShare must be more than 0").max(1, "usableShare must be at most 1").optional(),
    osReserveBytes: z.number().int("must be a whole number of bytes").nonnegative("must not be negative").optional(),
    osReserveGB: z.number().nonnegative("must not be negative").optional(),
  })
  .strict()
  .superRefine((profile, ctx) => {
    const exactlyOne = (a: unknown, b: unknown, path: string, message: string): void => {
      if ((a === undefined) === (b === undefined)) ctx.addIssue({ code: "custom", path: [path], message });
    };
    exactlyOne(profile.ramBytes, profile.ramGB, "ramBytes", "give the RAM as ramBytes or ramGB (exactly one)");
    if (profile.osReserveBytes !== undefined && profile.osReserveGB !== undefined) {
      ctx.addIssue({ code: "custom", path: ["osReserveBytes"], message: "give the OS reserve as osReserveBytes or osReserveGB, not both" });
    }
    profile.gpus.forEach((gpu, i) => {
      if (profile.unifiedMemory) {
        if (gpu.vramBytes !== undefined || gpu.vramGB !== undefined) {
          ctx.addIssue({ code: "custom", path: ["gpus", i, "vramBytes"], message: "a unified-memory GPU has no VRAM of its own: set usableShare instead" });
        }
      } else {
        exactlyOne(gpu.vramBytes, gpu.vramGB, "gpus", `gpus[${i}] (${gpu.name}): give the VRAM as vramBytes or vramGB (exactly one)`);
      }
    });
    if (profile.usableShare !== undefined && !profile.unifiedMemory) {
      ctx.addIssue({ code: "custom", path: ["usableShare"], message: "usableShare only applies with unifiedMemory: true" });
    }
  });

export type HostProfileInput = z.input<typeof hostProfileSchema>;
export type HostProfile = z.output<typeof hostProfileSchema>;

/** A profile in bytes, with defaults applied: what fit-model reads. */
export interface ResolvedHost {
  name: string;
  ramBytes: number;
  osReserveBytes: number;
  unifiedMemory: boolean;
  /** Unified memory: the share of RAM the GPU may use; else null. */
  usableShare: number | null;
  /** Discrete GPUs with their VRAM; on a unified host, one GPU whose budget is RAM × usableShare. */
  gpus: { name: string; vramBytes: number }[];
}

/** Validates a profile; throws AppError("invalid-input") naming every bad field. */
export function parseHostProfile(input: unknown): ResolvedHost {
  const parsed = hostProfileSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "profile"}: ${issue.message}`);
    throw new AppError("invalid-input", `invalid host profile: ${problems.join("; ")}`, { details: { problems } });
  }
  return resolveHostProfile(parsed.data);
}

export function resolveHostProfile(profile: HostProfile): ResolvedHost {
  const ramBytes = profile.ramBytes ?? Math.round((profile.ramGB ?? 0) * GiB);
  const usableShare = profile.unifiedMemory ? (profile.usableShare ?? defaultUnifiedShare(ramBytes)) : null;
  const gpus = profile.unifiedMemory
    ? [{ name: profile.gpus[0]?.name ?? "integrated GPU", vramBytes: Math.floor(ramBytes * (usableShare ?? 0)) }]
    : profile.gpus.map((gpu) => ({ name: gpu.name, vramBytes: gpu.vramBytes ?? Math.round((gpu.vramGB ?? 0) * GiB) }));
  const osReserveBytes = profile.osReserveBytes ?? (profile.osReserveGB !== undefined ? Math.round(profile.osReserveGB * GiB) : DEFAULT_OS_RESERVE_BYTES);
  if (osReserveBytes >= ramBytes) {
    throw new AppError("invalid-input", `invalid host profile: osReserveBytes (${osReserveBytes}) must be less than the RAM (${ramBytes})`);
  }
  return { name: profile.name, ramBytes, osReserveBytes, unifiedMemory: profile.unifiedMemory, usableShare, gpus };
}

/** 2/3 of RAM up to 36 GiB, 3/4 above (observed recommendedMaxWorkingSetSize). */
export function defaultUnifiedShare(ramBytes: number): number {
  return ramBytes >= UNIFIED_SHARE_THRESHOLD_BYTES ? UNIFIED_SHARE_LARGE : UNIFIED_SHARE_SMALL;
}

/**
 * "16GB", "16 GiB", "24g", "512MB", "17179869184" → bytes. Memory units are
 * binary (GB = GiB = 2^30, MB = 2^20, TB = 2^40); a bare number is bytes
 * when ≥ 2^20, else gigabytes.
 */
export function parseMemorySize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?\s*$/i.exec(text);
  if (!match) throw new AppError("invalid-input", `not a memory size: "${text}" (use e.g. 16GB, 512MB or a byte count)`);
  const value = Number(match[1]);
  const unit = (match[2] ?? "").toLowerCase();
  const scale = unit === "" ? (value >= 2 ** 20 ? 1 : GiB) : { b: 1, k: 2 ** 10, m: 2 ** 20, g: GiB, t: 2 ** 40 }[unit[0] as "b" | "k" | "m" | "g" | "t"];
  const result = Math.round(value * scale);
  if (!Number.isSafeInteger(result) || result <= 0) throw new AppError("invalid-input", `not a usable memory size: "${text}"`);
  return result;
}
