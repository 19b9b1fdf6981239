/**
 * `npm run bench:scaling`: only the scaling section of `npm run bench` (one
 * Redis vs a 3-master Redis Cluster with 1 and 3 shards), written into the
 * `scaling` section of bench/results/latest.json. See docs/scaling.md.
 */
import { benchScaling, renderScalingTable, writeScalingSection } from './scaling.js';
import { runInfo } from './run-info.js';
import { benchSettings } from './settings.js';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const settings = benchSettings(process.env);
const started = Date.now();

const info = runInfo(settings, 'bench:scaling');
log(`scaling, ${settings.quick ? 'quick' : 'full'} run on ${info.machine.cores} cores, Node ${info.machine.node}, Redis ${info.machine.redis}`);

const scaling = await benchScaling(settings, log);
writeScalingSection(scaling, info);
process.stdout.write(`${renderScalingTable(scaling)}\n`);
log(`done in ${Math.round((Date.now() - started) / 1000)} s: the scaling section of bench/results/latest.json`);
