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
