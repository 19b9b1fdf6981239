import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import type { RedisGuard } from '../redis-guard.js';

/** The states an operator watches; `completed` is left out (it is retention, not work). */
export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/**
 * `job_intake_queue_jobs{state}`: read at scrape time with one getJobCounts call
 * (one Lua round trip), never per request. While Redis is out the gauge has no
 * samples rather than stale ones; `job_intake_redis_up` says why.
 */
export function registerQueueDepthGauge(registry: Registry, deps: { queue: Queue; redis: RedisGuard }): Gauge<'state'> {
  return new Gauge({
    name: 'job_intake_queue_jobs',
    help: 'Jobs in the queue by state, read at scrape time.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      let counts: Record<string, number>;
      try {
        counts = await deps.redis.run(() => deps.queue.getJobCounts(...QUEUE_STATES));
      } catch {
        return; // Redis is out: no samples; job_intake_redis_up reports it
      }
      for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
    },
  });
}
