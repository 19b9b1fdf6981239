import { LogController } from 'fastify';

/** Probes and scrapes: orchestrators and Prometheus call them every few seconds. */
const QUIET_URLS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * fastify's `incoming request` / `request completed` lines for everything but
 * probes and scrapes, which would otherwise be most of the log. Their failures
 * still show: /readyz answers 503 with a logged problem, and /metrics in metrics.
 */
export function requestLogController(): LogController {
  return new LogController({ disableRequestLogging: (request: { url?: string }) => QUIET_URLS.has(request.url ?? '') });
}
