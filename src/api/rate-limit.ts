import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '../shared/redis.js';
import { ProblemError } from './problems.js';

/**
 * Per-tenant request limit, counted in Redis (one Lua INCR+PEXPIRE per request)
 * so every API process shares it. Health, readiness and docs are not limited.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  options: {
    connection: RedisClient;
    perMinute: number;
    prefix: string;
    /** Routes outside any tenant's budget (health, docs, metrics, dashboard): see public-routes.ts. */
    isExempt: (route: string | undefined) => boolean;
  },
) {
  await app.register(rateLimit, {
    max: options.perMinute,
    timeWindow: 60_000,
    redis: options.connection,
    nameSpace: `${options.prefix}:ratelimit:`,
    keyGenerator: (request) => request.tenant,
    allowList: (request) => options.isExempt(request.routeOptions.url),
    // Redis down: an error (503 from our handler), never a silent pass.
    skipOnError: false,
    errorResponseBuilder: (_request, context) =>
      new ProblemError('rate-limited', `More than ${context.max} requests in a minute for this tenant.`, {
        retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
      }),
  });
}
