import { setTimeout as delay } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { cpuSeconds } from './cpu-time.js';
import type { BenchProcess } from './process.js';

const POLL_MS = 10;

export interface DrainResult {
  readonly jobs: number;
  readonly seconds: number;
  readonly jobsPerSecond: number;
  readonly failed: number;
  /** CPU time of all worker processes over the drain, per job (the steadier yardstick). */
  readonly workerCpuUsPerJob: number;
  readonly redisCpuUsPerJob: number;
}

/**
 * Times how long `workers` worker processes take to finish `jobs` jobs that are
 * already queued. The queue is paused while the jobs are added and the workers
 * start, and resumed when every worker has connected: the clock measures
 * processing, not enqueueing or Node's start-up.
 */
export async function timeDrain(options: {
  redisUrl: string;
  /** The redis-server's pid, for its CPU time. */
  redisPid: number | undefined;
  /** The BullMQ queue the jobs are in (job-intake's default job types use DEFAULT_QUEUE, bare BullMQ 'jobs'). */
  queueName: string;
  prefix: string;
  jobs: number;
  workers: number;
  enqueue: () => Promise<void>;
  startWorker: () => BenchProcess;
}): Promise<DrainResult> {
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(options.queueName, { connection, prefix: options.prefix });
  const workers: BenchProcess[] = [];
  try {
    await queue.pause();
    await options.enqueue();
    for (let i = 0; i < options.workers; i += 1) workers.push(options.startWorker());
    const deadline = Date.now() + 20_000;
    while ((await queue.getWorkersCount()) < options.workers) {
      if (Date.now() > deadline) throw new Error(`${options.workers} worker(s) did not connect within 20 s`);
      await delay(POLL_MS);
    }
    const workersCpu = () => workers.reduce((sum, worker) => sum + cpuSeconds(worker.child.pid), 0);
    const cpuBefore = [workersCpu(), cpuSeconds(options.redisPid)] as const;
    const started = performance.now();
    await queue.resume();
    let finished = 0;
    let failed = 0;
    while (finished < options.jobs) {
      await delay(POLL_MS);
      const counts = await queue.getJobCounts('completed', 'failed');
      failed = counts.failed ?? 0;
      finished = (counts.completed ?? 0) + failed;
    }
    const seconds = (performance.now() - started) / 1000;
    const perJob = (cpuAfter: number, before: number) => ((cpuAfter - before) / options.jobs) * 1e6;
    return {
      jobs: options.jobs,
      seconds,
      jobsPerSecond: options.jobs / seconds,
      failed,
      workerCpuUsPerJob: perJob(workersCpu(), cpuBefore[0]),
      redisCpuUsPerJob: perJob(cpuSeconds(options.redisPid), cpuBefore[1]),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await queue.close();
    await connection.quit();
  }
}
