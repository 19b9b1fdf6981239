import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type RedisCluster } from '../../src/dev/redis-cluster.js';
import { receipt, startApi, startWorker, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { newWebhookSecret, startWebhookReceiver, type WebhookReceiver } from '../webhooks/webhook-receiver.js';

// The webhook scripts (emit, cancel, sweep) touch the job hash, the watch set and
// the delivery queue in one call: on a cluster they must all be in the shard's slot.

const SHARDS = 3;
let cluster: RedisCluster;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startWorker>>;
let receiver: WebhookReceiver;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  const config = testConfig('redis://unused:1', {
    REDIS_CLUSTER_NODES: cluster.nodeList,
    QUEUE_SHARDS: String(SHARDS),
    WEBHOOK_SECRET: newWebhookSecret(),
    OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
  });
  api = await startApi(config);
  worker = await startWorker(config);
  receiver = await startWebhookReceiver();
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await api?.close();
  await cluster?.stop();
  await receiver?.close();
});

describe(`completion webhooks on a 3-master Redis Cluster with ${SHARDS} shards`, () => {
  it('delivers the end of jobs in every shard, and the canceled event of a queued job, once each', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `hook-${i}`);
    const callback = { url: receiver.url, events: ['started', 'succeeded'] };
    for (const key of keys) expect((await submit(api, { key, body: { type: 'sleep', payload: { ms: 0 }, callback } })).statusCode).toBe(202);
    const queued = { type: 'sleep', payload: { ms: 0 }, options: { delayMs: 60_000 }, callback: { url: receiver.url } };
    expect((await submit(api, { key: 'hook-canceled', body: queued })).statusCode).toBe(202);
    expect((await api.app.inject({ method: 'DELETE', url: '/v1/receipts/hook-canceled' })).statusCode).toBe(200);

    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(keys.length * 2 + 1);
    const types = (key: string) => receiver.received.filter((webhook) => webhook.json.data.key === key).map((webhook) => webhook.json.type).sort();
    for (const key of keys) expect(types(key)).toEqual(['job.started', 'job.succeeded']);
    expect(types('hook-canceled')).toEqual(['job.canceled']);
    await expect.poll(async () => (await receipt(api, 'hook-0')).json().deliveries.map((delivery: { status: string }) => delivery.status)).toEqual(['delivered', 'delivered']);
  });
});
