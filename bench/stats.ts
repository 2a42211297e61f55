/** Summaries of timing samples: medians and p90s, because the machines are shared and noisy. */

/** What one series of samples comes to. */
export interface Summary {
  n: number;
  median: number | null;
  p90: number | null;
  min: number | null;
  max: number | null;
}

/**
 * The `q` quantile (0…1) of `values`, linearly interpolated between the two nearest ranks (numpy's default, R type 7);
 * null for no values.
 */
export function quantile(values: readonly number[], q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile out of range: ${q}`);
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The median, or null for no values. */
export function median(values: readonly number[]): number | null {
  return quantile(values, 0.5);
}

/** Count, median, p90, min and max (non-finite values are left out). */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    n: finite.length,
    median: quantile(finite, 0.5),
    p90: quantile(finite, 0.9),
    min: finite.length ? Math.min(...finite) : null,
    max: finite.length ? Math.max(...finite) : null,
  };
}

/** `a / b`, or null when either is missing or `b` is zero. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || b === 0 || !Number.isFinite(a) || !Number.isFinite(b)) return null;
  return a / b;
}

/** Round to `digits` decimals, keeping null. */
export function round(value: number | null | undefined, digits = 1): number | null {
  if (value == null || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A summary of runs where some failed: `n` counts every run, `failed` the failed ones. */
export interface RunSummary extends Summary {
  failed: number;
}

/**
 * Summarise runs, failed ones included as `failedAs` (for a timing, the run's time limit: a lower bound of what the
 * user waited), so failures move the median instead of vanishing from it.
 */
export function summarizeRuns(values: readonly number[], failed: number, failedAs: number): RunSummary {
  const all = [...values.filter((v) => Number.isFinite(v)), ...Array.from({ length: failed }, () => failedAs)];
  return { ...summarize(all), failed };
}
