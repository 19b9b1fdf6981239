import { describe, expect, it } from 'vitest';
import { shardIndex } from '../../src/shared/shards.js';
import { openInspector, receipt, startApi, startWorker, submit, testConfig } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();

const sleep = (result: string) => ({ type: 'sleep', payload: { ms: 0, result } });
/** Keys whose jobs land on the given shard of an N-shard layout. */
const keysOnShard = (shard: number, shards: number, count: number) =>
  Array.from({ length: 200 }, (_, i) => `k${i}`).filter((key) => shardIndex(`default~${key}`, shards) === shard).slice(0, count);

describe('QUEUE_SHARDS and WORKER_SHARDS', () => {
  it('runs only the jobs of the shards a worker is pinned to', async () => {
    const config = testConfig(redis.url, { QUEUE_SHARDS: '3' });
    const api = await startApi(config);
    const pinned = await startWorker({ ...config, WORKER_SHARDS: [1] });
    try {
      const [mine, others] = [keysOnShard(1, 3, 3), [...keysOnShard(0, 3, 2), ...keysOnShard(2, 3, 2)]];
      for (const key of [...mine, ...others]) await submit(api, { key, body: sleep(key) });

      for (const key of mine) expect((await receipt(api, key, { wait: 10 })).json().status).toBe('succeeded');
      for (const key of others) expect((await receipt(api, key)).json().status).toBe('queued');
    } finally {
      await pinned.close();
      await api.close();
    }
  });
});

describe('changing QUEUE_SHARDS with QUEUE_SHARDS_PREVIOUS', () => {
  it('keeps keys of the old layout replaying, readable and cancelable, and puts new keys in the new one', async () => {
    const before = testConfig(redis.url, { QUEUE_SHARDS: '2' });
    const oldApi = await startApi(before);
    const oldKeys = Array.from({ length: 12 }, (_, i) => `old-${i}`);
    const firsts = new Map<string, string>();
    for (const key of oldKeys) firsts.set(key, (await submit(oldApi, { key, body: sleep(key) })).body);
    await oldApi.close();

    const after = { ...testConfig(redis.url, { QUEUE_SHARDS: '5', QUEUE_SHARDS_PREVIOUS: '2' }), QUEUE_PREFIX: before.QUEUE_PREFIX };
    const api = await startApi(after);
    const inspector = await openInspector(after);
    try {
      const moved = oldKeys.filter((key) => shardIndex(`default~${key}`, 2) !== shardIndex(`default~${key}`, 5));
      expect(moved.length).toBeGreaterThan(0); // the test means something only if some keys change shard

      for (const key of oldKeys) {
        const replay = await submit(api, { key, body: sleep(key) });
        expect(replay.body).toBe(firsts.get(key));
        expect(replay.headers['idempotent-replayed']).toBe('true');
        expect((await submit(api, { key, body: sleep('other') })).statusCode).toBe(422);
        expect((await receipt(api, key)).json()).toMatchObject({ key, status: 'queued' });
      }
      expect(await inspector.jobCount()).toBe(oldKeys.length);

      const canceled = await api.app.inject({ method: 'DELETE', url: `/v1/receipts/${moved[0]}` });
      expect(canceled.json()).toMatchObject({ status: 'canceled' });

      const fresh = await submit(api, { key: 'new-key', body: sleep('new') });
      expect(fresh.statusCode).toBe(202);
      expect(await inspector.queues[shardIndex('default~new-key', 5)]!.getJob('default~new-key')).toBeDefined();

      const worker = await startWorker(after);
      try {
        for (const key of [...oldKeys.filter((key) => key !== moved[0]), 'new-key']) {
          expect((await receipt(api, key, { wait: 10 })).json().status).toBe('succeeded');
        }
      } finally {
        await worker.close();
      }
    } finally {
      await inspector.close();
      await api.close();
    }
  });
});
