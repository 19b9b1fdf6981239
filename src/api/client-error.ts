import type { Socket } from 'node:net';
import { problemCatalogue, problemTypeUri, type ProblemSlug } from './problems.js';

// RFC 9110's reason phrases for the statuses answered on a bare socket.
const REASONS: Partial<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 503: 'Service Unavailable' };

/**
 * Answers on the bare socket, for requests fastify cannot answer (yet): the
 * catalogue's problem+json for `slug`, then closes the connection. Destroyed
 * once written, not just ended: a client still trickling bytes in would
 * otherwise keep the half-open socket (and a shutdown) waiting.
 */
export function closeWithProblem(socket: Socket, slug: ProblemSlug, detail: string, retryAfterSeconds?: number) {
  const { status, title } = problemCatalogue[slug];
  const body = JSON.stringify({ type: problemTypeUri(slug), title, status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? title}\r\n` +
      'Content-Type: application/problem+json; charset=utf-8\r\n' +
      (retryAfterSeconds === undefined ? '' : `Retry-After: ${retryAfterSeconds}\r\n`) +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/**
 * Node's HTTP server reports some failures before fastify sees a request:
 * malformed requests (control bytes in a header, a broken request line), and
 * requests that do not arrive whole within REQUEST_TIMEOUT_MS. Answer those in
 * problem+json too, and close the connection: its framing can no longer be trusted.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket) {
  if (!socket.writable) return socket.destroy(err);
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return closeWithProblem(socket, 'request-timeout', 'The request did not arrive whole within REQUEST_TIMEOUT_MS; nothing was changed.');
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return closeWithProblem(socket, 'header-fields-too-large', `The HTTP request could not be parsed (${err.code}).`);
  }
  closeWithProblem(socket, 'bad-request', `The HTTP request could not be parsed (${err.code ?? 'parse error'}).`);
}
