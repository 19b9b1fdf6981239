/**
 * `npm run bench:scaling`: only the scaling section of `npm run bench` (one
 * Redis vs a 3-master Redis Cluster with 1 and 3 shards), written into the
 * `scaling` section of bench/results/latest.json. See docs/scaling.md.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { ensureWrk } from './load/wrk.js';
import { projectRoot } from './paths.js';
import type { RunInfo } from './report.js';
import { benchScaling, renderScalingTable, writeScalingSection } from './scaling.js';
import { benchSettings } from './settings.js';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const settings = benchSettings(process.env);
const started = Date.now();

const info: RunInfo = {
  date: new Date().toISOString(),
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot, encoding: 'utf8' }).trim(),
  command: settings.quick ? 'BENCH_QUICK=1 npm run bench:scaling' : 'npm run bench:scaling',
  machine: {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    redis: /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown',
    wrk: ensureWrk().split(' [')[0]!,
  },
  settings,
};
log(`scaling, ${settings.quick ? 'quick' : 'full'} run on ${info.machine.cores} cores, Node ${info.machine.node}, Redis ${info.machine.redis}`);

const scaling = await benchScaling(settings, log);
writeScalingSection(scaling, info);
process.stdout.write(`${renderScalingTable(scaling)}\n`);
log(`done in ${Math.round((Date.now() - started) / 1000)} s: the scaling section of bench/results/latest.json`);
