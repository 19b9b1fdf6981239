import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import type { RedisGuard } from '../redis-guard.js';

/** The states an operator watches; `completed` is left out (it is retention, not work). */
export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/**
 * How old the depth on /metrics may be. /metrics needs no tenant token, so
 * anyone who reaches it could otherwise make every API process run one
 * getJobCounts script per shard per request; Prometheus scrapes every 15 s or so.
 */
export const QUEUE_DEPTH_METRIC_REFRESH_MS = 5000;

type Counts = Record<(typeof QUEUE_STATES)[number], number>;

/**
 * `job_intake_queue_jobs{state}`: one getJobCounts call per shard (one Lua round
 * trip each), summed over shards, at most once per QUEUE_DEPTH_METRIC_REFRESH_MS
 * per process however many scrapes arrive (they share the read in flight, and
 * its result until it is that old); never per request. While Redis is out the
 * gauge has no samples rather than stale ones; `job_intake_redis_up` says why.
 */
export function registerQueueDepthGauge(registry: Registry, deps: { queues: readonly Queue[]; redis: RedisGuard }): Gauge<'state'> {
  let last: { counts: Counts; readAt: number } | null = null;
  let reading: Promise<Counts> | null = null;

  async function read(): Promise<Counts> {
    const perShard = await deps.redis.run(() => Promise.all(deps.queues.map((queue) => queue.getJobCounts(...QUEUE_STATES))));
    const counts = Object.fromEntries(
      QUEUE_STATES.map((state) => [state, perShard.reduce((sum, shard) => sum + (shard[state] ?? 0), 0)]),
    ) as Counts;
    last = { counts, readAt: Date.now() };
    return counts;
  }

  function current(): Promise<Counts> {
    if (last !== null && Date.now() - last.readAt < QUEUE_DEPTH_METRIC_REFRESH_MS) return Promise.resolve(last.counts);
    reading ??= read().finally(() => {
      reading = null;
    });
    return reading;
  }

  return new Gauge({
    name: 'job_intake_queue_jobs',
    help: `Jobs in the queue by state, read at scrape time at most every ${QUEUE_DEPTH_METRIC_REFRESH_MS / 1000} s.`,
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      if (!deps.redis.isReady()) return; // Redis is out: no samples, not the last read's; job_intake_redis_up reports it
      let counts: Counts;
      try {
        counts = await current();
      } catch {
        return; // Redis is out: no samples; job_intake_redis_up reports it
      }
      for (const state of QUEUE_STATES) this.set({ state }, counts[state]);
    },
  });
}
