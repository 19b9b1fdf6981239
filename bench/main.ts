/**
 * `npm run bench`: job-intake side by side with what users would write instead,
 * on this machine, in one run. Not part of the tests. See docs/performance.md.
 */
import { benchCpuScaling, benchNoop } from './end-to-end.js';
import { benchIntake } from './http-intake.js';
import { benchMemory } from './memory.js';
import { writeReport } from './report.js';
import { benchScaling, writeScalingSection } from './scaling.js';
import { runInfo } from './run-info.js';
import { benchSettings } from './settings.js';
import { checkTargets } from './targets.js';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const settings = benchSettings(process.env);
const started = Date.now();

const info = runInfo(settings, 'bench');
log(`${settings.quick ? 'quick' : 'full'} run on ${info.machine.cores} cores, Node ${info.machine.node}, Redis ${info.machine.redis}`);

const intake = await benchIntake(settings, log);
const noop = await benchNoop(settings, log);
const cpu = await benchCpuScaling(settings, log);
const memory = await benchMemory(settings, log);
const results = { intake, noop, cpu, memory };
writeReport(results, info);
// The cluster section starts two 3-node clusters: too slow for a quick check,
// which has `BENCH_QUICK=1 npm run bench:scaling` for it.
if (!settings.quick) writeScalingSection(await benchScaling(settings, log), info);

for (const target of checkTargets(results)) {
  log(`${target.met ? 'met    ' : 'NOT MET'} ${target.name}: ${target.value.toFixed(2)} (${target.target})`);
}
log(`done in ${Math.round((Date.now() - started) / 1000)} s: bench/results/latest.json, docs/performance.md`);
