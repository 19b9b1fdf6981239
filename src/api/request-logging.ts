import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** What the route learned that belongs on the request's log line (job id, outcome, problem). */
    logFields: Record<string, unknown> | null;
  }
}

/** Probes and scrapes: orchestrators and Prometheus call them every few seconds. */
const QUIET_URLS = new Set(['/healthz', '/readyz', '/metrics']);
const isQuiet = (request: { url?: string }) => QUIET_URLS.has(request.url ?? '');

/**
 * One `request completed` line per request, carrying what the route added to
 * `request.logFields` (the intake's job id and outcome, a refusal's problem), so
 * a request is one line to ship and one to search. fastify's `incoming request`
 * line is kept at `debug`: at `info` it doubled the log and cost about 10% of
 * the intake's CPU (docs/performance.md). Probes and scrapes are left out: their
 * failures still show (/readyz answers 503 with a logged problem; /metrics in metrics).
 */
class OneLinePerRequest extends LogController {
  constructor() {
    super({ disableRequestLogging: isQuiet });
  }

  override incomingRequest(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime, tenant: request.tenant, ...request.logFields };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

export function requestLogController(): LogController {
  return new OneLinePerRequest();
}
