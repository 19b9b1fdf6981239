import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request. */
export type ProxyStep =
  /** Answers by itself and forwards nothing. */
  | { readonly answer: number; readonly headers?: Record<string, string>; readonly body?: string }
  /** Cuts the connection without forwarding: the service never hears of the request. */
  | 'drop'
  /** Forwards, lets the service act, then cuts the connection: the caller never sees the answer. */
  | 'forward-then-drop'
  | 'forward';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly idempotencyKey: string | undefined;
  readonly at: number;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(upstream: URL, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      new URL(req.url ?? '/', upstream),
      { method: req.method, headers: { ...req.headers, host: upstream.host } },
      (res) => {
        readBody(res).then((answer) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: answer }), reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * A tiny HTTP proxy in front of the real service that misbehaves on purpose:
 * request number n gets `plan[n]`, and every request past the plan is forwarded.
 * It records each request it sees, so a test can check what the client sent.
 */
export async function startFlakyProxy(upstreamUrl: string, plan: readonly ProxyStep[]) {
  const upstream = new URL(upstreamUrl);
  const seen: SeenRequest[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const header = req.headers['idempotency-key'];
    seen.push({ method: req.method ?? '', url: req.url ?? '', idempotencyKey: Array.isArray(header) ? header[0] : header, at: Date.now() });
    const step = plan[seen.length - 1] ?? 'forward';
    const body = await readBody(req);
    if (step === 'drop') return req.socket.destroy();
    if (typeof step === 'object') {
      res.writeHead(step.answer, step.headers ?? {});
      return res.end(step.body ?? '');
    }
    const answer = await forward(upstream, req, body);
    if (step === 'forward-then-drop') return req.socket.destroy();
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FlakyProxy = Awaited<ReturnType<typeof startFlakyProxy>>;
