import { loadConfigOrExit } from '../config.js';
import { createLogger } from '../shared/logger.js';
import { closeAll, closeAllDeadlineMs, DEFAULT_STEP_TIMEOUT_MS, type CloseStep } from '../shared/close-all.js';
import { createMetricsRegistry } from '../shared/metrics/metrics-registry.js';
import { closeRedis, connectRedis, patientRedisOptions } from '../shared/redis.js';
import { checkRedisPolicy } from '../shared/redis-policy.js';
import { exitOnSignals } from '../shared/signals.js';
import { defaultJobTypes } from './handlers/index.js';
import { serveWorkerMetrics } from './metrics-server.js';
import { registerWorkerMetrics } from './metrics/worker-metrics.js';
import { createWorker } from './worker.js';

const config = loadConfigOrExit(process.env, 'job-intake worker', 'worker');
const logger = createLogger({ level: config.LOG_LEVEL, name: 'job-intake-worker' });

// Only with METRICS_PORT set, and never fatal: a second worker on this host
// finding the port taken logs a warning and runs jobs all the same.
const registry = createMetricsRegistry({ processMetrics: true });
const metricsServer = await serveWorkerMetrics({ registry, logger, port: config.METRICS_PORT, host: config.HOST });

const connection = connectRedis(config.redisTarget, patientRedisOptions(), 'job-intake:worker');
// ioredis emits 'error' on every failed reconnect; without a listener Node would crash.
connection.on('error', (err: Error) => logger.warn({ err }, 'redis connection error'));

const worker = createWorker({ config, connection, registry: defaultJobTypes, logger });
registerWorkerMetrics(registry, {
  workers: worker.workers,
  connection,
  jobTypes: defaultJobTypes,
  redisTimeoutMs: config.REDIS_TIMEOUT_MS,
});
void worker.waitUntilReady().then(async () => {
  logger.info({ shards: worker.shardIndexes }, 'worker ready');
  await checkRedisPolicy(connection, logger);
});
logger.info({ concurrency: config.WORKER_CONCURRENCY, types: [...defaultJobTypes.keys()] }, 'worker started');

// Metrics stay up while active jobs finish, so the last runs are still scraped.
const shutdownSteps: CloseStep[] = [
  // The worker waits up to SHUTDOWN_GRACE_MS for active jobs on purpose, then lets go of them.
  ['worker', () => worker.close(), { timeoutMs: config.SHUTDOWN_GRACE_MS + DEFAULT_STEP_TIMEOUT_MS }],
  ['metrics server', () => metricsServer.close()],
  ['redis', () => closeRedis(connection)],
];
exitOnSignals({
  logger,
  graceMs: config.SHUTDOWN_GRACE_MS,
  deadlineMs: closeAllDeadlineMs(shutdownSteps),
  shutdown: () => closeAll(shutdownSteps),
});
