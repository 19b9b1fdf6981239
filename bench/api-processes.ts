import { freePort } from '../src/dev/free-port.js';
import { startRedisServer } from '../src/dev/redis-server.js';
import { cpuSeconds } from './cpu-time.js';
import { runWrk, type LoadResult } from './load/wrk.js';
import type { IntakeCell } from './http-intake.js';
import { intakeApiEntry, writeResultsSection } from './paths.js';
import { startNode, waitForOk, type BenchProcess } from './process.js';
import type { RunInfo } from './report.js';
import type { BenchSettings } from './settings.js';
import { int, range, ratio, summariseIntake, type IntakeSummary } from './stats.js';
import { BENCH_TOKEN, intakeEnv } from './subjects/http-subjects.js';

/**
 * API processes: job-intake's intake with 2 API processes against 1, on the
 * same single Redis. No proxy in between (it would cost CPU on this 2-core
 * machine): with 2 processes, one wrk per process, each with half the
 * connections, their req/s summed; with 1, one wrk with all of them. The wrk
 * processes share the hot keys of the duplicate-heavy load, so both counts
 * see the same workload. Runs interleaved (the order alternating), medians.
 */

const BODY = JSON.stringify({ type: 'sleep', payload: { ms: 0 } });
const COUNTS = [1, 2] as const;
const KEYS: ReadonlyArray<IntakeCell['keys']> = ['unique', 'duplicate-heavy'];

export interface ApiProcessesRun {
  readonly processes: number;
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly socketErrors: number;
  /** The worst p99 of the wrk processes. */
  readonly p99Ms: number;
  /** All API processes' CPU over the measured run, per answered request. */
  readonly apiCpuUsPerRequest: number;
  readonly redisCpuUsPerRequest: number;
  /** Each wrk process's own result. */
  readonly loads: LoadResult[];
}

export interface ApiProcessesRow extends IntakeSummary<ApiProcessesRun> {
  readonly processes: number;
  readonly keys: IntakeCell['keys'];
}

export interface ApiProcessesResults {
  readonly rows: ApiProcessesRow[];
  /** 2 processes / 1, ratios of medians, per kind of keys. */
  readonly ratios: Array<{ name: string; value: number }>;
}

async function startApis(count: number, redisUrl: string): Promise<Array<{ api: BenchProcess; base: string }>> {
  const apis: Array<{ api: BenchProcess; base: string }> = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const port = await freePort();
      apis.push({ api: startNode(intakeApiEntry, { ...intakeEnv(redisUrl, 'bench'), PORT: String(port), HOST: '127.0.0.1' }), base: `http://127.0.0.1:${port}` });
    }
    await Promise.all(apis.map(({ base }) => waitForOk(`${base}/readyz`)));
    return apis;
  } catch (err) {
    await Promise.all(apis.map(({ api }) => api.stop()));
    throw err;
  }
}

/** One run: a fresh redis-server, `processes` API processes, warm-up, then the measured load spread over them. */
async function measure(processes: number, keys: IntakeCell['keys'], settings: BenchSettings, run: number): Promise<ApiProcessesRun> {
  const redis = await startRedisServer();
  try {
    const apis = await startApis(processes, redis.url);
    try {
      const connections = Math.floor(settings.connections / processes);
      const loadAll = (durationSeconds: number, prefix: string) =>
        Promise.all(
          apis.map(({ base }, i) =>
            runWrk({ url: `${base}/v1/jobs`, connections, keys, hotKeys: settings.hotKeys, body: BODY, token: BENCH_TOKEN, durationSeconds, keyPrefix: `${prefix}-p${i}`, hotKeyPrefix: prefix }),
          ),
        );
      await loadAll(settings.warmupSeconds, `warm${run}`);
      const apiCpu = () => apis.reduce((sum, { api }) => sum + cpuSeconds(api.child.pid), 0);
      const before = [apiCpu(), cpuSeconds(redis.process.pid)] as const;
      const loads = await loadAll(settings.durationSeconds, `run${run}`);
      const requests = loads.reduce((sum, l) => sum + l.requests, 0);
      return {
        processes,
        requestsPerSecond: loads.reduce((sum, l) => sum + l.requestsPerSecond, 0),
        requests,
        non2xx: loads.reduce((sum, l) => sum + l.non2xx, 0),
        socketErrors: loads.reduce((sum, l) => sum + l.socketErrors + l.timeouts, 0),
        p99Ms: Math.max(...loads.map((l) => l.latencyMs.p99)),
        apiCpuUsPerRequest: ((apiCpu() - before[0]) / requests) * 1e6,
        redisCpuUsPerRequest: ((cpuSeconds(redis.process.pid) - before[1]) / requests) * 1e6,
        loads,
      };
    } finally {
      await Promise.all(apis.map(({ api }) => api.stop()));
    }
  } finally {
    await redis.stop();
  }
}

/** 1 and 2 API processes, unique and duplicate-heavy keys, `runs` times, interleaved. */
export async function benchApiProcesses(settings: BenchSettings, log: (line: string) => void): Promise<ApiProcessesResults> {
  const runs = new Map<string, ApiProcessesRun[]>();
  const id = (processes: number, keys: string) => `${processes}-${keys}`;
  for (let run = 1; run <= settings.runs; run += 1) {
    for (const keys of KEYS) {
      // Alternate which count goes first, so a neighbour's burst or a warming machine favours neither.
      for (const processes of run % 2 === 1 ? COUNTS : [...COUNTS].reverse()) {
        const result = await measure(processes, keys, settings, run);
        runs.set(id(processes, keys), [...(runs.get(id(processes, keys)) ?? []), result]);
        log(`api processes ${processes} ${keys} run ${run}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}, API ${Math.round(result.apiCpuUsPerRequest)} µs/req, Redis ${Math.round(result.redisCpuUsPerRequest)} µs/req`);
      }
    }
  }
  const rows = KEYS.flatMap((keys) =>
    COUNTS.map((processes): ApiProcessesRow => ({
      processes,
      keys,
      ...summariseIntake(runs.get(id(processes, keys)) ?? [], (run) => run),
    })),
  );
  const row = (processes: number, keys: string) => rows.find((r) => r.processes === processes && r.keys === keys)!;
  const ratios = KEYS.flatMap((keys) => [
    { name: `req/s, 2 API processes / 1, ${keys}`, value: ratio(row(2, keys).requestsPerSecond.median, row(1, keys).requestsPerSecond.median) },
    { name: `API CPU per request, 2 API processes / 1, ${keys}`, value: ratio(row(2, keys).apiCpuUsPerRequest.median, row(1, keys).apiCpuUsPerRequest.median) },
  ]);
  return { rows, ratios };
}

/** The section's markdown: one row per count and kind of keys, then the 2/1 ratios. */
export function renderApiProcessesTable(results: ApiProcessesResults): string[] {
  return [
    '| API processes | keys | req/s, median (min–max) | p99 ms | non-2xx | socket errors | API CPU µs/req (all processes) | Redis CPU µs/req |',
    '|---|---|---|---|---|---|---|---|',
    ...results.rows.map(
      (r) =>
        `| ${r.processes} | ${r.keys} | ${range(r.requestsPerSecond)} | ${r.p99Ms.median.toFixed(1)} | ${r.non2xx} | ${r.socketErrors} | ${int(r.apiCpuUsPerRequest.median)} | ${int(r.redisCpuUsPerRequest.median)} |`,
    ),
    '',
    '| ratio of medians | value |',
    '|---|---|',
    ...results.ratios.map((r) => `| ${r.name} | ${r.value.toFixed(2)}x |`),
  ];
}

/** Writes the `apiProcesses` section into bench/results/latest.json, keeping the rest of the file. */
export function writeApiProcessesSection(results: ApiProcessesResults, info: RunInfo): void {
  writeResultsSection('apiProcesses', { ...info, table: renderApiProcessesTable(results), ...results });
}
