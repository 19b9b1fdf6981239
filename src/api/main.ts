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
