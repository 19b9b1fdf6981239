import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { JobTypeRegistry } from '../jobs/job-type.js';
import { createLogger } from '../shared/logger.js';
import { checkRedisPolicy } from '../shared/redis-policy.js';
import { buildApp } from './app.js';
import { connectApi } from './connect-api.js';

/**
 * Runs the HTTP API: connects to Redis, waits (up to STARTUP_TIMEOUT_MS) for
 * the queues, then listens on PORT and HOST. What `job-intake api` runs, and
 * what a team embedding the API in its own process calls. `close()` stops
 * accepting at once, lets requests in flight finish (long-polls answer at once
 * with the job's state), then lets go of Redis; it never exits the process.
 */
export async function startApi(options: { config: Config; registry: JobTypeRegistry; logger?: Logger; processMetrics?: boolean }) {
  const { config, registry } = options;
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, name: 'job-intake-api' });
  const connections = connectApi(config, registry, logger);
  void connections.started.then(() => checkRedisPolicy(connections.connection, logger));
  // Take no traffic the queues cannot serve yet (on a cluster they take a moment
  // after the connection is up), but come up during a Redis outage all the same:
  // then requests get a fast 503 until Redis is back.
  let startupTimer: NodeJS.Timeout | undefined;
  await Promise.race([connections.started, new Promise((resolve) => (startupTimer = setTimeout(resolve, config.STARTUP_TIMEOUT_MS)))]);
  clearTimeout(startupTimer);
  if (!connections.appDeps.redis.isReady()) {
    logger.warn({ timeoutMs: config.STARTUP_TIMEOUT_MS }, 'redis and the queues are not ready; listening anyway, answering 503 until they are');
  }

  let closing = false;
  const app = await buildApp({
    config,
    logger,
    ...connections.appDeps,
    isClosing: () => closing,
    processMetrics: options.processMetrics ?? true,
  });
  const url = await app.listen({ port: config.PORT, host: config.HOST });
  logger.info(
    {
      url,
      types: [...registry.keys()],
      auth: config.API_KEYS === null ? 'off' : 'on',
      dashboard: config.ADMIN_TOKEN === undefined ? 'off' : '/admin/queues',
    },
    'api listening',
  );

  let closed: Promise<void> | undefined;
  return {
    app,
    url,
    connections,
    /** Graceful and idempotent: stop accepting, finish requests in flight, then close Redis. */
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        const serverClosed = app.close(); // stops accepting at once; waits for requests in flight
        connections.jobEnds.stop(); // long-polls in flight answer now with the current state
        await serverClosed;
        logger.info('http server closed');
        await connections.close();
      })();
      return closed;
    },
  };
}

export type RunningApi = Awaited<ReturnType<typeof startApi>>;
