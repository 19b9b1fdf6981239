import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { sample, scrape, startObservedWorker } from '../ops/ops-harness.js';
import { newWebhookSecret, startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const redis = useRedisServer();
let api: TestApi;
let worker: Awaited<ReturnType<typeof startObservedWorker>>;
let receiver: WebhookReceiver;

beforeAll(async () => {
  const config = testConfig(redis.url, { WEBHOOK_SECRET: newWebhookSecret(), OUTBOUND_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_RETRY_SCHEDULE: '100ms' });
  api = await startApi(config);
  worker = await startObservedWorker(config);
  // By path: /retry answers 503 once, then 204; /refuse answers 400.
  receiver = await startWebhookReceiver((_count, webhook) => {
    if (webhook.url === '/refuse') return { status: 400 };
    const tries = receiver.received.filter((each) => each.url === '/retry').length;
    return tries === 1 ? { status: 503 } : { status: 204 };
  });
});
afterAll(async () => {
  await worker?.close();
  await api?.close();
  await receiver?.close();
});

describe("a worker's /metrics", () => {
  it('counts webhook delivery tries by event and outcome: retrying, delivered, failed', async () => {
    const origin = `http://127.0.0.1:${receiver.port}`;
    const body = (path: string) => ({ type: 'sleep', payload: { ms: 0 }, callback: { url: `${origin}${path}` } });
    expect((await submit(api, { key: 'metrics-retry', body: body('/retry') })).statusCode).toBe(202);
    expect((await submit(api, { key: 'metrics-refuse', body: body('/refuse') })).statusCode).toBe(202);

    const count = async (outcome: string) => sample(await scrape(worker.server), 'job_intake_webhook_deliveries_total', { event: 'succeeded', outcome });
    await expect.poll(() => count('delivered'), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => count('failed'), { timeout: 10_000 }).toBe(1);
    expect(await count('retrying')).toBe(1);
    expect(sample(await scrape(worker.server), 'job_intake_webhook_deliveries_total', { event: 'started', outcome: 'delivered' })).toBe(0);
  });
});
