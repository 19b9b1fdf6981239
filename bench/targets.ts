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

/**
 * The record these ratios must not fall behind: `npm run bench` at commit
 * 4eb3d94 (2026-11-29, bench/results/latest.json and docs/performance.md of
 * that commit), each a ratio of medians within that one run.
 */
export const RECORD_COMMIT = '4eb3d94';
export const RECORD = {
  /** unique-key intake / plain BullMQ, req/s */
  uniqueIntakeOverPlain: 0.6311167071801771,
  /** duplicate-heavy intake / plain BullMQ (duplicate-heavy), req/s */
  duplicateIntakeOverPlain: 0.6501756288473208,
  /** end-to-end no-op / bare BullMQ, jobs/s */
  noopOverBare: 0.7538182665798078,
  /** Redis bytes per retained job / bare BullMQ (lower is better) */
  memoryOverBare: 1.2424176252571668,
} as const;

/**
 * One row of the summary: a value for job-intake as shipped (logs at info) and,
 * where the log level can matter, at LOG_LEVEL=warn (null where it cannot).
 */
export interface SummaryRow {
  readonly name: string;
  /** target: must be met; no regression: no worse than the record; aim: the peer comparison's goal. */
  readonly kind: 'target' | 'no regression' | 'aim';
  readonly info: number;
  readonly warn: number | null;
  /** "≤ 1.0x", "≥ record", "aim 1.5x" and the like. */
  readonly target: string;
  /** The record's value (no-regression rows). */
  readonly record?: number;
  readonly met: { readonly info: boolean; readonly warn: boolean | null };
  /** How the values read: a ratio ("0.63x") or a count ("0"). */
  readonly unit: 'x' | 'count';
}

/** A ratio worth reading that is no target. */
export interface InfoRow {
  readonly name: string;
  readonly info: number;
  readonly warn: number | null;
}

/** Lookups into one run's results: medians by cell or series id. */
function lookups(results: BenchResults) {
  const cell = (id: string) => results.intake.find((r) => r.cell.id === id);
  const series = (list: DrainSeries[], id: string) => list.find((s) => s.id === id);
  return {
    rps: (id: string) => cell(id)?.requestsPerSecond.median ?? NaN,
    redisCpu: (id: string) => cell(id)?.redisCpuUsPerRequest.median ?? NaN,
    apiCpu: (id: string) => cell(id)?.subjectCpuUsPerRequest.median ?? NaN,
    failures: (...ids: string[]) => ids.reduce((sum, id) => sum + (cell(id)?.non2xx ?? NaN) + (cell(id)?.socketErrors ?? NaN), 0),
    drain: (list: DrainSeries[], id: string) => series(list, id)?.jobsPerSecond.median ?? NaN,
    workerCpu: (id: string) => series(results.noop, id)?.workerCpuUsPerJob.median ?? NaN,
    memory: (flavour: string) => results.memory.find((m) => m.flavour === flavour)?.bytesPerJob ?? NaN,
  };
}

/** job-intake's cell id at info and at warn: `intake-unique` and `intake-unique-warn`. */
const levels = (id: string) => [id, `${id}-warn`] as const;

/** The summary's rows, each a ratio of medians from this one run. */
export function checkTargets(results: BenchResults): SummaryRow[] {
  const l = lookups(results);
  const both = (value: (intakeId: string) => number, id: string) => levels(id).map(value) as [number, number];

  const atMost = (name: string, [info, warn]: [number, number | null], max: number, target = `≤ ${max}x`): SummaryRow => ({
    name, kind: 'target', info, warn, target, met: { info: info <= max, warn: warn === null ? null : warn <= max }, unit: 'x',
  });
  const noWorse = (name: string, [info, warn]: [number, number | null], record: number, lowerIsBetter = false): SummaryRow => {
    const ok = (v: number) => (lowerIsBetter ? v <= record : v >= record);
    return { name, kind: 'no regression', info, warn, record, target: `${lowerIsBetter ? '≤' : '≥'} record`, met: { info: ok(info), warn: warn === null ? null : ok(warn) }, unit: 'x' };
  };
  const aim = (name: string, [info, warn]: [number, number], goal: number): SummaryRow => ({
    name, kind: 'aim', info, warn, target: `aim ${goal}x`, met: { info: info >= goal, warn: warn >= goal }, unit: 'x',
  });
  // A request refused or cut off (the API gone) is a failure to answer too: socket errors count with non-2xx.
  const [errorsInfo, errorsWarn] = [l.failures('intake-unique', 'intake-duplicates'), l.failures('intake-unique-warn', 'intake-duplicates-warn')];

  return [
    atMost('Redis CPU per submission, unique key, job-intake / plain BullMQ', both((id) => ratio(l.redisCpu(id), l.redisCpu('plain-unique')), 'intake-unique'), 1.0, '≤ 1.0x'),
    atMost('Redis CPU per submission, duplicate-heavy, job-intake / plain BullMQ', both((id) => ratio(l.redisCpu(id), l.redisCpu('plain-duplicates')), 'intake-duplicates'), 0.33),
    noWorse('unique-key intake / plain BullMQ, req/s', both((id) => ratio(l.rps(id), l.rps('plain-unique')), 'intake-unique'), RECORD.uniqueIntakeOverPlain),
    noWorse('duplicate-heavy intake / plain BullMQ, req/s', both((id) => ratio(l.rps(id), l.rps('plain-duplicates')), 'intake-duplicates'), RECORD.duplicateIntakeOverPlain),
    noWorse('end-to-end no-op / bare BullMQ, jobs/s', both((id) => ratio(l.drain(results.noop, id), l.drain(results.noop, 'noop-bare')), 'noop-intake'), RECORD.noopOverBare),
    noWorse('Redis bytes per retained job / bare BullMQ (lower is better)', [ratio(l.memory('job-intake'), l.memory('bare-bullmq')), null], RECORD.memoryOverBare, true),
    { name: 'non-2xx answers (and socket errors) of job-intake, unique and duplicate-heavy', kind: 'target', info: errorsInfo, warn: errorsWarn, target: '= 0', met: { info: errorsInfo === 0, warn: errorsWarn === 0 }, unit: 'count' },
    aim('unique-key intake, job-intake / peer, req/s', both((id) => ratio(l.rps(id), l.rps('peer-unique')), 'intake-unique'), 1.5),
    aim('duplicate-heavy intake, job-intake / peer, req/s', both((id) => ratio(l.rps(id), l.rps('peer-duplicates')), 'intake-duplicates'), 2),
  ];
}

/** Further ratios worth reading, as information, not targets. */
export function extraRatios(results: BenchResults): InfoRow[] {
  const l = lookups(results);
  const row = (name: string, value: (id: string) => number, id: string): InfoRow => {
    const [info, warn] = levels(id).map(value) as [number, number];
    return { name, info, warn };
  };
  return [
    { name: 'CPU-bound, 2 workers / 1 worker, jobs/s', info: ratio(l.drain(results.cpu.series, 'cpu-2-workers'), l.drain(results.cpu.series, 'cpu-1-worker')), warn: null },
    row('API CPU per request, unique key, job-intake / peer (lower is better)', (id) => ratio(l.apiCpu(id), l.apiCpu('peer-unique')), 'intake-unique'),
    row('API CPU per request, duplicate-heavy, job-intake / peer (lower is better)', (id) => ratio(l.apiCpu(id), l.apiCpu('peer-duplicates')), 'intake-duplicates'),
    row('unique-key intake / reservation, req/s', (id) => ratio(l.rps(id), l.rps('reservation-unique')), 'intake-unique'),
    row('duplicate-heavy intake / reservation (duplicate-heavy), req/s', (id) => ratio(l.rps(id), l.rps('reservation-duplicates')), 'intake-duplicates'),
    row('unique-key intake / HTTP ceiling, req/s', (id) => ratio(l.rps(id), l.rps('ceiling')), 'intake-unique'),
    {
      name: 'duplicate-heavy intake / unique-key intake, req/s',
      info: ratio(l.rps('intake-duplicates'), l.rps('intake-unique')),
      warn: ratio(l.rps('intake-duplicates-warn'), l.rps('intake-unique-warn')),
    },
    row('end-to-end no-op, worker CPU per job / bare BullMQ (lower is better)', (id) => ratio(l.workerCpu(id), l.workerCpu('noop-bare')), 'noop-intake'),
  ];
}

/** A value as the summary prints it: "0.63x" (3 decimals beside a record, so a hair's regression shows), or a count. */
export function formatValue(value: number | null, unit: SummaryRow['unit'] = 'x', digits = 2): string {
  if (value === null) return '—';
  return unit === 'count' ? String(value) : `${value.toFixed(digits)}x`;
}

/** The digits a row's values are printed with. */
export const digitsOf = (row: SummaryRow) => (row.record === undefined ? 2 : 3);
