import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openInspector, startApi, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { newWebhookSecret, startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

// Callbacks refused at submission, before anything is created and before any
// connection is made: the receiver on 127.0.0.1 must see none.

const redis = useRedisServer();
let guarded: TestApi; // a secret, and OUTBOUND_ALLOW_HOSTS unset: only public addresses pass
let unsigned: TestApi; // no webhook secret at all
let receiver: WebhookReceiver;

const configs = new Map<TestApi, Config>();
async function api(config: Config): Promise<TestApi> {
  const started = await startApi(config);
  configs.set(started, config);
  return started;
}

beforeAll(async () => {
  guarded = await api(testConfig(redis.url, { WEBHOOK_SECRET: newWebhookSecret() }));
  unsigned = await api(testConfig(redis.url));
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await guarded?.close();
  await unsigned?.close();
  await receiver?.close();
});

const withCallback = (callback: unknown) => ({ type: 'sleep', payload: { ms: 0 }, callback });

/** Jobs in Redis under that API's prefix. */
async function jobs(of: TestApi): Promise<number> {
  const inspector = await openInspector(configs.get(of)!);
  try {
    return await inspector.jobCount();
  } finally {
    await inspector.close();
  }
}

describe('a callback URL the address guard refuses', () => {
  const refused = [
    ['loopback IPv6 ([::1])', 'ipv6-loopback', (port: number) => `http://[::1]:${port}/hooks`, 'is a loopback address'],
    ['a private address (10.0.0.1)', 'private', (port: number) => `http://10.0.0.1:${port}/hooks`, 'is a private address'],
    ['the cloud metadata address (169.254.169.254)', 'metadata', () => 'http://169.254.169.254/latest/meta-data/', 'link-local address (cloud metadata)'],
    ['a name resolving to loopback (localhost)', 'localhost', (port: number) => `http://localhost:${port}/hooks`, 'localhost resolves to a loopback address'],
  ] as const;

  for (const [what, key, url, reason] of refused) {
    it(`is refused with 400 callback-url-not-allowed for ${what}, creating nothing and connecting nowhere`, async () => {
      const res = await submit(guarded, { key: `refused-${key}`, body: withCallback({ url: url(receiver.port) }) });

      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = res.json();
      expect(problem).toMatchObject({ type: '/problems/callback-url-not-allowed', status: 400, errors: [{ in: 'body', pointer: '/callback/url' }] });
      expect(problem.detail).toContain(reason);
      expect(await jobs(guarded)).toBe(0);
      expect(receiver.connections).toBe(0);
    });
  }

  it('is refused for a scheme other than http(s)', async () => {
    const res = await submit(guarded, { key: 'refused-ftp', body: withCallback({ url: 'ftp://example.com/hooks' }) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ type: '/problems/callback-url-not-allowed', detail: expect.stringContaining('ftp:') });
  });
});

describe('a malformed callback', () => {
  it('is refused with 400 validation-failed, naming the unknown event', async () => {
    const res = await submit(guarded, { key: 'bad-event', body: withCallback({ url: 'http://example.com/', events: ['finished'] }) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ type: '/problems/validation-failed', errors: [{ in: 'body', pointer: '/callback/events/0' }] });
  });

  it('is refused with 400 validation-failed for an unknown field', async () => {
    const res = await submit(guarded, { key: 'bad-field', body: withCallback({ url: 'http://example.com/', secret: 'x' }) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ type: '/problems/validation-failed' });
  });
});

describe('a callback while the service has no webhook secret', () => {
  it('is refused with 400 callbacks-not-configured, creating nothing', async () => {
    const res = await submit(unsigned, { key: 'unsigned', body: withCallback({ url: receiver.url }) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ type: '/problems/callbacks-not-configured', detail: expect.stringContaining('WEBHOOK_SECRET') });
    expect(await jobs(unsigned)).toBe(0);
  });

  it('does not stand in the way of submissions without a callback', async () => {
    expect((await submit(unsigned, { key: 'plain', body: { type: 'sleep', payload: { ms: 0 } } })).statusCode).toBe(202);
  });
});
