import type { Worker } from 'bullmq';
import type { RedisClient } from '../../shared/redis.js';
import type { Registry } from 'prom-client';
import { registerRedisUpGauge } from '../../shared/metrics/redis-up-gauge.js';
import type { JobTypeRegistry } from '../../jobs/job-type.js';
import { observeJobMetrics } from './job-metrics.js';
import { observeWebhookMetrics } from './webhook-metrics.js';

/** Adds everything a worker process reports on /metrics to `registry` (one per worker). */
export function registerWorkerMetrics(
  registry: Registry,
  deps: {
    workers: readonly Worker[];
    /** The shards' webhook delivery queues' Workers (createWorker's deliveryWorkers). */
    deliveryWorkers?: readonly Worker[];
    connection: RedisClient;
    jobTypes: JobTypeRegistry;
    /** How long a scrape waits for Redis to answer PING before reporting it down. */
    redisTimeoutMs: number;
  },
): void {
  observeJobMetrics(registry, { workers: deps.workers, jobTypes: deps.jobTypes });
  observeWebhookMetrics(registry, { workers: deps.deliveryWorkers ?? [] });
  // The worker's connection queues commands while disconnected (it waits out
  // outages), so only PING when connected: a queued PING would only time out.
  registerRedisUpGauge(
    registry,
    () => (deps.connection.status === 'ready' ? deps.connection.ping() : Promise.reject(new Error('not connected'))),
    deps.redisTimeoutMs,
  );
}
