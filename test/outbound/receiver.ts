import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** TCP connections accepted so far: the proof that a refused request never connected. */
  readonly connections: number;
  readonly requests: readonly ReceivedRequest[];
  /** Sockets the receiver saw close, so a test can wait for the client to hang up. */
  readonly closedSockets: number;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 and a free port, the only kind of peer these tests
 * talk to. The handler gets the request with its body already read.
 */
export async function startReceiver(
  handler: (req: IncomingMessage, res: ServerResponse, received: ReceivedRequest) => void = (_req, res) => res.end(),
): Promise<Receiver> {
  const sockets = new Set<Socket>();
  const requests: ReceivedRequest[] = [];
  let connections = 0;
  let closedSockets = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(received);
      handler(req, res, received);
    });
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => {
      closedSockets += 1;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver: no TCP address');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    port: address.port,
    get connections() {
      return connections;
    },
    get closedSockets() {
      return closedSockets;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
