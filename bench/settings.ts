/** How long and how often each measurement runs; BENCH_QUICK=1 trades precision for a run under a minute. */
export interface BenchSettings {
  readonly quick: boolean;
  /** Runs per subject (the report gives the median, with min and max). */
  readonly runs: number;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /** Keys the duplicate-heavy load repeats (90% of its requests use one of them). */
  readonly hotKeys: number;
  readonly noopJobs: number;
  readonly cpuJobs: number;
  /** Worker concurrency for the no-op drain, the same for job-intake and bare BullMQ. */
  readonly noopConcurrency: number;
  readonly memoryJobs: number;
  /** Wall time one CPU-bound job should take on one core. */
  readonly cpuJobMs: number;
}

export function benchSettings(env: NodeJS.ProcessEnv): BenchSettings {
  const quick = env.BENCH_QUICK === '1';
  return Object.freeze({
    quick,
    runs: quick ? 1 : 3,
    connections: 64,
    durationSeconds: quick ? 2 : 10,
    warmupSeconds: quick ? 1 : 2,
    hotKeys: 300,
    noopJobs: quick ? 2_000 : 20_000,
    cpuJobs: quick ? 60 : 600,
    noopConcurrency: 50,
    memoryJobs: quick ? 2_000 : 50_000,
    cpuJobMs: 20,
  });
}
