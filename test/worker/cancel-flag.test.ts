import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openInspector, receipt, startApi, startWorker, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
let config: Config;
let api: TestApi;

beforeEach(async () => {
  config = testConfig(redis.url, { SHUTDOWN_GRACE_MS: '1000' });
  api = await startApi(config);
  return () => api.close();
});

const cancel = (key: string) => api.app.inject({ method: 'DELETE', url: `/v1/receipts/${encodeURIComponent(key)}` });

describe('a canceled job', () => {
  it('ends canceled without running when it is retried behind the intake (as the dashboard did)', async () => {
    const inspector = await openInspector(config);
    try {
      await submit(api, { key: 'delayed', body: { type: 'sleep', payload: { ms: 10, result: 'ran' }, options: { delayMs: 60_000 } } });
      expect((await cancel('delayed')).json()).toMatchObject({ status: 'canceled' });
      // What bull-board's retry does: a failed job back to waiting.
      await (await inspector.queue.getJob('default~delayed'))!.retry('failed');
      const worker = await startWorker(config);
      try {
        const ended = await receipt(api, 'delayed', { wait: 10 });

        expect(ended.statusCode).toBe(200);
        expect(ended.json()).toMatchObject({ status: 'canceled' });
        expect(ended.json()).not.toHaveProperty('result');
      } finally {
        await worker.close();
      }
    } finally {
      await inspector.close();
    }
  });
});
