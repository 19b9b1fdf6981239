/**
 * `npm run bench`: job-intake side by side with what users would write instead,
 * on this machine, in one run. Not part of the tests. See docs/performance.md.
 */
import { benchApiProcesses } from './api-processes.js';
import { benchCpuScaling, benchNoop } from './end-to-end.js';
import { benchIntake } from './http-intake.js';
import { benchMemory } from './memory.js';
import { writeReport } from './report.js';
import { benchScaling, writeScalingSection } from './scaling.js';
import { runInfo } from './run-info.js';
import { benchSettings } from './settings.js';
import { checkTargets, digitsOf, extraRatios, formatValue } from './targets.js';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const settings = benchSettings(process.env);
const started = Date.now();

const info = runInfo(settings, 'bench');
log(`${settings.quick ? 'quick' : 'full'} run on ${info.machine.cores} cores, Node ${info.machine.node}, Redis ${info.machine.redis}`);

const intake = await benchIntake(settings, log);
const noop = await benchNoop(settings, log);
const cpu = await benchCpuScaling(settings, log);
const memory = await benchMemory(settings, log);
// 2 API processes against 1: full runs only, like the cluster section (a quick
// check has `BENCH_QUICK=1 npm run bench:scaling` for it).
const apiProcesses = settings.quick ? undefined : await benchApiProcesses(settings, log);
const results = { intake, noop, cpu, memory };
writeReport(results, info, apiProcesses);
// The cluster section starts two 3-node clusters: too slow for a quick check,
// which has `BENCH_QUICK=1 npm run bench:scaling` for it.
if (!settings.quick) writeScalingSection(await benchScaling(settings, log), info);

for (const row of checkTargets(results)) {
  const met = row.met.info ? 'met    ' : 'NOT MET';
  const warn = row.warn === null ? '' : `, warn ${formatValue(row.warn, row.unit, digitsOf(row))} (${row.met.warn ? 'met' : 'NOT MET'})`;
  const record = row.record === undefined ? '' : `; record ${formatValue(row.record, 'x', 3)}`;
  log(`${met} ${row.name}: info ${formatValue(row.info, row.unit, digitsOf(row))}${warn} (${row.kind}: ${row.target}${record})`);
}
for (const row of extraRatios(results)) {
  log(`info    ${row.name}: info ${formatValue(row.info)}${row.warn === null ? '' : `, warn ${formatValue(row.warn)}`}`);
}
log(`done in ${Math.round((Date.now() - started) / 1000)} s: bench/results/latest.json, docs/performance.md`);
