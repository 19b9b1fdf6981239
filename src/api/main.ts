import { loadConfigOrExit } from '../config.js';
import { createLogger } from '../shared/logger.js';
import { checkRedisPolicy } from '../shared/redis-policy.js';
import { exitOnSignals } from '../shared/signals.js';
import { defaultJobTypes } from '../worker/handlers/index.js';
import { buildApp } from './app.js';
import { openApiServices } from './services.js';

const config = loadConfigOrExit(process.env, 'job-intake api', 'api');
const logger = createLogger({ level: config.LOG_LEVEL, name: 'job-intake-api' });
const services = openApiServices(config, logger);
void services.started.then(() => checkRedisPolicy(services.connection, logger));
// Take no traffic the queues cannot serve yet (on a cluster they take a moment
// after the connection is up), but come up during a Redis outage all the same:
// then requests get a fast 503 until Redis is back.
let startupTimer: NodeJS.Timeout | undefined;
await Promise.race([services.started, new Promise((resolve) => (startupTimer = setTimeout(resolve, config.STARTUP_TIMEOUT_MS)))]);
clearTimeout(startupTimer);
if (!services.appDeps.redis.isReady()) {
  logger.warn({ timeoutMs: config.STARTUP_TIMEOUT_MS }, 'redis and the queues are not ready; listening anyway, answering 503 until they are');
}

let closing = false;
const app = await buildApp({
  config,
  logger,
  registry: defaultJobTypes,
  ...services.appDeps,
  isClosing: () => closing,
  processMetrics: true,
});

await app.listen({ port: config.PORT, host: config.HOST });
logger.info(
  { auth: config.API_KEYS === null ? 'off' : 'on', dashboard: config.ADMIN_TOKEN === undefined ? 'off' : '/admin/queues' },
  'api listening',
);

exitOnSignals({
  logger,
  graceMs: config.SHUTDOWN_GRACE_MS,
  // Stop accepting, let in-flight requests finish (long-polls included), then let go of Redis.
  shutdown: async () => {
    closing = true;
    const closed = app.close(); // stops accepting at once; waits for requests in flight
    services.jobEnds.stop(); // long-polls in flight answer now with the current state
    await closed;
    logger.info('http server closed');
    await services.close();
  },
});
