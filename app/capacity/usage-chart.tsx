"use client";
// Planned usage over time against the pool's capacity: an area for the bytes
// the library will need, a dashed line at the volume's size and a solid one at
// what may be filled (after the keep-free reserve), and the fill date marked.
// Recharts renders plain SVG in the browser; nothing is fetched.
import { Area, AreaChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { formatTB } from "../../lib/capacity/raid.ts";

export interface UsagePoint {
  date: string;
  bytes: number;
}

const TB = 1e12;

function tbLabel(bytes: number): string {
  const tb = bytes / TB;
  return `${tb >= 10 ? tb.toFixed(0) : tb.toFixed(1)} TB`;
}

function shortDate(iso: string): string {
  return iso.slice(0, 7);
}

export function UsageChart({
  points,
  volumeBytes,
  availableBytes,
  fillDate,
}: {
  points: UsagePoint[];
  /** After RAID, system partitions and filesystem: the volume's size. */
  volumeBytes: number;
  /** What may be filled: usable minus the keep-free reserve. */
  availableBytes: number;
  fillDate: string | null;
}) {
  const data = points.map((p) => ({ date: p.date.slice(0, 10), bytes: p.bytes }));
  const top = Math.max(volumeBytes, ...data.map((d) => d.bytes)) * 1.08;
  const fill = fillDate ? fillDate.slice(0, 10) : null;
  // The fill date is drawn on the category axis, so it needs a point of its own when it falls between two.
  if (fill && !data.some((d) => d.date === fill)) {
    const after = data.findIndex((d) => d.date > fill);
    if (after > 0) data.splice(after, 0, { date: fill, bytes: availableBytes });
  }
  return (
    <div data-testid="usage-chart" className="w-full" role="img" aria-label="Planned library size over time against the pool's capacity">
      <AreaChart responsive style={{ width: "100%", height: 240 }} data={data} margin={{ top: 14, right: 24, bottom: 0, left: 4 }}>
        <CartesianGrid stroke="#e5e5e5" vertical={false} />
        <XAxis dataKey="date" tickFormatter={shortDate} tick={{ fontSize: 11, fill: "#737373" }} minTickGap={28} />
        <YAxis domain={[0, top]} tickFormatter={tbLabel} tick={{ fontSize: 11, fill: "#737373" }} width={56} />
        <Tooltip
          formatter={(value) => [tbLabel(Number(value)), "needed"]}
          labelFormatter={(label) => String(label)}
          contentStyle={{ fontSize: 12, padding: "4px 8px" }}
        />
        <Area type="monotone" dataKey="bytes" stroke="#0369a1" strokeWidth={1.5} fill="#0ea5e9" fillOpacity={0.18} isAnimationActive={false} name="needed" />
        <ReferenceLine y={volumeBytes} stroke="#525252" strokeDasharray="4 3" label={{ value: `volume ${formatTB(volumeBytes)}`, position: "insideTopLeft", fontSize: 11, fill: "#525252" }} />
        <ReferenceLine y={availableBytes} stroke="#b45309" label={{ value: `fillable ${formatTB(availableBytes)} (reserve kept free)`, position: "insideBottomLeft", fontSize: 11, fill: "#b45309" }} />
        {fill ? <ReferenceLine x={fill} stroke="#dc2626" strokeDasharray="3 3" label={{ value: `full ${fill}`, position: "insideTopRight", fontSize: 11, fill: "#dc2626" }} /> : null}
      </AreaChart>
    </div>
  );
}
