import { createServer, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createAddressGuard } from '../../src/outbound/address-guard.js';
import { postJson, type PostJsonRequest } from '../../src/outbound/http-post.js';
import { parseRetryAfter } from '../../src/outbound/post-outcome.js';
import { startReceiver, type Receiver } from './receiver.js';

// Every receiver is on 127.0.0.1, allowed explicitly, as OUTBOUND_ALLOW_HOSTS=127.0.0.1 would.
const guard = createAddressGuard({ allowHosts: ['127.0.0.1'] });
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const started = await startReceiver(...args);
  receivers.push(started);
  return started;
}

function post(url: string, overrides: Partial<PostJsonRequest> = {}) {
  return postJson({ url, body: '{"n":1}', timeoutMs: 5000, maxResponseBytes: 1024, responseJson: 'required', ...overrides }, guard);
}

/** Writes an endless body until the client hangs up. */
function endlessBody(res: ServerResponse): void {
  let open = true;
  res.on('close', () => (open = false));
  res.writeHead(200, { 'content-type': 'application/json' });
  const write = () => {
    if (!open) return;
    res.write(`"${'x'.repeat(16_384)}",`);
    setImmediate(write);
  };
  write();
}

describe('postJson against receivers on 127.0.0.1', () => {
  it('POSTs the body byte for byte with its headers and answers ok with the parsed JSON', async () => {
    const target = await receiver((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"digest":"abc"}'));
    const body = '{ "n" : 1, "text": "ü" }';

    const outcome = await post(`${target.origin}/run`, { body, headers: { 'idempotency-key': 'job-1' } });

    expect(outcome).toEqual({ kind: 'ok', status: 200, json: { digest: 'abc' } });
    expect(target.requests).toMatchObject([
      { method: 'POST', url: '/run', body, headers: { 'content-type': 'application/json', 'idempotency-key': 'job-1', 'content-length': String(Buffer.byteLength(body)) } },
    ]);
  });

  it('answers ok with null for a 2xx without a body', async () => {
    const target = await receiver((_req, res) => res.writeHead(204).end());
    await expect(post(target.origin)).resolves.toEqual({ kind: 'ok', status: 204, json: null });
  });

  it('fails a 2xx whose body is not JSON when JSON is required', async () => {
    const target = await receiver((_req, res) => res.writeHead(200).end('<html>hello</html>'));
    await expect(post(target.origin)).resolves.toEqual({ kind: 'fail', status: 200, reason: 'HTTP 200 with a body that is not JSON', bodyStart: '<html>hello</html>' });
  });

  it('answers ok on the status alone when the body is ignored, and hangs up without reading it', async () => {
    const target = await receiver((_req, res) => endlessBody(res));
    await expect(post(target.origin, { responseJson: 'ignored' })).resolves.toEqual({ kind: 'ok', status: 200, json: undefined });
    await expect.poll(() => target.closedSockets).toBe(1);
  });

  it('fails a 400 at once with the status and the start of the body', async () => {
    const target = await receiver((_req, res) => res.writeHead(400).end(`{"error":"bad payload"}${' '.repeat(4000)}`));

    const outcome = await post(target.origin);

    expect(outcome).toMatchObject({ kind: 'fail', status: 400, reason: 'HTTP 400' });
    expect(outcome.kind === 'fail' && outcome.bodyStart).toBe(`{"error":"bad payload"}${' '.repeat(512 - 23)}`);
  });

  it('retries a 503 no sooner than its Retry-After in seconds', async () => {
    const target = await receiver((_req, res) => res.writeHead(503, { 'retry-after': '7' }).end('busy'));
    await expect(post(target.origin)).resolves.toEqual({ kind: 'retry', status: 503, reason: 'HTTP 503', retryAfterMs: 7000, bodyStart: 'busy' });
  });

  it.each([408, 429, 500, 502, 504])('retries a %i', async (status) => {
    const target = await receiver((_req, res) => res.writeHead(status).end());
    await expect(post(target.origin)).resolves.toEqual({ kind: 'retry', status, reason: `HTTP ${status}`, bodyStart: '' });
  });

  it('times out a receiver that never answers and retries, closing the connection', async () => {
    const target = await receiver(() => {});
    await expect(post(target.origin, { timeoutMs: 300 })).resolves.toEqual({ kind: 'retry', reason: 'timed out after 300 ms' });
    await expect.poll(() => target.closedSockets).toBe(1);
  });

  it('times out a receiver that stops in the middle of its body', async () => {
    const target = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });
    await expect(post(target.origin, { timeoutMs: 300 })).resolves.toEqual({ kind: 'retry', reason: 'timed out after 300 ms' });
  });

  it('retries when the receiver closes the socket without answering', async () => {
    const target = await receiver((req) => req.socket.destroy());
    await expect(post(target.origin)).resolves.toEqual({ kind: 'retry', reason: 'network error: ECONNRESET' });
  });

  it('retries when nothing listens on the port', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));

    await expect(post(`http://127.0.0.1:${port}/`)).resolves.toEqual({ kind: 'retry', reason: 'network error: ECONNREFUSED' });
  });

  it('does not follow a redirect: fails with the status, one request made', async () => {
    const target = await receiver((req, res) => (req.url === '/hook' ? res.writeHead(307, { location: '/elsewhere' }).end() : res.writeHead(200).end('{}')));

    await expect(post(`${target.origin}/hook`)).resolves.toEqual({ kind: 'fail', status: 307, reason: 'HTTP 307: redirect to /elsewhere not followed', bodyStart: '' });
    expect(target.requests.map((request) => request.url)).toEqual(['/hook']);
  });

  it('fails an answer bigger than the bound and drops the connection mid-body', async () => {
    const target = await receiver((_req, res) => endlessBody(res));

    const outcome = await post(target.origin, { maxResponseBytes: 1024 });

    expect(outcome).toMatchObject({ kind: 'fail', status: 200, reason: 'the answer is larger than 1024 bytes' });
    await expect.poll(() => target.closedSockets).toBe(1);
  });

  it('fails an answer whose content-length is over the bound without reading it', async () => {
    const target = await receiver((_req, res) => res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000)));
    await expect(post(target.origin, { maxResponseBytes: 1024 })).resolves.toEqual({ kind: 'fail', status: 200, reason: 'the answer is larger than 1024 bytes' });
  });

  it("aborts the request in flight when the caller's signal aborts, rejecting with its reason", async () => {
    const target = await receiver(() => {});
    const cancel = new AbortController();

    const outcome = post(target.origin, { signal: cancel.signal });
    await expect.poll(() => target.requests.length).toBe(1);
    cancel.abort(new Error('job cancelled'));

    await expect(outcome).rejects.toThrow('job cancelled');
    await expect.poll(() => target.closedSockets).toBe(1);
  });

  it('rejects at once, without connecting, when the signal is already aborted', async () => {
    const target = await receiver();
    await expect(post(target.origin, { signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow('gone');
    expect(target.connections).toBe(0);
  });

  it('refuses a loopback receiver that is not allowed, before connecting', async () => {
    const target = await receiver();
    const strict = createAddressGuard();
    const request = { body: '{}', timeoutMs: 5000, maxResponseBytes: 1024, responseJson: 'required' } as const;

    await expect(postJson({ url: target.origin, ...request }, strict)).resolves.toEqual({ kind: 'fail', reason: 'refused: 127.0.0.1 is a loopback address' });
    await expect(postJson({ url: `http://localhost:${target.port}/`, ...request }, strict)).resolves.toEqual({
      kind: 'fail',
      reason: 'refused: localhost resolves to a loopback address',
    });
    expect(target.connections).toBe(0);
  });

  it('refuses an https URL to a name resolving to loopback before connecting (tls takes the lookup too)', async () => {
    const target = await receiver();
    const outcome = await postJson({ url: `https://localhost:${target.port}/`, body: '{}', timeoutMs: 5000, maxResponseBytes: 1024, responseJson: 'required' }, createAddressGuard());
    expect(outcome).toEqual({ kind: 'fail', reason: 'refused: localhost resolves to a loopback address' });
    expect(target.connections).toBe(0);
  });

  it('fails a request whose header value cannot be sent, without connecting', async () => {
    const target = await receiver();
    const outcome = await post(target.origin, { headers: { 'x-job-key': 'a\r\nInjected: yes' } });
    expect(outcome).toMatchObject({ kind: 'fail', reason: expect.stringMatching(/^invalid request: /) });
    expect(target.connections).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Sun, 01 Mar 2026 12:00:30 GMT', 30_000],
    ['Sunday, 01-Mar-26 12:01:00 GMT', 60_000],
    ['Sun, 01 Mar 2026 11:00:00 GMT', 0],
  ])('reads %j as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([undefined, '', '-5', '1.5', 'soon'])('answers undefined for %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});
