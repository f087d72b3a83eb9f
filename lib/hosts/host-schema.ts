// What an admin types to register an inference host, validated once for the
// Hosts page, the API and `modelshelf hosts add`.
import { z } from "zod";
import { isNfsUrl } from "../catalog/library-path.ts";
import type { HostKind, HostTarget, LlamaDelivery, PathMapping } from "./types.ts";

/** Names show in tables, CLI arguments and job titles. */
export const MAX_HOST_NAME_LENGTH = 64;
/** A path map longer than this is a mistake (one entry per library root). */
export const MAX_PATH_MAPPINGS = 32;

const pathLike = z
  .string()
  .trim()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith("/") || isNfsUrl(p), "an absolute path or an nfs://host/export/path URL");

export const pathMappingSchema = z.object({ from: pathLike, to: z.string().trim().min(1).max(4096).refine((p) => p.startsWith("/"), "an absolute path on the host") });

const baseUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .transform((raw, ctx) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue({ code: "custom", message: "a URL such as http://10.0.0.5:11434" });
      return z.NEVER;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      ctx.addIssue({ code: "custom", message: "the URL must start with http:// or https://" });
      return z.NEVER;
    }
    if (url.username || url.password || url.search || url.hash) {
      ctx.addIssue({ code: "custom", message: "the URL must not carry credentials, a query or a fragment" });
      return z.NEVER;
    }
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  });

export const hostInputSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "a host needs a name")
      .max(MAX_HOST_NAME_LENGTH)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-', starting with a letter or digit"),
    kind: z.enum(["ollama", "llama-server"]),
    baseUrl: baseUrlSchema,
    delivery: z.enum(["models-dir", "nas-direct"]).nullish(),
    modelsDir: pathLike.nullish(),
    presetPath: pathLike.nullish(),
    pathMap: z.array(pathMappingSchema).max(MAX_PATH_MAPPINGS).default([]),
    hostProfileId: z.coerce.number().int().positive().nullish(),
    enabled: z.boolean().default(true),
    autoReconcile: z.boolean().default(false),
  })
  .superRefine((host, ctx) => {
    if (host.kind === "ollama") {
      for (const key of ["delivery", "modelsDir", "presetPath"] as const) {
        if (host[key]) ctx.addIssue({ code: "custom", path: [key], message: "only for llama-server hosts (Ollama hosts receive models over their API)" });
      }
      return;
    }
    const delivery = host.delivery ?? (host.presetPath ? "nas-direct" : "models-dir");
    if (delivery === "models-dir" && !host.modelsDir) {
      ctx.addIssue({ code: "custom", path: ["modelsDir"], message: "a llama-server host needs the models directory ModelShelf copies into (the host's --models-dir), as a path or nfs:// URL" });
    }
    if (delivery === "nas-direct") {
      if (!host.presetPath) ctx.addIssue({ code: "custom", path: ["presetPath"], message: "a host that reads the NAS directly needs the preset file ModelShelf writes (the host's --models-preset)" });
      if (host.pathMap.length === 0) ctx.addIssue({ code: "custom", path: ["pathMap"], message: "say how the host sees each library root (from = library path, to = path on the host)" });
    }
  })
  .transform((host) => ({
    ...host,
    delivery: host.kind === "ollama" ? null : (host.delivery ?? (host.presetPath ? "nas-direct" : "models-dir")),
    modelsDir: host.modelsDir ?? null,
    presetPath: host.presetPath ?? null,
    hostProfileId: host.hostProfileId ?? null,
  }));

export type HostInput = z.input<typeof hostInputSchema>;
export type ValidHost = z.output<typeof hostInputSchema>;

/** The stored row as drivers see it. */
export function hostTargetFromRow(row: {
  id: number;
  name: string;
  kind: string;
  baseUrl: string;
  delivery: string | null;
  modelsDir: string | null;
  presetPath: string | null;
  pathMapJson: string;
}): HostTarget {
  let pathMap: PathMapping[] = [];
  const parsed = z.array(pathMappingSchema).safeParse(safeJson(row.pathMapJson));
  if (parsed.success) pathMap = parsed.data;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as HostKind,
    baseUrl: row.baseUrl,
    delivery: (row.delivery as LlamaDelivery | null) ?? null,
    modelsDir: row.modelsDir,
    presetPath: row.presetPath,
    pathMap,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
