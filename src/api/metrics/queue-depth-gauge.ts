import type { ShardQueue } from '../job-store.js';
import { Gauge, type Registry } from 'prom-client';
import type { RedisGuard } from '../redis-guard.js';

/** The states an operator watches; `completed` is left out (it is retention, not work). */
export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/**
 * How old the depth on /metrics may be. /metrics needs no tenant token, so
 * anyone who reaches it could otherwise make every API process run one
 * getJobCounts script per queue and shard per request; Prometheus scrapes every 15 s or so.
 */
export const QUEUE_DEPTH_METRIC_REFRESH_MS = 5000;

type Counts = Map<string, Record<(typeof QUEUE_STATES)[number], number>>;

/**
 * `job_intake_queue_jobs{queue, state}`: one getJobCounts call per queue and
 * shard (one Lua round trip each), summed over shards, at most once per
 * QUEUE_DEPTH_METRIC_REFRESH_MS per process however many scrapes arrive (they
 * share the read in flight, and its result until it is that old); never per
 * request. While Redis is out the gauge has no samples rather than stale ones;
 * `job_intake_redis_up` says why.
 */
export function registerQueueDepthGauge(registry: Registry, deps: { queues: readonly ShardQueue[]; redis: RedisGuard }): Gauge<'queue' | 'state'> {
  let last: { counts: Counts; readAt: number } | null = null;
  let reading: Promise<Counts> | null = null;

  async function read(): Promise<Counts> {
    const perQueue = await deps.redis.run(() => Promise.all(deps.queues.map(({ queue }) => queue.getJobCounts(...QUEUE_STATES))));
    const counts: Counts = new Map();
    deps.queues.forEach(({ name }, i) => {
      const sum = counts.get(name) ?? (Object.fromEntries(QUEUE_STATES.map((state) => [state, 0])) as Record<(typeof QUEUE_STATES)[number], number>);
      for (const state of QUEUE_STATES) sum[state] += perQueue[i]![state] ?? 0;
      counts.set(name, sum);
    });
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
    help: `Jobs in each queue by state, read at scrape time at most every ${QUEUE_DEPTH_METRIC_REFRESH_MS / 1000} s.`,
    labelNames: ['queue', 'state'],
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
      for (const [queue, byState] of counts) for (const state of QUEUE_STATES) this.set({ queue, state }, byState[state]);
    },
  });
}
