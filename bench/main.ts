/**
 * `npm run bench`: job-intake side by side with what users would write instead,
 * on this machine, in one run. Not part of the tests. See docs/performance.md.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { benchCpuScaling, benchNoop } from './end-to-end.js';
import { benchIntake } from './http-intake.js';
import { ensureWrk } from './load/wrk.js';
import { benchMemory } from './memory.js';
import { projectRoot } from './paths.js';
import { writeReport, type RunInfo } from './report.js';
import { benchScaling, writeScalingSection } from './scaling.js';
import { benchSettings } from './settings.js';
import { checkTargets } from './targets.js';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const settings = benchSettings(process.env);
const started = Date.now();

const info: RunInfo = {
  date: new Date().toISOString(),
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot, encoding: 'utf8' }).trim(),
  command: settings.quick ? 'BENCH_QUICK=1 npm run bench' : 'npm run bench',
  machine: {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    redis: /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown',
    wrk: ensureWrk().split(' [')[0]!,
  },
  settings,
};
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
