import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { verifyWebhook } from '../../src/client/verify-webhook.js';
import { createRegistry, defineJobType, type HttpEndpoint } from '../../src/jobs/job-type.js';
import { receipt, submit, useApiAndWorker, type TestApi } from '../helpers/harness.js';
import { startReceiver } from '../outbound/receiver.js';

// Every endpoint is a receiver this file starts on 127.0.0.1, let through by OUTBOUND_ALLOW_HOSTS.
const secret = `whsec_${randomBytes(32).toString('base64')}`;

type Behaviour = (res: ServerResponse, tryNumber: number) => void;
const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const behaviours: Record<string, Behaviour> = {
  '/flaky': (res, n) => (n <= 2 ? res.writeHead(503).end('warming up') : json(res, 200, { resized: true })),
  '/bad': (res) => json(res, 400, { error: 'w is wider than the image' }),
  '/slow': (res, n) => (n === 1 ? undefined : json(res, 200, { late: false })), // the first try is never answered
  '/busy': (res, n) => (n === 1 ? res.writeHead(429, { 'retry-after': '2' }).end() : json(res, 200, { ok: true })),
  '/hang': () => {}, // never answers
};
/** When each request arrived (its body read), by path and Idempotency-Key. */
const arrivals = new Map<string, number[]>();
const target = await startReceiver((req, res, received) => {
  const id = `${received.url} ${String(req.headers['idempotency-key'])}`;
  arrivals.set(id, [...(arrivals.get(id) ?? []), Date.now()]);
  const behaviour = behaviours[received.url];
  if (behaviour === undefined) res.writeHead(404).end();
  else behaviour(res, arrivals.get(id)!.length);
});
afterAll(() => target.close());

const payloadSchema = z.strictObject({ w: z.number().int().min(1) });
const endpoint = (type: string, path: string, options: { http?: Partial<HttpEndpoint>; attempts?: number } = {}) =>
  defineJobType({ type, description: `POSTs to ${path}`, payloadSchema, attempts: options.attempts ?? 3, http: { url: `${target.origin}${path}`, ...options.http } });
const registry = createRegistry([
  endpoint('flaky', '/flaky'),
  endpoint('bad', '/bad'),
  endpoint('slow', '/slow', { http: { timeoutMs: 300 }, attempts: 2 }),
  endpoint('busy', '/busy', { attempts: 2 }),
  endpoint('hang', '/hang', { attempts: 1 }),
]);
const service = useApiAndWorker({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_SECRET: secret }, registry });

const requestsTo = (path: string, key: string) => target.requests.filter((request) => request.url === path && request.headers['idempotency-key'] === `default~${key}`);

async function endedReceipt(api: TestApi, key: string) {
  let body: Record<string, any> = {};
  await expect
    .poll(async () => {
      body = (await receipt(api, key)).json();
      return ['succeeded', 'failed', 'canceled'].includes(body.status);
    }, { timeout: 15_000 })
    .toBe(true);
  return body;
}

describe('a job type run by an HTTP endpoint', () => {
  it('retries an endpoint that fails twice, with the same Idempotency-Key and valid signatures, and stores its JSON answer as the result', async () => {
    expect((await submit(service.api, { key: 'flaky-1', body: { type: 'flaky', payload: { w: 640 } } })).statusCode).toBe(202);

    const ended = await endedReceipt(service.api, 'flaky-1');

    expect(ended).toMatchObject({ status: 'succeeded', attempts: 3, result: { resized: true } });
    const tries = requestsTo('/flaky', 'flaky-1');
    expect(tries.map((request) => request.headers['job-intake-attempt'])).toEqual(['1', '2', '3']);
    for (const request of tries) {
      expect(request).toMatchObject({ method: 'POST', body: '{"w":640}' });
      expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'job-intake-type': 'flaky', 'job-intake-key': 'flaky-1', 'job-intake-tenant': 'default' });
      await expect(verifyWebhook(secret, request.headers, request.body)).resolves.toEqual({ w: 640 });
    }
    expect(new Set(tries.map((request) => request.headers['webhook-id'])).size).toBe(1);
  });

  it('fails the job at once when the endpoint answers 400, with the status and the start of its answer on the receipt', async () => {
    await submit(service.api, { key: 'bad-1', body: { type: 'bad', payload: { w: 99999 } } });

    const ended = await endedReceipt(service.api, 'bad-1');

    expect(ended).toMatchObject({ status: 'failed', attempts: 1 });
    expect(ended.error.message).toBe('endpoint: HTTP 400; answer: {"error":"w is wider than the image"}');
    expect(requestsTo('/bad', 'bad-1')).toHaveLength(1);
  });

  it('retries a request the endpoint did not answer within its timeoutMs', async () => {
    await submit(service.api, { key: 'slow-1', body: { type: 'slow', payload: { w: 1 } } });

    const ended = await endedReceipt(service.api, 'slow-1');

    expect(ended).toMatchObject({ status: 'succeeded', attempts: 2, result: { late: false } });
    expect(requestsTo('/slow', 'slow-1')).toHaveLength(2);
  });

  it("tries again no sooner than the endpoint's Retry-After, although the job's backoff is 50 ms", async () => {
    await submit(service.api, { key: 'busy-1', body: { type: 'busy', payload: { w: 1 } } });

    const ended = await endedReceipt(service.api, 'busy-1');

    expect(ended).toMatchObject({ status: 'succeeded', attempts: 2 });
    const [first, second] = arrivals.get('/busy default~busy-1')!;
    expect(second! - first!).toBeGreaterThanOrEqual(2000);
  });

  it('aborts the request in flight when the job is canceled', async () => {
    const closedBefore = target.closedSockets;
    await submit(service.api, { key: 'hang-1', body: { type: 'hang', payload: { w: 1 } } });
    await expect.poll(() => requestsTo('/hang', 'hang-1').length, { timeout: 10_000 }).toBe(1);

    const cancel = await service.api.app.inject({ method: 'DELETE', url: '/v1/receipts/hang-1' });

    expect([200, 202]).toContain(cancel.statusCode);
    await expect.poll(() => target.closedSockets, { timeout: 5000 }).toBeGreaterThan(closedBefore);
    expect(await endedReceipt(service.api, 'hang-1')).toMatchObject({ status: 'canceled' });
  });
});
