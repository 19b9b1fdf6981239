import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { renderApiProcessesTable, writeApiProcessesSection, type ApiProcessesResults } from './api-processes.js';
import type { DrainSeries } from './end-to-end.js';
import { projectRoot, resultsDir } from './paths.js';
import { int, range } from './stats.js';
import { checkTargets, digitsOf, extraRatios, formatValue, RECORD_COMMIT, type BenchResults, type SummaryRow } from './targets.js';

export interface RunInfo {
  readonly date: string;
  readonly commit: string;
  readonly command: string;
  readonly machine: { cores: number; cpu: string; node: string; redis: string; wrk: string };
  readonly settings: object;
}

const BEGIN = '<!-- bench:begin (written by npm run bench; edit outside these markers) -->';
const END = '<!-- bench:end -->';
const DOC = `${projectRoot}docs/performance.md`;

const ms = (n: number) => n.toFixed(2);

function intakeTable(results: BenchResults): string[] {
  const rows = results.intake.map(
    (r) => `| ${r.label} | ${r.cell.keys} | ${range(r.requestsPerSecond, int)} | ${range(r.p50Ms, ms)} | ${range(r.p99Ms, ms)} | ${r.non2xx} | ${r.socketErrors} | ${int(r.subjectCpuUsPerRequest.median)} | ${int(r.redisCpuUsPerRequest.median)} |`,
  );
  return [
    '| subject | keys | req/s, median (min–max) | p50 ms | p99 ms | non-2xx | socket errors | server CPU µs/req | Redis CPU µs/req |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ];
}

function drainTable(series: DrainSeries[]): string[] {
  const rows = series.map(
    (s) =>
      `| ${s.label} | ${range(s.jobsPerSecond, (n) => n.toFixed(n < 100 ? 1 : 0))} | ${range(s.workerCpuUsPerJob, int)} | ${int(s.redisCpuUsPerJob.median)} |`,
  );
  return ['| subject | jobs/s, median (min–max) | worker CPU µs/job, median (min–max) | Redis CPU µs/job |', '|---|---|---|---|', ...rows];
}

const metText = (met: boolean) => (met ? 'met' : '**not met**');
const metCell = (row: SummaryRow) => (row.met.warn === null ? metText(row.met.info) : `${metText(row.met.info)} / ${metText(row.met.warn)}`);

/** The summary: job-intake as shipped (logs at info) and at LOG_LEVEL=warn side by side. */
function summaryTables(results: BenchResults): string[] {
  const rows = checkTargets(results).map(
    (r) =>
      `| ${r.name} | ${r.kind} | ${formatValue(r.info, r.unit, digitsOf(r))} | ${formatValue(r.warn, r.unit, digitsOf(r))} | ${r.record === undefined ? '' : formatValue(r.record, 'x', 3)} | ${r.target} | ${metCell(r)} |`,
  );
  const extras = extraRatios(results).map((r) => `| ${r.name} | ${formatValue(r.info)} | ${formatValue(r.warn)} |`);
  return [
    `| ratio of medians | kind | job-intake at info (as shipped) | at LOG_LEVEL=warn | record (\`${RECORD_COMMIT}\`) | target | met (info / warn) |`,
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Further ratios, as information (not targets):',
    '',
    '| ratio of medians | at info | at warn |',
    '|---|---|---|',
    ...extras,
  ];
}

/** The generated part of docs/performance.md. */
export function renderMarkdown(results: BenchResults, info: RunInfo, apiProcesses?: ApiProcessesResults): string {
  const m = info.machine;
  const memory = results.memory.map((r) => `| ${r.flavour} | ${int(r.jobs)} | ${int(r.bytesPerJob)} |`);
  return [
    BEGIN,
    `Measured ${info.date} at commit \`${info.commit}\` with \`${info.command}\`.`,
    `Machine: ${m.cores} cores (${m.cpu}), Node ${m.node}, Redis ${m.redis}, ${m.wrk}; shared with other work, so only ratios within this run mean anything.`,
    '',
    `Settings: \`${JSON.stringify(info.settings)}\``,
    '',
    '### HTTP intake, `POST /v1/jobs`',
    '',
    ...intakeTable(results),
    '',
    '### Summary: targets, no regression against the record, aims against the peer',
    '',
    ...summaryTables(results),
    '',
    '### End to end: queued jobs run to completion',
    '',
    ...drainTable(results.noop),
    '',
    `CPU-bound: checksum jobs of ${int(results.cpu.calibration.sizeBytes)} bytes (${results.cpu.calibration.msPerJob.toFixed(1)} ms each on one core, calibrated at start).`,
    '',
    ...drainTable(results.cpu.series),
    '',
    '### Redis memory per finished, retained job',
    '',
    '| subject | jobs | bytes per job (`used_memory` growth / jobs) |',
    '|---|---|---|',
    ...memory,
    ...(apiProcesses === undefined
      ? []
      : ['', '### API processes: 2 against 1 on one Redis', '', 'One wrk per API process with half the connections each, req/s summed; unique and duplicate-heavy keys.', '', ...renderApiProcessesTable(apiProcesses)]),
    END,
  ].join('\n');
}

/** Raw results to bench/results/latest.json; the table into docs/performance.md between its markers. */
export function writeReport(results: BenchResults, info: RunInfo, apiProcesses?: ApiProcessesResults): void {
  mkdirSync(resultsDir, { recursive: true });
  const summary = { targets: checkTargets(results), ratios: extraRatios(results) };
  writeFileSync(`${resultsDir}latest.json`, `${JSON.stringify({ ...info, ...summary, results }, null, 2)}\n`);

  if (apiProcesses !== undefined) writeApiProcessesSection(apiProcesses, info);

  const generated = renderMarkdown(results, info, apiProcesses);
  const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : `# Performance\n\n## Latest results\n\n${BEGIN}\n${END}\n`;
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  const next = start >= 0 && end > start ? doc.slice(0, start) + generated + doc.slice(end + END.length) : `${doc}\n${generated}\n`;
  writeFileSync(DOC, next);
}
