import type { Socket } from 'node:net';
import { problemTypeUri, type ProblemSlug } from './problems.js';

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 503: 'Service Unavailable' };

export interface RawProblem {
  readonly slug: ProblemSlug;
  readonly status: keyof typeof REASONS;
  readonly title: string;
  readonly detail: string;
  readonly retryAfterSeconds?: number;
}

/**
 * Answers on the bare socket, for requests fastify cannot answer (yet): in
 * problem+json, then closes the connection. Destroyed once written, not just
 * ended: a client still trickling bytes in would otherwise keep the half-open
 * socket (and a shutdown) waiting.
 */
export function closeWithProblem(socket: Socket, problem: RawProblem) {
  const body = JSON.stringify({ type: problemTypeUri(problem.slug), title: problem.title, status: problem.status, detail: problem.detail });
  socket.end(
    `HTTP/1.1 ${problem.status} ${REASONS[problem.status]}\r\n` +
      'Content-Type: application/problem+json; charset=utf-8\r\n' +
      (problem.retryAfterSeconds === undefined ? '' : `Retry-After: ${problem.retryAfterSeconds}\r\n`) +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

function problemFor(code: string | undefined): RawProblem {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { slug: 'request-timeout', status: 408, title: 'Request timeout', detail: 'The request did not arrive whole within REQUEST_TIMEOUT_MS; nothing was changed.' };
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { slug: 'bad-request', status: 431, title: 'Request header fields too large', detail: `The HTTP request could not be parsed (${code}).` };
  }
  return { slug: 'bad-request', status: 400, title: 'Bad request', detail: `The HTTP request could not be parsed (${code ?? 'parse error'}).` };
}

/**
 * Node's HTTP server reports some failures before fastify sees a request:
 * malformed requests (control bytes in a header, a broken request line), and
 * requests that do not arrive whole within REQUEST_TIMEOUT_MS. Answer those in
 * problem+json too, and close the connection: its framing can no longer be trusted.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket) {
  if (!socket.writable) return socket.destroy(err);
  closeWithProblem(socket, problemFor(err.code));
}
