// Small status pills shared by the pages (server components; no client JS).
import type { ReactNode } from "react";

export type Tone = "neutral" | "green" | "amber" | "red" | "blue" | "violet";

const toneClasses: Record<Tone, string> = {
  neutral: "border-neutral-300 bg-neutral-50 text-neutral-700",
  green: "border-emerald-300 bg-emerald-50 text-emerald-800",
  amber: "border-amber-300 bg-amber-50 text-amber-800",
  red: "border-red-300 bg-red-50 text-red-800",
  blue: "border-sky-300 bg-sky-50 text-sky-800",
  violet: "border-violet-300 bg-violet-50 text-violet-800",
};

export function Badge({ tone = "neutral", title, children }: { tone?: Tone; title?: string; children: ReactNode }) {
  return (
    <span
      title={title}
      className={`inline-flex items-center rounded border px-1.5 py-px text-[11px] leading-4 font-medium whitespace-nowrap ${toneClasses[tone]}`}
    >
      {children}
    </span>
  );
}

const modelStateTone: Record<string, Tone> = { ok: "green", missing: "neutral", incomplete: "amber", error: "red" };
const modelStateTitle: Record<string, string> = {
  ok: "A complete copy is present",
  missing: "No file of this model is present any more",
  incomplete: "Present, but with problems (e.g. a missing shard)",
  error: "Files are present but could not be indexed",
};

export function ModelStateBadge({ state }: { state: string }) {
  return (
    <Badge tone={modelStateTone[state] ?? "neutral"} title={modelStateTitle[state]}>
      {state}
    </Badge>
  );
}

const fileStateTone: Record<string, Tone> = { indexed: "green", settling: "blue", error: "red", ignored: "neutral" };

export function FileStateBadge({ state, missing }: { state: string; missing: boolean }) {
  if (missing) return <Badge tone="amber">missing</Badge>;
  return <Badge tone={fileStateTone[state] ?? "neutral"}>{state}</Badge>;
}

const libraryStatusTone: Record<string, Tone> = { ok: "green", unavailable: "red", unknown: "neutral" };

export function LibraryStatusBadge({ status }: { status: string }) {
  return <Badge tone={libraryStatusTone[status] ?? "neutral"}>{status}</Badge>;
}
