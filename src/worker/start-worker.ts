import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { JobTypeRegistry } from '../jobs/job-type.js';
import { closeAll, closeAllDeadlineMs, DEFAULT_STEP_TIMEOUT_MS, type CloseStep } from '../shared/close-all.js';
import { createLogger } from '../shared/logger.js';
import { createMetricsRegistry } from '../shared/metrics/metrics-registry.js';
import { closeRedis, connectRedis, patientRedisOptions } from '../shared/redis.js';
import { checkRedisPolicy } from '../shared/redis-policy.js';
import { serveWorkerMetrics } from './metrics-server.js';
import { registerWorkerMetrics } from './metrics/worker-metrics.js';
import { createWorker, servedQueues } from './worker.js';

/**
 * Runs a worker: the queues it serves (WORKER_QUEUES, or all of its job
 * types'), its metrics server when METRICS_PORT is set, and one Redis
 * connection that waits out outages. What `job-intake worker` runs, and what a
 * team embedding a worker in its own process calls. `close()` stops taking
 * jobs and lets active ones finish for up to SHUTDOWN_GRACE_MS; it never
 * exits the process.
 */
export async function startWorker(options: { config: Config; registry: JobTypeRegistry; logger?: Logger }) {
  const { config, registry } = options;
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, name: 'job-intake-worker' });
  servedQueues(registry, config.WORKER_QUEUES); // a queue no job type uses stops it here, before the metrics server
  // Only with METRICS_PORT set, and never fatal: a second worker on this host
  // finding the port taken logs a warning and runs jobs all the same.
  const metrics = createMetricsRegistry({ processMetrics: true });
  const metricsServer = await serveWorkerMetrics({ registry: metrics, logger, port: config.METRICS_PORT, host: config.HOST });

  const connection = connectRedis(config.redisTarget, patientRedisOptions(), 'job-intake:worker');
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash.
  connection.on('error', (err: Error) => logger.warn({ err }, 'redis connection error'));

  const worker = createWorker({ config, connection, registry, logger });
  registerWorkerMetrics(metrics, {
    workers: worker.workers,
    deliveryWorkers: worker.deliveryWorkers,
    connection,
    jobTypes: registry,
    redisTimeoutMs: config.REDIS_TIMEOUT_MS,
  });
  void worker.waitUntilReady().then(async () => {
    logger.info({ shards: worker.shardIndexes, queues: worker.queues }, 'worker ready');
    await checkRedisPolicy(connection, logger);
  });
  logger.info({ concurrency: config.WORKER_CONCURRENCY, queues: worker.queues, types: [...registry.keys()] }, 'worker started');

  // Metrics stay up while active jobs finish, so the last runs are still scraped.
  const closeSteps: CloseStep[] = [
    // The worker waits up to SHUTDOWN_GRACE_MS for active jobs on purpose, then lets go of them.
    ['worker', () => worker.close(), { timeoutMs: config.SHUTDOWN_GRACE_MS + DEFAULT_STEP_TIMEOUT_MS }],
    ['metrics server', () => metricsServer.close()],
    ['redis', () => closeRedis(connection)],
  ];
  let closed: Promise<void> | undefined;
  return {
    worker,
    /** The longest close() can take: every step timing out. */
    closeDeadlineMs: closeAllDeadlineMs(closeSteps),
    /** Graceful and idempotent: stop taking jobs, let active ones finish, then close Redis. */
    close(): Promise<void> {
      closed ??= closeAll(closeSteps);
      return closed;
    },
  };
}

export type RunningWorker = Awaited<ReturnType<typeof startWorker>>;
