import { timingSafeEqual } from 'node:crypto';
import type { onRequestHookHandler } from 'fastify';
import { digestToken } from '../../shared/api-keys.js';
import { bearerToken } from '../auth.js';
import { ProblemError } from '../problems.js';

/**
 * With METRICS_TOKEN set, the API's /metrics answers only `Authorization: Bearer
 * <METRICS_TOKEN>` (Prometheus' `authorization` scrape setting); anything else is
 * a 401 problem before a metric is collected. Compared as SHA-256 digests in
 * constant time, like the API tokens.
 */
export function metricsTokenCheck(metricsToken: string): onRequestHookHandler {
  const expected = digestToken(metricsToken);
  return (request, _reply, done) => {
    const presented = bearerToken(request.headers.authorization);
    if (presented !== undefined && timingSafeEqual(digestToken(presented), expected)) return done();
    done(new ProblemError('unauthorized', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.'));
  };
}
