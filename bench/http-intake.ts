import { freePort } from '../src/dev/free-port.js';
import { startRedisServer } from '../src/dev/redis-server.js';
import { cpuSeconds } from './cpu-time.js';
import { runWrk, type LoadResult } from './load/wrk.js';
import { startNode, waitForOk } from './process.js';
import type { BenchSettings } from './settings.js';
import { spread, type Spread } from './stats.js';
import { BENCH_TOKEN, httpSubjects, type HttpSubject } from './subjects/http-subjects.js';

/** One row of the intake table: a subject under one kind of load. */
export interface IntakeCell {
  readonly id: string;
  readonly subject: HttpSubject['id'];
  readonly keys: 'unique' | 'duplicate-heavy';
}

export const intakeCells: readonly IntakeCell[] = [
  { id: 'intake-unique', subject: 'job-intake', keys: 'unique' },
  { id: 'intake-unique-warn', subject: 'job-intake-warn', keys: 'unique' },
  { id: 'plain-unique', subject: 'plain-bullmq', keys: 'unique' },
  { id: 'reservation-unique', subject: 'reservation', keys: 'unique' },
  { id: 'peer-unique', subject: 'peer', keys: 'unique' },
  { id: 'ceiling', subject: 'ceiling', keys: 'unique' },
  { id: 'intake-duplicates', subject: 'job-intake', keys: 'duplicate-heavy' },
  { id: 'intake-duplicates-warn', subject: 'job-intake-warn', keys: 'duplicate-heavy' },
  { id: 'plain-duplicates', subject: 'plain-bullmq', keys: 'duplicate-heavy' },
  { id: 'reservation-duplicates', subject: 'reservation', keys: 'duplicate-heavy' },
  { id: 'peer-duplicates', subject: 'peer', keys: 'duplicate-heavy' },
];

/** A wrk result plus the CPU time the subject and Redis spent per answered request. */
export interface CellRun extends LoadResult {
  readonly subjectCpuUsPerRequest: number;
  readonly redisCpuUsPerRequest: number;
}

export interface IntakeResult {
  readonly cell: IntakeCell;
  readonly label: string;
  readonly runs: CellRun[];
  readonly requestsPerSecond: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  readonly subjectCpuUsPerRequest: Spread;
  readonly redisCpuUsPerRequest: Spread;
  /** Summed over the runs. */
  readonly non2xx: number;
  readonly socketErrors: number;
}

const BODY = JSON.stringify({ type: 'sleep', payload: { ms: 0 } });

/**
 * One measured run of an HTTP server under the intake load, on a fresh
 * redis-server (so no subject inherits another's keys) with the server in its
 * own process: warm up (JIT, connection pools), then measure. The server is
 * given by its entry and environment, so bench:ab can run any built checkout.
 */
export async function measureHttp(
  server: Pick<HttpSubject, 'entry' | 'env'>,
  keys: IntakeCell['keys'],
  settings: BenchSettings,
  run: number,
): Promise<CellRun> {
  const redis = await startRedisServer();
  const port = await freePort();
  const subject = startNode(server.entry, { ...server.env(redis.url, 'bench'), PORT: String(port), HOST: '127.0.0.1' });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForOk(`${base}/readyz`);
    const load = { url: `${base}/v1/jobs`, connections: settings.connections, keys, hotKeys: settings.hotKeys, body: BODY, token: BENCH_TOKEN };
    await runWrk({ ...load, durationSeconds: settings.warmupSeconds, keyPrefix: `warm${run}` });
    const cpuBefore = [cpuSeconds(subject.child.pid), cpuSeconds(redis.process.pid)] as const;
    const result = await runWrk({ ...load, durationSeconds: settings.durationSeconds, keyPrefix: `run${run}` });
    const perRequest = (before: number, pid: number | undefined) => ((cpuSeconds(pid) - before) / result.requests) * 1e6;
    return {
      ...result,
      subjectCpuUsPerRequest: perRequest(cpuBefore[0], subject.child.pid),
      redisCpuUsPerRequest: perRequest(cpuBefore[1], redis.process.pid),
    };
  } finally {
    await subject.stop();
    await redis.stop();
  }
}

const measureCell = (cell: IntakeCell, settings: BenchSettings, run: number) => measureHttp(httpSubjects[cell.subject], cell.keys, settings, run);

/**
 * Every cell, `runs` times, interleaved (run 1 of each cell, then run 2 ...):
 * a burst of load from a neighbour on this shared machine then lands on all
 * subjects alike instead of on one.
 */
export async function benchIntake(settings: BenchSettings, log: (line: string) => void): Promise<IntakeResult[]> {
  const runs = new Map<string, CellRun[]>(intakeCells.map((cell) => [cell.id, []]));
  for (let run = 1; run <= settings.runs; run += 1) {
    for (const cell of intakeCells) {
      const result = await measureCell(cell, settings, run);
      runs.get(cell.id)!.push(result);
      log(`intake ${cell.id} run ${run}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.latencyMs.p99} ms, non-2xx ${result.non2xx}, ${Math.round(result.subjectCpuUsPerRequest)} µs CPU/req`);
    }
  }
  return intakeCells.map((cell) => {
    const results = runs.get(cell.id)!;
    return {
      cell,
      label: httpSubjects[cell.subject].label,
      runs: results,
      requestsPerSecond: spread(results.map((r) => r.requestsPerSecond)),
      p50Ms: spread(results.map((r) => r.latencyMs.p50)),
      p99Ms: spread(results.map((r) => r.latencyMs.p99)),
      subjectCpuUsPerRequest: spread(results.map((r) => r.subjectCpuUsPerRequest)),
      redisCpuUsPerRequest: spread(results.map((r) => r.redisCpuUsPerRequest)),
      non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
      socketErrors: results.reduce((sum, r) => sum + r.socketErrors + r.timeouts, 0),
    };
  });
}
