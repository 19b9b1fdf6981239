import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { ensureWrk } from './load/wrk.js';
import { projectRoot } from './paths.js';
import type { RunInfo } from './report.js';
import type { BenchSettings } from './settings.js';

/** What a report says about the run: when, which commit, the command, the machine (installs wrk if missing). */
export function runInfo(settings: BenchSettings, script: 'bench' | 'bench:scaling'): RunInfo {
  const command = `npm run ${script}`;
  return {
    date: new Date().toISOString(),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot, encoding: 'utf8' }).trim(),
    command: settings.quick ? `BENCH_QUICK=1 ${command}` : command,
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      redis: /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown',
      wrk: ensureWrk().split(' [')[0]!,
    },
    settings,
  };
}
