// How full a filesystem or export is: a bar that turns amber past 85 % and red
// past 95 %, with used / total / available under it. Shared by the Libraries
// and NAS check pages; no hooks, so it renders in server and client components.
import { formatBytes, percent } from "../../lib/catalog/format.ts";

export interface SpaceFigures {
  totalBytes: number;
  freeBytes: number;
  availableBytes: number;
}

export function UsageBar({ space, label = "Space used", testId = "usage-bar" }: { space: SpaceFigures; label?: string; testId?: string }) {
  const used = space.totalBytes - space.freeBytes;
  const share = percent(used, space.totalBytes);
  const tone = share >= 95 ? "bg-red-600" : share >= 85 ? "bg-amber-500" : "bg-neutral-700";
  return (
    <div className="mt-1.5" data-testid={testId}>
      <div className="h-2 overflow-hidden rounded-sm bg-neutral-200" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(share)}>
        <div className={`h-full ${tone}`} style={{ width: `${share}%` }} />
      </div>
      <div className="mt-0.5 text-[12px] text-neutral-600 tabular-nums">
        {formatBytes(used)} used of {formatBytes(space.totalBytes)} ({share.toFixed(0)} %) · {formatBytes(space.availableBytes)} available
      </div>
    </div>
  );
}
