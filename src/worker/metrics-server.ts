import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { metricsRoute } from '../shared/metrics/metrics-route.js';

/**
 * The worker's small HTTP side, on METRICS_PORT: `/metrics` for Prometheus and
 * `/healthz` for liveness. `/healthz` never touches Redis: a Redis outage is
 * something to wait out, not a reason to restart every worker.
 */
export async function buildMetricsServer(deps: { registry: Registry; logger: Logger }) {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Scrapes and probes every few seconds would drown the job lines.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.register(metricsRoute, { registry: deps.registry });
  return app;
}

/**
 * Serves the metrics server on `port` when one is set, and never stops the
 * worker over it: several workers on one host (a process manager's `worker=3`)
 * would all want the same port, and running jobs matters more than being
 * scraped. Unset: no server. Taken (or refused): a warning, and no server.
 * Every case says where the metrics are in one log line.
 */
export async function serveWorkerMetrics(deps: { registry: Registry; logger: Logger; port: number | undefined; host: string }) {
  if (deps.port === undefined) {
    deps.logger.info('worker metrics off: METRICS_PORT is unset');
    return { close: async () => {} };
  }
  const app = await buildMetricsServer(deps);
  try {
    await app.listen({ port: deps.port, host: deps.host });
  } catch (err) {
    deps.logger.warn(
      { err, port: deps.port },
      `worker metrics off: cannot listen on METRICS_PORT ${deps.port} (${(err as NodeJS.ErrnoException).code ?? 'error'}); jobs run as usual`,
    );
    await app.close();
    return { close: async () => {} };
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : deps.port;
  deps.logger.info({ port }, `worker metrics at http://${deps.host}:${port}/metrics`);
  return { close: () => app.close() };
}
