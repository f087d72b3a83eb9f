// Ollama's format.HumanNumber: the "model_type" (parameter size, e.g. "14.8B")
// that `ollama create` writes into a model's config blob (formats.md §3). Pure.
// Go's %.Nf rounds the exact binary value half-to-even, JavaScript's toFixed
// rounds exact ties up; the difference shows on counts like 2,250,000,000
// ("2.2B" in Go), so the rounding is done here on the exact decimal expansion.

const THOUSAND = 1_000n;
const MILLION = 1_000_000n;
const BILLION = 1_000_000_000n;

/** Fraction digits toFixed prints: a double of at least 2^-7 has at most 60 binary,
 * hence 60 decimal, fraction digits, so its expansion is exact. */
const EXACT_FRACTION_DIGITS = 60;
const SMALLEST_EXACT = 2 ** -7;

export function humanNumber(count: bigint): string {
  if (count < 0n) throw new RangeError(`a parameter count cannot be negative, got ${count}`);
  if (count >= BILLION) return scaled(count, BILLION, "B", 1);
  if (count >= MILLION) return scaled(count, MILLION, "M", 2);
  if (count >= THOUSAND) return `${formatFixedLikeGo(Number(count) / Number(THOUSAND), 0)}K`;
  return count.toString();
}

/** Whole numbers without decimals, others with `decimals` (HumanNumber's two branches). */
function scaled(count: bigint, unit: bigint, suffix: string, decimals: number): string {
  // float64(b) / Billion, exactly as Go computes it: both conversions round to nearest.
  const value = Number(count) / Number(unit);
  if (value === Math.floor(value)) return `${formatFixedLikeGo(value, 0)}${suffix}`;
  return `${formatFixedLikeGo(value, decimals)}${suffix}`;
}

/** fmt.Sprintf("%.<decimals>f", value) for 0 or a value in [2^-7, 1e21). */
export function formatFixedLikeGo(value: number, decimals: number): string {
  const exactlyExpandable = value === 0 || (value >= SMALLEST_EXACT && value < 1e21);
  if (!exactlyExpandable || !Number.isInteger(decimals) || decimals < 0 || decimals > 20) throw new RangeError(`cannot format ${value} with ${decimals} decimals`);
  const exact = value.toFixed(EXACT_FRACTION_DIGITS);
  const point = exact.indexOf(".");
  const intPart = exact.slice(0, point);
  const fraction = exact.slice(point + 1);
  const kept = intPart + fraction.slice(0, decimals);
  const rest = fraction.slice(decimals);
  const firstDropped = rest.charCodeAt(0) - 48;
  const tail = rest.slice(1);
  const lastKept = kept.charCodeAt(kept.length - 1) - 48;
  const roundUp = firstDropped > 5 || (firstDropped === 5 && (/[1-9]/.test(tail) || lastKept % 2 === 1));
  const digits = roundUp ? incrementDecimalString(kept) : kept;
  const whole = digits.slice(0, digits.length - decimals);
  return decimals === 0 ? whole : `${whole}.${digits.slice(digits.length - decimals)}`;
}

/** "1299" → "1300", "99" → "100". */
function incrementDecimalString(digits: string): string {
  const out = digits.split("");
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === "9") {
      out[i] = "0";
      continue;
    }
    out[i] = String.fromCharCode(out[i]!.charCodeAt(0) + 1);
    return out.join("");
  }
  return `1${out.join("")}`;
}
