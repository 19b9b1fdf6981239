import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes the caller's X-Request-Id when it is plain and short, else makes one. */
export const requestIdOptions = {
  requestIdHeader: false as const,
  genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
    const sent = req.headers['x-request-id'];
    return typeof sent === 'string' && SAFE_REQUEST_ID.test(sent) ? sent : randomUUID();
  },
};

/** Echoes the request id, so a client can quote it when reporting a problem. */
export function registerRequestId(app: FastifyInstance) {
  // Callback hooks, not async, on the per-request path: an async hook costs a promise each time.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
}
