import { setTimeout as delay } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { freePort } from '../src/dev/free-port.js';
import { startRedisCluster } from '../src/dev/redis-cluster.js';
import { startRedisServer } from '../src/dev/redis-server.js';
import { DEFAULT_QUEUE } from '../src/jobs/job-type.js';
import { closeRedis, connectRedis, type RedisTarget } from '../src/shared/redis.js';
import { shardPrefix } from '../src/shared/shards.js';
import { cpuSeconds } from './cpu-time.js';
import { runWrk, type LoadResult } from './load/wrk.js';
import { intakeApiEntry, intakeWorkerEntry, writeResultsSection } from './paths.js';
import { startNode, waitForOk, type BenchProcess } from './process.js';
import type { RunInfo } from './report.js';
import type { BenchSettings } from './settings.js';
import { int, range, ratio, spread, summariseIntake, type IntakeSummary, type Spread } from './stats.js';
import { BENCH_TOKEN } from './subjects/http-subjects.js';

/**
 * The scaling section: job-intake's unique-key intake and its no-op end-to-end
 * drain on one Redis with one shard, on a 3-master Redis Cluster with one shard,
 * and on the same cluster with 3 shards. API and workers run from dist/ as
 * their own processes, exactly as the other sections run them. See
 * docs/scaling.md for the reading.
 */

const PREFIX = 'bench';
const BODY = JSON.stringify({ type: 'sleep', payload: { ms: 0 } });
const HTTP_CONCURRENCY = 32;
const POLL_MS = 10;

export interface ScalingSubject {
  readonly id: 'single-1-shard' | 'cluster3-1-shard' | 'cluster3-3-shards';
  readonly label: string;
  /** 0: one plain redis-server. */
  readonly masters: number;
  readonly shards: number;
}

export const scalingSubjects: readonly ScalingSubject[] = [
  { id: 'single-1-shard', label: 'one Redis, QUEUE_SHARDS=1', masters: 0, shards: 1 },
  { id: 'cluster3-1-shard', label: '3-master Redis Cluster, QUEUE_SHARDS=1', masters: 3, shards: 1 },
  { id: 'cluster3-3-shards', label: '3-master Redis Cluster, QUEUE_SHARDS=3', masters: 3, shards: 3 },
];

/** A fresh Redis (or cluster) per run, so no run inherits another's keys. */
interface Backend {
  readonly env: Record<string, string>;
  readonly target: RedisTarget;
  readonly pids: ReadonlyArray<number | undefined>;
  stop(): Promise<void>;
}

async function startBackend(subject: ScalingSubject): Promise<Backend> {
  const shards = { QUEUE_PREFIX: PREFIX, QUEUE_SHARDS: String(subject.shards) };
  if (subject.masters === 0) {
    const redis = await startRedisServer();
    return { env: { REDIS_URL: redis.url, ...shards }, target: { url: redis.url }, pids: [redis.process.pid], stop: () => redis.stop() };
  }
  const cluster = await startRedisCluster({ masters: subject.masters });
  return {
    env: { REDIS_CLUSTER_NODES: cluster.nodeList, ...shards },
    target: { clusterNodes: cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })) },
    pids: cluster.nodes.map((node) => node.process.pid),
    stop: () => cluster.stop(),
  };
}

/** CPU seconds used so far by these processes together (for a cluster: every node). */
const cpuOf = (pids: ReadonlyArray<number | undefined>) => pids.reduce((sum: number, pid) => sum + cpuSeconds(pid), 0);

async function startApi(backend: Backend, extra: Record<string, string> = {}): Promise<{ api: BenchProcess; base: string }> {
  const port = await freePort();
  const api = startNode(intakeApiEntry, { ...backend.env, API_KEYS: `bench:${BENCH_TOKEN}`, PORT: String(port), HOST: '127.0.0.1', ...extra });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForOk(`${base}/readyz`);
  } catch (err) {
    await api.stop();
    throw err;
  }
  return { api, base };
}

export interface ScalingIntakeRun extends LoadResult {
  readonly apiCpuUsPerRequest: number;
  /** Summed over every Redis process (each master of a cluster). */
  readonly redisCpuUsPerRequest: number;
}

/** Unique keys under the same wrk load as the intake table: warm up, then measure. */
async function measureIntake(subject: ScalingSubject, settings: BenchSettings, run: number): Promise<ScalingIntakeRun> {
  const backend = await startBackend(subject);
  try {
    const { api, base } = await startApi(backend);
    try {
      const load = { url: `${base}/v1/jobs`, connections: settings.connections, keys: 'unique' as const, hotKeys: settings.hotKeys, body: BODY, token: BENCH_TOKEN };
      await runWrk({ ...load, durationSeconds: settings.warmupSeconds, keyPrefix: `warm${run}` });
      const before = [cpuSeconds(api.child.pid), cpuOf(backend.pids)] as const;
      const result = await runWrk({ ...load, durationSeconds: settings.durationSeconds, keyPrefix: `run${run}` });
      return {
        ...result,
        apiCpuUsPerRequest: ((cpuSeconds(api.child.pid) - before[0]) / result.requests) * 1e6,
        redisCpuUsPerRequest: ((cpuOf(backend.pids) - before[1]) / result.requests) * 1e6,
      };
    } finally {
      await api.stop();
    }
  } finally {
    await backend.stop();
  }
}

export interface ScalingDrainRun {
  readonly jobs: number;
  readonly seconds: number;
  readonly jobsPerSecond: number;
  readonly failed: number;
  readonly workerCpuUsPerJob: number;
  readonly redisCpuUsPerJob: number;
}

/**
 * No-op jobs end to end, as bench/end-to-end.ts times them, over every shard:
 * every shard's queue paused, the jobs submitted through the API (then
 * stopped), one worker process started (it consumes every shard, one BullMQ
 * Worker each with WORKER_CONCURRENCY), every shard resumed once it is
 * connected, and the clock stopped when every job is completed or failed.
 */
async function measureDrain(subject: ScalingSubject, settings: BenchSettings): Promise<ScalingDrainRun> {
  const backend = await startBackend(subject);
  const connection = connectRedis(backend.target, { maxRetriesPerRequest: null }, 'bench-drain');
  const queues = Array.from({ length: subject.shards }, (_, i) => new Queue(DEFAULT_QUEUE, { connection, prefix: shardPrefix(PREFIX, i) }));
  let worker: BenchProcess | undefined;
  try {
    await Promise.all(queues.map((queue) => queue.pause()));
    const { api, base } = await startApi(backend, { LOG_LEVEL: 'warn' });
    try {
      let next = 0;
      const lane = async () => {
        while (next < settings.noopJobs) {
          const i = next++;
          const res = await fetch(`${base}/v1/jobs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': `e2e-${i}`, authorization: `Bearer ${BENCH_TOKEN}` },
            body: BODY,
          });
          await res.arrayBuffer();
          if (res.status !== 202) throw new Error(`job-intake answered ${res.status} to job ${i}`);
        }
      };
      await Promise.all(Array.from({ length: HTTP_CONCURRENCY }, lane));
    } finally {
      await api.stop();
    }
    worker = startNode(intakeWorkerEntry, { ...backend.env, WORKER_CONCURRENCY: String(settings.noopConcurrency), LOG_LEVEL: 'warn', METRICS_PORT: '0' });
    const deadline = Date.now() + 20_000;
    while ((await Promise.all(queues.map((queue) => queue.getWorkersCount()))).some((count) => count < 1)) {
      if (Date.now() > deadline) throw new Error(`the worker did not connect to all ${subject.shards} shard(s) within 20 s`);
      await delay(POLL_MS);
    }
    const before = [cpuSeconds(worker.child.pid), cpuOf(backend.pids)] as const;
    const started = performance.now();
    await Promise.all(queues.map((queue) => queue.resume()));
    let finished = 0;
    let failed = 0;
    while (finished < settings.noopJobs) {
      await delay(POLL_MS);
      const counts = await Promise.all(queues.map((queue) => queue.getJobCounts('completed', 'failed')));
      failed = counts.reduce((sum, c) => sum + (c.failed ?? 0), 0);
      finished = counts.reduce((sum, c) => sum + (c.completed ?? 0), 0) + failed;
    }
    const seconds = (performance.now() - started) / 1000;
    const jobs = settings.noopJobs;
    return {
      jobs,
      seconds,
      jobsPerSecond: jobs / seconds,
      failed,
      workerCpuUsPerJob: ((cpuSeconds(worker.child.pid) - before[0]) / jobs) * 1e6,
      redisCpuUsPerJob: ((cpuOf(backend.pids) - before[1]) / jobs) * 1e6,
    };
  } finally {
    await worker?.stop();
    await Promise.all(queues.map((queue) => queue.close()));
    await closeRedis(connection);
    await backend.stop();
  }
}

export interface ScalingRow {
  readonly subject: ScalingSubject;
  readonly intake: IntakeSummary<ScalingIntakeRun>;
  readonly noop: {
    readonly runs: ScalingDrainRun[];
    readonly jobsPerSecond: Spread;
    readonly workerCpuUsPerJob: Spread;
    readonly redisCpuUsPerJob: Spread;
    readonly failed: number;
  };
}

export interface ScalingResults {
  readonly rows: ScalingRow[];
  /** Ratios of medians against one Redis with one shard. */
  readonly ratios: Array<{ name: string; value: number }>;
}

/** Every subject `runs` times, interleaved (run 1 of each, then run 2 ...), as the other sections do. */
export async function benchScaling(settings: BenchSettings, log: (line: string) => void): Promise<ScalingResults> {
  const intake = new Map<string, ScalingIntakeRun[]>(scalingSubjects.map((s) => [s.id, []]));
  const noop = new Map<string, ScalingDrainRun[]>(scalingSubjects.map((s) => [s.id, []]));
  for (let run = 1; run <= settings.runs; run += 1) {
    for (const subject of scalingSubjects) {
      const i = await measureIntake(subject, settings, run);
      intake.get(subject.id)!.push(i);
      log(`scaling intake ${subject.id} run ${run}: ${Math.round(i.requestsPerSecond)} req/s, p99 ${i.latencyMs.p99} ms, non-2xx ${i.non2xx}, API ${Math.round(i.apiCpuUsPerRequest)} µs/req, Redis ${Math.round(i.redisCpuUsPerRequest)} µs/req`);
      const d = await measureDrain(subject, settings);
      noop.get(subject.id)!.push(d);
      log(`scaling no-op ${subject.id} run ${run}: ${Math.round(d.jobsPerSecond)} jobs/s (${d.failed} failed), worker ${Math.round(d.workerCpuUsPerJob)} µs/job, Redis ${Math.round(d.redisCpuUsPerJob)} µs/job`);
    }
  }
  const rows = scalingSubjects.map((subject): ScalingRow => {
    const i = intake.get(subject.id)!;
    const d = noop.get(subject.id)!;
    return {
      subject,
      intake: summariseIntake(i, (r) => ({ ...r, p99Ms: r.latencyMs.p99, socketErrors: r.socketErrors + r.timeouts })),
      noop: {
        runs: d,
        jobsPerSecond: spread(d.map((r) => r.jobsPerSecond)),
        workerCpuUsPerJob: spread(d.map((r) => r.workerCpuUsPerJob)),
        redisCpuUsPerJob: spread(d.map((r) => r.redisCpuUsPerJob)),
        failed: d.reduce((sum, r) => sum + r.failed, 0),
      },
    };
  });
  const base = rows[0]!;
  const ratios = rows.slice(1).flatMap((row) => [
    { name: `intake req/s, ${row.subject.id} / single-1-shard`, value: ratio(row.intake.requestsPerSecond.median, base.intake.requestsPerSecond.median) },
    { name: `no-op jobs/s, ${row.subject.id} / single-1-shard`, value: ratio(row.noop.jobsPerSecond.median, base.noop.jobsPerSecond.median) },
    { name: `intake Redis CPU/req, ${row.subject.id} / single-1-shard`, value: ratio(row.intake.redisCpuUsPerRequest.median, base.intake.redisCpuUsPerRequest.median) },
  ]);
  return { rows, ratios };
}

/** The table for docs/scaling.md (printed; the doc's prose is written by hand around it). */
export function renderScalingTable(results: ScalingResults): string {
  return [
    '| subject | intake req/s, median (min–max) | p99 ms | non-2xx | API CPU µs/req | Redis CPU µs/req (all nodes) | no-op jobs/s, median (min–max) | worker CPU µs/job | Redis CPU µs/job (all nodes) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.rows.map(
      (r) =>
        `| ${r.subject.label} | ${range(r.intake.requestsPerSecond)} | ${r.intake.p99Ms.median.toFixed(1)} | ${r.intake.non2xx} | ${int(r.intake.apiCpuUsPerRequest.median)} | ${int(r.intake.redisCpuUsPerRequest.median)} | ${range(r.noop.jobsPerSecond)} | ${int(r.noop.workerCpuUsPerJob.median)} | ${int(r.noop.redisCpuUsPerJob.median)} |`,
    ),
    '',
    '| ratio of medians | value |',
    '|---|---|',
    ...results.ratios.map((r) => `| ${r.name} | ${r.value.toFixed(2)}x |`),
  ].join('\n');
}

/** Writes the `scaling` section into bench/results/latest.json, keeping the rest of the file (so `npm run bench:scaling` can be rerun alone). */
export function writeScalingSection(results: ScalingResults, info: RunInfo): void {
  writeResultsSection('scaling', { ...info, table: renderScalingTable(results).split('\n'), ...results });
}
