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

/** What one intake run measured, as the scaling and API-processes summaries read it. */
export interface IntakeRunFigures {
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly apiCpuUsPerRequest: number;
  readonly redisCpuUsPerRequest: number;
  readonly non2xx: number;
  /** Socket errors and timeouts. */
  readonly socketErrors: number;
}

/** Intake runs summarised: each figure's median and range, the failures summed. */
export interface IntakeSummary<Run> {
  readonly runs: Run[];
  readonly requestsPerSecond: Spread;
  readonly p99Ms: Spread;
  readonly apiCpuUsPerRequest: Spread;
  readonly redisCpuUsPerRequest: Spread;
  readonly non2xx: number;
  readonly socketErrors: number;
}

export function summariseIntake<Run>(runs: Run[], figuresOf: (run: Run) => IntakeRunFigures): IntakeSummary<Run> {
  const figures = runs.map(figuresOf);
  const sum = (read: (f: IntakeRunFigures) => number) => figures.reduce((total, f) => total + read(f), 0);
  return {
    runs,
    requestsPerSecond: spread(figures.map((f) => f.requestsPerSecond)),
    p99Ms: spread(figures.map((f) => f.p99Ms)),
    apiCpuUsPerRequest: spread(figures.map((f) => f.apiCpuUsPerRequest)),
    redisCpuUsPerRequest: spread(figures.map((f) => f.redisCpuUsPerRequest)),
    non2xx: sum((f) => f.non2xx),
    socketErrors: sum((f) => f.socketErrors),
  };
}
