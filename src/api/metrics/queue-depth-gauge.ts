import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import type { RedisGuard } from '../redis-guard.js';

/** The states an operator watches; `completed` is left out (it is retention, not work). */
export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/**
 * `job_intake_queue_jobs{state}`: read at scrape time with one getJobCounts call
 * per shard (one Lua round trip each), never per request; summed over shards. While Redis is out the gauge has no
 * samples rather than stale ones; `job_intake_redis_up` says why.
 */
export function registerQueueDepthGauge(registry: Registry, deps: { queues: readonly Queue[]; redis: RedisGuard }): Gauge<'state'> {
  return new Gauge({
    name: 'job_intake_queue_jobs',
    help: 'Jobs in the queue by state, read at scrape time.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      let perShard: Array<Record<string, number>>;
      try {
        perShard = await deps.redis.run(() => Promise.all(deps.queues.map((queue) => queue.getJobCounts(...QUEUE_STATES))));
      } catch {
        return; // Redis is out: no samples; job_intake_redis_up reports it
      }
      for (const state of QUEUE_STATES) this.set({ state }, perShard.reduce((sum, counts) => sum + (counts[state] ?? 0), 0));
    },
  });
}
