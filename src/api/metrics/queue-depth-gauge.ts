import type { ShardQueue } from '../job-store.js';
import { Gauge, type Registry } from 'prom-client';
import type { RedisGuard } from '../redis-guard.js';

/** The states an operator watches; `completed` is left out (it is retention, not work). */
export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/**
 * `job_intake_queue_jobs{queue, state}`: read at scrape time with one
 * getJobCounts call per queue and shard (one Lua round trip each), never per
 * request; summed over shards. While Redis is out the gauge has no samples
 * rather than stale ones; `job_intake_redis_up` says why.
 */
export function registerQueueDepthGauge(registry: Registry, deps: { queues: readonly ShardQueue[]; redis: RedisGuard }): Gauge<'queue' | 'state'> {
  return new Gauge({
    name: 'job_intake_queue_jobs',
    help: 'Jobs in each queue by state, read at scrape time.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      let perShard: Array<Record<string, number>>;
      try {
        perShard = await deps.redis.run(() => Promise.all(deps.queues.map(({ queue }) => queue.getJobCounts(...QUEUE_STATES))));
      } catch {
        return; // Redis is out: no samples; job_intake_redis_up reports it
      }
      for (const name of new Set(deps.queues.map((shardQueue) => shardQueue.name))) {
        for (const state of QUEUE_STATES) {
          const total = perShard.reduce((sum, counts, i) => sum + (deps.queues[i]!.name === name ? (counts[state] ?? 0) : 0), 0);
          this.set({ queue: name, state }, total);
        }
      }
    },
  });
}
