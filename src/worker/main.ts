import { loadConfigOrExit } from '../config.js';
import { createLogger } from '../shared/logger.js';
import { closeAll } from '../shared/close-all.js';
import { closeRedis, connectRedis, patientRedisOptions } from '../shared/redis.js';
import { checkRedisPolicy } from '../shared/redis-policy.js';
import { exitOnSignals } from '../shared/signals.js';
import { defaultJobTypes } from './handlers/index.js';
import { createWorker } from './worker.js';

const config = loadConfigOrExit(process.env, 'job-intake worker');
const logger = createLogger({ level: config.LOG_LEVEL, name: 'job-intake-worker' });
const connection = connectRedis(config.REDIS_URL, patientRedisOptions(), 'job-intake:worker');
// ioredis emits 'error' on every failed reconnect; without a listener Node would crash.
connection.on('error', (err) => logger.warn({ err }, 'redis connection error'));

const worker = createWorker({ config, connection, registry: defaultJobTypes, logger });
void worker.worker.waitUntilReady().then(async () => {
  logger.info('worker ready');
  await checkRedisPolicy(connection, logger);
});
logger.info({ concurrency: config.WORKER_CONCURRENCY, types: [...defaultJobTypes.keys()] }, 'worker started');

exitOnSignals({
  logger,
  graceMs: config.SHUTDOWN_GRACE_MS,
  shutdown: async () => {
    await closeAll([
      ['worker', () => worker.close()],
      ['redis', () => closeRedis(connection)],
    ]);
  },
});
