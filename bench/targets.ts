import type { DrainSeries } from './end-to-end.js';
import type { IntakeResult } from './http-intake.js';
import type { MemoryResult } from './memory.js';
import { ratio } from './stats.js';

export interface BenchResults {
  readonly intake: IntakeResult[];
  readonly noop: DrainSeries[];
  readonly cpu: { calibration: { sizeBytes: number; msPerJob: number }; series: DrainSeries[] };
  readonly memory: MemoryResult[];
}

export interface TargetCheck {
  readonly name: string;
  readonly value: number;
  /** "≥ 1.0x (aim 1.2x)" and the like. */
  readonly target: string;
  readonly met: boolean;
}

/** The targets, each a ratio of medians from this one run. */
export function checkTargets(results: BenchResults): TargetCheck[] {
  const rps = (id: string) => results.intake.find((r) => r.cell.id === id)?.requestsPerSecond.median ?? NaN;
  const drain = (series: DrainSeries[], id: string) => series.find((s) => s.id === id)?.jobsPerSecond.median ?? NaN;
  const memory = (flavour: string) => results.memory.find((m) => m.flavour === flavour)?.bytesPerJob ?? NaN;
  const duplicateErrors = results.intake.find((r) => r.cell.id === 'intake-duplicates')?.non2xx ?? NaN;

  const atLeast = (name: string, value: number, min: number, target: string) => ({ name, value, target, met: value >= min });
  return [
    atLeast('unique-key intake / plain BullMQ', ratio(rps('intake-unique'), rps('plain-unique')), 1.0, '≥ 1.0x (aim 1.2x)'),
    atLeast('duplicate-heavy intake / plain BullMQ (duplicate-heavy)', ratio(rps('intake-duplicates'), rps('plain-duplicates')), 1.5, '≥ 1.5x'),
    { name: 'duplicate-heavy intake non-2xx answers', value: duplicateErrors, target: '0', met: duplicateErrors === 0 },
    atLeast('unique-key intake / HTTP ceiling', ratio(rps('intake-unique'), rps('ceiling')), 0.6, '≥ 0.6x'),
    atLeast('end-to-end no-op / bare BullMQ', ratio(drain(results.noop, 'noop-intake'), drain(results.noop, 'noop-bare')), 0.9, '≥ 0.9x'),
    atLeast('CPU-bound, 2 workers / 1 worker', ratio(drain(results.cpu.series, 'cpu-2-workers'), drain(results.cpu.series, 'cpu-1-worker')), 1.6, '≥ 1.6x'),
    {
      name: 'Redis bytes per retained job / bare BullMQ',
      value: ratio(memory('job-intake'), memory('bare-bullmq')),
      target: '≤ 1.3x',
      met: ratio(memory('job-intake'), memory('bare-bullmq')) <= 1.3,
    },
  ];
}

/** Further ratios worth reading: job-intake against the hand-written reservation pattern, and CPU per job. */
export function extraRatios(results: BenchResults): Array<{ name: string; value: number }> {
  const rps = (id: string) => results.intake.find((r) => r.cell.id === id)?.requestsPerSecond.median ?? NaN;
  const workerCpu = (id: string) => results.noop.find((s) => s.id === id)?.workerCpuUsPerJob.median ?? NaN;
  return [
    { name: 'unique-key intake / reservation', value: ratio(rps('intake-unique'), rps('reservation-unique')) },
    { name: 'duplicate-heavy intake / reservation (duplicate-heavy)', value: ratio(rps('intake-duplicates'), rps('reservation-duplicates')) },
    { name: 'duplicate-heavy intake / unique-key intake', value: ratio(rps('intake-duplicates'), rps('intake-unique')) },
    { name: 'end-to-end no-op, worker CPU per job / bare BullMQ (lower is better)', value: ratio(workerCpu('noop-intake'), workerCpu('noop-bare')) },
  ];
}
