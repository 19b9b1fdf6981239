export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Median with min and max: robust to the one run a neighbour's test suite slowed down. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

export function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? NaN : numerator / denominator;
}

/** A whole number with thousands separators, as the tables show it. */
export const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** A spread as the tables show it: "median (min–max)". */
export const range = (s: Spread, format: (n: number) => string = int) => `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
