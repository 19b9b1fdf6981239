import type { FastifyPluginAsync, onRequestHookHandler } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';

/**
 * GET /metrics in Prometheus' text format. Gauges that read Redis (queue depth,
 * Redis availability) collect at scrape time, so a scrape costs one round trip
 * each and requests cost nothing.
 */
export const metricsRoute: FastifyPluginAsync<{
  registry: Registry;
  /** Checks the caller before anything is collected, e.g. the API's METRICS_TOKEN. */
  authorize?: onRequestHookHandler;
  /** The error answers to document (the API's problem+json ones; its OpenAPI lists this route). */
  errorResponses?: Record<number, unknown>;
}> = async (app, { registry, authorize, errorResponses }) => {
  app.get(
    '/metrics',
    {
      ...(authorize === undefined ? {} : { onRequest: authorize }),
      schema: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics of this process',
        security: [],
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4.',
            content: { 'text/plain': { schema: z.string() } },
          },
          ...errorResponses,
        },
      },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
};
