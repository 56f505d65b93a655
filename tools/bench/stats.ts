// Medians and spreads of timing samples, for the bench.

/** The median of a list of numbers. Pure. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Median, min, max and count of a series. Pure. */
export function stats(values: readonly number[]) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}
