import { describe, expect, it } from 'vitest';
import { shardPrefix, shardTenantsKey, tenantIndexKey } from '../../src/shared/shards.js';
import { openInspector, receipt, startApi, startWorker, submit, testConfig } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();

describe("the workers' trim of the tenant indexes", () => {
  it('drops the entries of jobs removed at the end of their window, keeps those of jobs that still exist, and forgets an emptied index', async () => {
    // A one-second window: each worker sweeps every second.
    const config = testConfig(redis.url, { IDEMPOTENCY_TTL_SECONDS: '1' });
    const api = await startApi(config);
    const worker = await startWorker(config);
    const inspector = await openInspector(config);
    const prefix = shardPrefix(config.QUEUE_PREFIX, 0);
    const index = tenantIndexKey(prefix, 'default');
    try {
      for (const key of ['a', 'b', 'c']) await submit(api, { key, body: { type: 'sleep', payload: { ms: 0 } } });
      await submit(api, { key: 'later', body: { type: 'sleep', payload: { ms: 0 }, options: { delayMs: 600_000 } } });
      for (const key of ['a', 'b', 'c']) expect((await receipt(api, key, { wait: 10 })).json().status).toBe('succeeded');
      expect(await inspector.connection.zcard(index)).toBe(4);

      // No list request reads the index meanwhile: only the sweep can drop entries.
      await expect.poll(() => inspector.connection.zrange(index, '0', '-1'), { timeout: 10_000, interval: 200 }).toEqual(['default~later']);
      expect(await inspector.jobCount()).toBe(1);
      expect(await inspector.connection.smembers(shardTenantsKey(prefix))).toEqual(['default']);

      await inspector.queue.remove('default~later');
      await expect.poll(() => inspector.connection.exists(index, shardTenantsKey(prefix)), { timeout: 10_000, interval: 200 }).toBe(0);
    } finally {
      await inspector.close();
      await worker.close();
      await api.close();
    }
  });
});
