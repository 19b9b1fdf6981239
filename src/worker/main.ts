import { loadConfigOrExit } from '../config.js';
import { createLogger } from '../shared/logger.js';
import { closeAll } from '../shared/close-all.js';
import { createMetricsRegistry } from '../shared/metrics/metrics-registry.js';
import { closeRedis, connectRedis, patientRedisOptions } from '../shared/redis.js';
import { checkRedisPolicy } from '../shared/redis-policy.js';
import { exitOnSignals } from '../shared/signals.js';
import { defaultJobTypes } from './handlers/index.js';
import { buildMetricsServer } from './metrics-server.js';
import { registerWorkerMetrics } from './metrics/worker-metrics.js';
import { createWorker } from './worker.js';

const config = loadConfigOrExit(process.env, 'job-intake worker', 'worker');
const logger = createLogger({ level: config.LOG_LEVEL, name: 'job-intake-worker' });

// Listen before taking any job: a METRICS_PORT already in use stops the process
// here, not with a job half done.
const registry = createMetricsRegistry({ processMetrics: true });
const metricsServer = await buildMetricsServer({ registry, logger });
await metricsServer.listen({ port: config.METRICS_PORT, host: config.HOST });

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

exitOnSignals({
  logger,
  graceMs: config.SHUTDOWN_GRACE_MS,
  // Metrics stay up while active jobs finish, so the last runs are still scraped.
  shutdown: async () => {
    await closeAll([
      ['worker', () => worker.close()],
      ['metrics server', () => metricsServer.close()],
      ['redis', () => closeRedis(connection)],
    ]);
  },
});
