import { startRedisServer } from '../src/dev/redis-server.js';
import { DEFAULT_QUEUE } from '../src/jobs/job-type.js';
import { shardPrefix } from '../src/shared/shards.js';
import { checksumBytesFor } from './calibrate.js';
import { timeDrain, type DrainResult } from './drain.js';
import { enqueueBare, enqueueThroughIntake, type JobBody } from './enqueue.js';
import { builtBenchDir, intakeWorkerEntry } from './paths.js';
import { startNode } from './process.js';
import type { BenchSettings } from './settings.js';
import { spread, type Spread } from './stats.js';

const PREFIX = 'bench';
export const NOOP: JobBody = { type: 'sleep', payload: { ms: 0 } };

/** job-intake-warn: job-intake's worker at LOG_LEVEL=warn (its jobs still go in through the API, as for job-intake). */
export type Flavour = 'job-intake' | 'job-intake-warn' | 'bare-bullmq';
const isIntake = (flavour: Flavour) => flavour !== 'bare-bullmq';

export interface DrainSeries {
  readonly id: string;
  readonly label: string;
  readonly runs: DrainResult[];
  readonly jobsPerSecond: Spread;
  readonly workerCpuUsPerJob: Spread;
  readonly redisCpuUsPerJob: Spread;
}

function startWorkerOf(flavour: Flavour, redisUrl: string, concurrency: number) {
  const logLevel: Record<string, string> = flavour === 'job-intake-warn' ? { LOG_LEVEL: 'warn' } : {};
  return isIntake(flavour)
    ? // METRICS_PORT 0: several worker processes run side by side and would clash on the default port.
      startNode(intakeWorkerEntry, { REDIS_URL: redisUrl, QUEUE_PREFIX: PREFIX, WORKER_CONCURRENCY: String(concurrency), METRICS_PORT: '0', ...logLevel })
    : startNode(`${builtBenchDir}subjects/bare-worker.js`, { REDIS_URL: redisUrl, QUEUE_PREFIX: PREFIX, CONCURRENCY: String(concurrency) });
}

/** A private redis-server: its URL, and its pid for CPU time. */
export interface FreshRedis {
  readonly url: string;
  readonly pid: number | undefined;
}

/** Runs `fn` against a fresh redis-server, stopped afterwards. */
export async function withFreshRedis<T>(fn: (redis: FreshRedis) => Promise<T>): Promise<T> {
  const redis = await startRedisServer();
  try {
    return await fn({ url: redis.url, pid: redis.process.pid });
  } finally {
    await redis.stop();
  }
}

/** One drain: job-intake jobs go in through its API, bare ones with addBulk. */
export function drain(flavour: Flavour, redis: FreshRedis, jobs: number, workers: number, concurrency: number, body: (i: number) => JobBody) {
  const enqueue = isIntake(flavour) ? enqueueThroughIntake : enqueueBare;
  const redisUrl = redis.url;
  return timeDrain({
    redisUrl,
    redisPid: redis.pid,
    // job-intake's demo types run in its DEFAULT_QUEUE, under shard 0's prefix (`{bench-0}`, docs/scaling.md);
    // bare BullMQ in 'jobs' under PREFIX.
    queueName: isIntake(flavour) ? DEFAULT_QUEUE : 'jobs',
    prefix: isIntake(flavour) ? shardPrefix(PREFIX, 0) : PREFIX,
    jobs,
    workers,
    enqueue: () => enqueue(redisUrl, PREFIX, jobs, body),
    startWorker: () => startWorkerOf(flavour, redisUrl, concurrency),
  });
}

function series(id: string, label: string, runs: DrainResult[]): DrainSeries {
  return {
    id,
    label,
    runs,
    jobsPerSecond: spread(runs.map((run) => run.jobsPerSecond)),
    workerCpuUsPerJob: spread(runs.map((run) => run.workerCpuUsPerJob)),
    redisCpuUsPerJob: spread(runs.map((run) => run.redisCpuUsPerJob)),
  };
}

/**
 * No-op jobs: job-intake's worker (logs at info as shipped, and at warn) against
 * a bare BullMQ worker, same concurrency, runs interleaved.
 */
export async function benchNoop(settings: BenchSettings, log: (line: string) => void): Promise<DrainSeries[]> {
  const flavours = ['job-intake', 'job-intake-warn', 'bare-bullmq'] as const;
  const byFlavour = new Map<Flavour, DrainResult[]>(flavours.map((flavour) => [flavour, []]));
  for (let run = 1; run <= settings.runs; run += 1) {
    for (const flavour of flavours) {
      const result = await withFreshRedis((redis) => drain(flavour, redis, settings.noopJobs, 1, settings.noopConcurrency, () => NOOP));
      byFlavour.get(flavour)!.push(result);
      log(`no-op ${flavour} run ${run}: ${Math.round(result.jobsPerSecond)} jobs/s (${result.failed} failed), ${Math.round(result.workerCpuUsPerJob)} µs worker CPU/job`);
    }
  }
  const c = settings.noopConcurrency;
  return [
    series('noop-intake', `job-intake worker, ${settings.noopJobs} sleep(0) jobs, concurrency ${c}`, byFlavour.get('job-intake')!),
    series('noop-intake-warn', `job-intake worker at LOG_LEVEL=warn, ${settings.noopJobs} sleep(0) jobs, concurrency ${c}`, byFlavour.get('job-intake-warn')!),
    series('noop-bare', `bare BullMQ Worker, ${settings.noopJobs} no-op jobs, concurrency ${c}`, byFlavour.get('bare-bullmq')!),
  ];
}

/** CPU-bound checksum jobs on 1 and 2 job-intake worker processes (default concurrency). */
export async function benchCpuScaling(settings: BenchSettings, log: (line: string) => void) {
  const calibration = await checksumBytesFor(settings.cpuJobMs);
  const body = (i: number): JobBody => ({ type: 'checksum', payload: { sizeBytes: calibration.sizeBytes, seed: `s${i}` } });
  const byWorkers = new Map<number, DrainResult[]>([[1, []], [2, []]]);
  for (let run = 1; run <= settings.runs; run += 1) {
    for (const [workers, results] of byWorkers) {
      const result = await withFreshRedis((redis) => drain('job-intake', redis, settings.cpuJobs, workers, 10, body));
      results.push(result);
      log(`cpu ${workers} worker(s) run ${run}: ${result.jobsPerSecond.toFixed(1)} jobs/s (${result.failed} failed)`);
    }
  }
  const label = (n: number) => `job-intake, ${n} worker process${n > 1 ? 'es' : ''}, ${settings.cpuJobs} checksum jobs`;
  return {
    calibration,
    series: [series('cpu-1-worker', label(1), byWorkers.get(1)!), series('cpu-2-workers', label(2), byWorkers.get(2)!)],
  };
}
