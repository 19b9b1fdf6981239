import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../config.js';
import { clientErrorHandler, closeWithProblem } from './client-error.js';
import { ProblemError } from './problems.js';

const SHUTTING_DOWN = 'This API process is stopping; nothing was changed. Retry, and another process will answer.';

/** True while a request's body has been announced but has not all arrived. */
function bodyStillArriving(raw: IncomingMessage): boolean {
  const announced = raw.headers['transfer-encoding'] !== undefined || (raw.headers['content-length'] ?? '0') !== '0';
  return announced && !raw.complete;
}

/**
 * How long a connection may hold the API, and how it ends: a request must
 * arrive whole within REQUEST_TIMEOUT_MS, a silent socket is closed after
 * CONNECTION_TIMEOUT_MS, an answer that leaves a body unread closes its
 * connection, and a shutdown cuts the requests still arriving.
 * `isClosing` is main.ts's flag (set just before app.close()).
 */
export function createConnectionLimits(config: Pick<Config, 'REQUEST_TIMEOUT_MS' | 'CONNECTION_TIMEOUT_MS'>, isClosing: () => boolean) {
  let closeStarted = false;
  /** Answers to requests whose body was still arriving when they began; each leaves on its request's close. */
  const receiving = new Set<FastifyReply>();
  return {
    /** For Fastify(options). */
    serverOptions: {
      // Node counts requestTimeout from a request's first byte to its last, so a
      // body trickled in byte by byte is cut off (408, client-error.ts), while a
      // long-poll, whose request has arrived, is not. Node checks it every
      // connectionsCheckingInterval (30 s by default): once a second keeps the cut
      // near the limit. headersTimeout (60 s by default) must not exceed it: Node
      // swaps the two when it does, and the whole request would get 60 s.
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      http: { headersTimeout: config.REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 },
      // Bytes moving neither way: a long-poll is silent for up to 30 s (config.ts keeps this longer).
      connectionTimeout: config.CONNECTION_TIMEOUT_MS,
      // fastify's own 503 while closing is plain JSON: the onRequest hook below answers in problem+json.
      return503OnClosing: false,
      clientErrorHandler,
    },

    register(app: FastifyInstance) {
      app.addHook('onRequest', (request, reply, done) => {
        if (closeStarted) return done(new ProblemError('shutting-down', SHUTTING_DOWN, { retryAfterSeconds: 1 }));
        // (inject() requests have no socket to cut)
        if (bodyStillArriving(request.raw) && request.raw.socket instanceof Socket) {
          receiving.add(reply);
          request.raw.once('close', () => receiving.delete(reply));
        }
        done();
      });
      // End the connection after an answer that leaves a body unread (a 401 sent
      // before the body came, a 413): the rest may never come, and would hold the
      // socket. And while closing, after every answer: server.close() waits for
      // every connection, and an idle keep-alive one would hold it for 72 s.
      app.addHook('onSend', (request, reply, payload, done) => {
        if (isClosing() || closeStarted || bodyStillArriving(request.raw)) reply.header('connection', 'close');
        done(null, payload);
      });
      // Shutdown waits for requests in flight, but one whose body is still
      // arriving was not accepted and could trickle on until REQUEST_TIMEOUT_MS
      // (server.close() also stops Node's checks of that timeout): cut those now.
      app.addHook('preClose', (done) => {
        closeStarted = true;
        for (const reply of receiving) {
          if (reply.request.raw.complete) continue;
          const socket = reply.request.raw.socket;
          if (reply.raw.headersSent) socket.destroy(); // answered already: only the unread body is left
          else closeWithProblem(socket, 'shutting-down', SHUTTING_DOWN, 1);
        }
        done();
      });
    },
  };
}
