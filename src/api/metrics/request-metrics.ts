import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import { createIntakeOutcomes } from './intake-outcomes.js';

/** Up to 30 s: a long-poll (`?wait=30`) is a normal request, not an outlier. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * One onResponse hook: latency by route pattern and status, plus intake outcomes.
 * Labels are bounded: the route *pattern* (`/v1/receipts/:key`, never the URL or
 * a key), `unmatched` for 404s, and the method and status code.
 */
export function registerRequestMetrics(app: FastifyInstance, registry: Registry): void {
  const latency = new Histogram({
    name: 'job_intake_http_request_duration_seconds',
    help: 'Time from request to response, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const countIntake = createIntakeOutcomes(registry);

  // A callback hook, not async: it runs on every request, and an async hook costs a promise each time.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    latency.observe({ method: request.method, route, status_code: reply.statusCode }, reply.elapsedTime / 1000);
    if (route === '/v1/jobs' && request.method === 'POST') countIntake(request, reply);
    done();
  });
}
