/**
 * `npm run bench:scaling`: only the scaling sections of `npm run bench`: one
 * Redis vs a 3-master Redis Cluster with 1 and 3 shards, written into the
 * `scaling` section of bench/results/latest.json (see docs/scaling.md), and 2
 * job-intake API processes against 1 on one Redis, into its `apiProcesses`
 * section.
 */
import { benchApiProcesses, renderApiProcessesTable, writeApiProcessesSection } from './api-processes.js';
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

const apiProcesses = await benchApiProcesses(settings, log);
writeApiProcessesSection(apiProcesses, info);
process.stdout.write(`\n### API processes: 2 against 1 on one Redis\n\n${renderApiProcessesTable(apiProcesses).join('\n')}\n`);
log(`done in ${Math.round((Date.now() - started) / 1000)} s: the scaling and apiProcesses sections of bench/results/latest.json`);
