import type { Socket } from 'node:net';
import { problemTypeUri } from './problems.js';

/**
 * Node's HTTP parser refuses malformed requests (control bytes in a header, a
 * broken request line) before fastify sees them; answer those in problem+json
 * too, then close the connection, since its framing can no longer be trusted.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket) {
  if (!socket.writable) return socket.destroy(err);
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify({
    type: problemTypeUri('bad-request'),
    title: tooLarge ? 'Request header fields too large' : 'Bad request',
    status,
    detail: `The HTTP request could not be parsed (${err.code ?? 'parse error'}).`,
  });
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      'Content-Type: application/problem+json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
