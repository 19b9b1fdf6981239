import { expect, it } from 'vitest';
import { receipt, startApi, startWorker, submit, testConfig } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();

it('replays a key while its window lasts, and frees it once IDEMPOTENCY_TTL_SECONDS have passed since the job ended', async () => {
  const config = testConfig(redis.url, { IDEMPOTENCY_TTL_SECONDS: '2' });
  const api = await startApi(config);
  const worker = await startWorker(config);
  try {
    const first = await submit(api, { key: 'window', body: { type: 'sleep', payload: { ms: 0, result: 'first' } } });
    const ended = await receipt(api, 'window', { wait: 10 });
    expect(ended.json()).toMatchObject({ status: 'succeeded', result: 'first' });

    const within = await submit(api, { key: 'window', body: { type: 'sleep', payload: { ms: 0, result: 'first' } } });
    expect(within.body).toBe(first.body);
    expect(within.headers['idempotent-replayed']).toBe('true');

    // Nothing else finishes in this queue: only the sweep can free the key.
    await expect.poll(async () => (await receipt(api, 'window')).statusCode, { timeout: 10_000, interval: 200 }).toBe(404);
    const fresh = await submit(api, { key: 'window', body: { type: 'sleep', payload: { ms: 0, result: 'second' } } });
    expect(fresh.statusCode).toBe(202);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect((await receipt(api, 'window', { wait: 10 })).json()).toMatchObject({ result: 'second' });
  } finally {
    await worker.close();
    await api.close();
  }
});
