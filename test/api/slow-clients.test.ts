import { createConnection, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openInspector, startApi, submit, testConfig, TOKENS } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
const token = TOKENS.acme;

/** An API listening on a free port of 127.0.0.1, closed after the test. */
async function listeningApi(env: Record<string, string>) {
  const config = testConfig(redis.url, { API_KEYS: `acme:${token}`, ...env });
  const api = await startApi(config);
  const inspector = await openInspector(config);
  onTestFinished(async () => {
    await inspector.close();
    await api.close();
  });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  return { api, inspector, port: (api.app.server.address() as { port: number }).port };
}

/** A raw TCP client: what it sends is up to the test; it records what comes back and when the server closes. */
async function rawClient(port: number) {
  const socket: Socket = createConnection({ port, host: '127.0.0.1' });
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  let closed = false;
  socket.on('data', (chunk) => (received += chunk.toString()));
  socket.on('error', () => {}); // a reset after the answer is one way for the server to close
  socket.on('close', () => (closed = true));
  onTestFinished(() => void socket.destroy());
  return {
    socket,
    received: () => received,
    isClosed: () => closed,
    /** Sends one byte every 200 ms while the connection is open: a slow-loris body. */
    trickle(byte = ' ') {
      const timer = setInterval(() => (closed ? clearInterval(timer) : socket.write(byte)), 200);
      onTestFinished(() => clearInterval(timer));
    },
  };
}

function postHead(headers: Record<string, string>, contentLength: number) {
  const lines = Object.entries({ host: 'x', 'content-type': 'application/json', 'idempotency-key': 'slow', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `POST /v1/jobs HTTP/1.1\r\n${lines.join('\r\n')}\r\ncontent-length: ${contentLength}\r\n\r\n`;
}

function problemOf(answer: string) {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
}

describe('slow and unread request bodies', () => {
  it('cuts off a body trickled in slower than REQUEST_TIMEOUT_MS with a 408 problem, and creates nothing', async () => {
    const { inspector, port } = await listeningApi({ REQUEST_TIMEOUT_MS: '1000' });
    const client = await rawClient(port);
    const started = Date.now();
    client.socket.write(postHead({ authorization: `Bearer ${token}` }, 1000));
    client.trickle();

    await expect.poll(client.isClosed, { timeout: 5000 }).toBe(true);
    expect(Date.now() - started).toBeLessThan(3500); // the timeout, plus Node's 1 s check interval
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(client.received()).toContain('Content-Type: application/problem+json; charset=utf-8');
    expect(problemOf(client.received())).toMatchObject({ type: '/problems/request-timeout', status: 408 });
    expect(await inspector.jobCount()).toBe(0);
  });

  it('closes the connection after a 401 sent before the body has arrived', async () => {
    const { port } = await listeningApi({ REQUEST_TIMEOUT_MS: '60000' });
    const client = await rawClient(port);
    client.socket.write(postHead({}, 1000));
    client.trickle();

    // Long before the request timeout: the 401 itself ends the connection.
    await expect.poll(client.isClosed, { timeout: 5000 }).toBe(true);
    expect(client.received()).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
    expect(client.received()).toMatch(/\r\nconnection: close\r\n/i);
  });

  it('keeps the connection open after an answer to a body read whole', async () => {
    const { port } = await listeningApi({});
    const client = await rawClient(port);
    const body = '{"type":"sleep","payload":{"ms":1}}';
    client.socket.write(`${postHead({ authorization: `Bearer ${token}` }, body.length)}${body}`);

    await expect.poll(client.received).toMatch(/\r\n\r\n\{.*\}$/);
    expect(client.received()).toMatch(/^HTTP\/1\.1 202 Accepted\r\n/);
    expect(client.received()).toMatch(/\r\nconnection: keep-alive\r\n/i);
    expect(client.isClosed()).toBe(false);
  });

  it.each([
    ['a receipt long-poll (?wait=3)', 'GET', '/v1/receipts/polled?wait=3', {}],
    ['a submission with Prefer: wait=3', 'POST', '/v1/jobs', { prefer: 'wait=3' }],
  ])('lets %s outlast REQUEST_TIMEOUT_MS: the request has arrived whole', async (_name, method, path, headers) => {
    const { api, port } = await listeningApi({ REQUEST_TIMEOUT_MS: '1000' });
    await submit(api, { token, key: 'polled' });
    const started = Date.now();

    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'new-and-waited-on', ...headers },
      ...(method === 'POST' ? { body: JSON.stringify({ type: 'sleep', payload: { ms: 1 } }) } : {}),
    });

    expect(res.status).toBe(202); // no worker runs: the job is still queued when the wait ends
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
  });

  it('lets shutdown finish at once while a body is still trickling in, answering it 503', async () => {
    const { api, port } = await listeningApi({ REQUEST_TIMEOUT_MS: '60000' });
    const client = await rawClient(port);
    const arrived = new Promise((resolve) => api.app.server.once('request', resolve));
    client.socket.write(postHead({ authorization: `Bearer ${token}` }, 1000));
    client.trickle();
    await arrived; // the request is in flight, its body still coming
    const started = Date.now();

    await api.app.close();

    expect(Date.now() - started).toBeLessThan(3000);
    await expect.poll(client.isClosed).toBe(true);
    expect(client.received()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(problemOf(client.received())).toMatchObject({ type: '/problems/shutting-down', status: 503 });
  });
});
