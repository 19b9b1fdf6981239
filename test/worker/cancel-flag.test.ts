import { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openInspector, receipt, startApi, startWorker, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
let config: Config;
let api: TestApi;

beforeEach(async () => {
  // LOCK_DURATION_MS 2000 (testConfig): running jobs' cancel flags are re-read every second.
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

describe('a running job', () => {
  it('ends canceled when its cancel broadcast was lost (the flag set without the PUBLISH)', async () => {
    const inspector = await openInspector(config);
    const worker = await startWorker(config);
    try {
      await submit(api, { key: 'long', body: { type: 'sleep', payload: { ms: 20_000, result: 'ran' } } });
      await expect.poll(async () => (await receipt(api, 'long')).json().status, { timeout: 5000, interval: 50 }).toBe('running');

      // What the cancel script does for a running job, minus the broadcast no worker heard.
      const client = new Redis(redis.url);
      await client.hset(inspector.queue.toKey('default~long'), 'cx', Date.now());
      client.disconnect();
      const ended = await receipt(api, 'long', { wait: 10 });

      expect(ended.statusCode).toBe(200);
      expect(ended.json()).toMatchObject({ status: 'canceled', attempts: 1 });
    } finally {
      await worker.close();
      await inspector.close();
    }
  });

  it('ends canceled when its cancel broadcast was lost while the subscriber reconnected', async () => {
    // Re-reads every 30 s only: what ends this job within the test is the re-read on reconnect.
    const slowRecheck = testConfig(redis.url, { QUEUE_PREFIX: config.QUEUE_PREFIX, LOCK_DURATION_MS: '60000', SHUTDOWN_GRACE_MS: '1000' });
    const inspector = await openInspector(slowRecheck);
    const worker = await startWorker(slowRecheck);
    const client = new Redis(redis.url);
    try {
      await submit(api, { key: 'reconnect', body: { type: 'sleep', payload: { ms: 20_000, result: 'ran' } } });
      await expect.poll(async () => (await receipt(api, 'reconnect')).json().status, { timeout: 5000, interval: 50 }).toBe('running');

      await client.hset(inspector.queue.toKey('default~reconnect'), 'cx', Date.now());
      await client.call('CLIENT', 'KILL', 'TYPE', 'pubsub'); // the worker's cancel subscriber
      const ended = await receipt(api, 'reconnect', { wait: 10 });

      expect(ended.statusCode).toBe(200);
      expect(ended.json()).toMatchObject({ status: 'canceled', attempts: 1 });
    } finally {
      client.disconnect();
      await worker.close();
      await inspector.close();
    }
  });
});
