import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemError } from '../problems.js';
import type { RedisGuard } from '../redis-guard.js';
import { problemResponses } from './problem-responses.js';

const statusSchema = z.object({ status: z.string() });

export const healthRoutes: FastifyPluginAsyncZod<{ redis: RedisGuard; isClosing: () => boolean }> = async (
  app,
  { redis, isClosing },
) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'checkLiveness',
        summary: 'Liveness: the process is up (never touches Redis)',
        security: [],
        // 400: a request that cannot be parsed as HTTP is refused on any route.
        response: { 200: statusSchema, ...problemResponses(400) },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'checkReadiness',
        summary: 'Readiness: Redis answers and the process is not shutting down',
        security: [],
        response: { 200: statusSchema, ...problemResponses(400, 503) },
      },
    },
    async () => {
      if (isClosing()) {
        throw new ProblemError('shutting-down', 'This process is shutting down; use another one.', { retryAfterSeconds: 1 });
      }
      await redis.ping();
      return { status: 'ready' };
    },
  );
};
