import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';

/** One webhook as the receiver got it: the raw body, to verify its signature byte for byte. */
export interface ReceivedWebhook {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
  /** The body, parsed. */
  readonly json: { type: string; timestamp: string; data: Record<string, unknown> };
}

/** How the receiver answers one request: a status and headers, or `hold` (never answers: the test ends it). */
export type Answer = { status: number; headers?: Record<string, string> } | 'hold';

/**
 * A webhook receiver on 127.0.0.1 (the only kind of peer these tests contact).
 * It answers each request by `answer(received so far)`, 204 by default; `down()`
 * closes its port (connections are refused) and `up()` opens the same port again.
 */
export async function startWebhookReceiver(answer: (count: number, received: ReceivedWebhook) => Answer = () => ({ status: 204 })) {
  const received: ReceivedWebhook[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const listen = async (port: number): Promise<Server> => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const webhook = { url: req.url ?? '', headers: req.headers, body, at: Date.now(), json: JSON.parse(body) as ReceivedWebhook['json'] };
        received.push(webhook);
        const reply = answer(received.length, webhook);
        if (reply === 'hold') return;
        res.writeHead(reply.status, reply.headers).end();
      });
    });
    server.on('connection', (socket: Socket) => {
      connections += 1;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return server;
  };
  let server: Server | undefined = await listen(0);
  const port = (server.address() as { port: number }).port;
  const close = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing !== undefined) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };

  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    /** TCP connections accepted so far: a refused URL must leave this at 0. */
    get connections() {
      return connections;
    },
    /** Closes the port: deliveries meet a refused connection. */
    down: close,
    /** Opens the same port again. */
    async up() {
      server ??= await listen(port);
    },
    close,
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

/** A fresh Standard Webhooks secret. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
