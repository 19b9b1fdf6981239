import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { createMetricsRegistry } from '../../shared/metrics/metrics-registry.js';
import { registerRedisUpGauge } from '../../shared/metrics/redis-up-gauge.js';
import type { JobTypeRegistry } from '../handlers/job-type.js';
import { observeJobMetrics } from './job-metrics.js';

/** Everything a worker process reports on /metrics, in a registry of its own. */
export function createWorkerMetrics(deps: {
  worker: Worker;
  connection: Redis;
  jobTypes: JobTypeRegistry;
  /** How long a scrape waits for Redis to answer PING before reporting it down. */
  redisTimeoutMs: number;
  processMetrics?: boolean;
}): Registry {
  const registry = createMetricsRegistry({ processMetrics: deps.processMetrics ?? false });
  observeJobMetrics(registry, { worker: deps.worker, jobTypes: deps.jobTypes });
  // The worker's connection queues commands while disconnected (it waits out
  // outages), so only PING when connected: a queued PING would only time out.
  registerRedisUpGauge(
    registry,
    () => (deps.connection.status === 'ready' ? deps.connection.ping() : Promise.reject(new Error('not connected'))),
    deps.redisTimeoutMs,
  );
  return registry;
}
