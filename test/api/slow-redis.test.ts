import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openInspector, startApi, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

// A Redis that answers later than REDIS_TIMEOUT_MS (800 ms): CLIENT PAUSE WRITE
// holds every write and every script, as a stalled Redis would, while the
// connections stay up. What the API claims must be what it knows.

const redis = useRedisServer();
let config: Config;
let api: TestApi;
let inspector: Awaited<ReturnType<typeof openInspector>>;
let admin: Redis;

beforeEach(async () => {
  // No queue-depth limit: admission reads nothing, so the enqueue script is the
  // first command the pause holds.
  config = testConfig(redis.url, { MAX_QUEUE_DEPTH: '0' });
  api = await startApi(config);
  inspector = await openInspector(config);
  admin = new Redis(redis.url);
  // A first job loads the enqueue script into Redis, as on any running API.
  expect((await submit(api, { key: 'warm-up', body: sleepJob })).statusCode).toBe(202);
});
afterEach(async () => {
  await admin.call('CLIENT', 'UNPAUSE');
  admin.disconnect();
  await api.close();
  await inspector.close();
});

const sleepJob = { type: 'sleep', payload: { ms: 0 } };

/** Holds writes and scripts on the test's Redis for `ms`. */
async function pauseWrites(ms: number): Promise<void> {
  await admin.call('CLIENT', 'PAUSE', String(ms), 'WRITE');
}

/** Resolves once the pause is over: a write waits for it like any other. */
async function pauseOver(): Promise<void> {
  await admin.set('pause-over', '1');
}

describe('a submission Redis does not answer in time', () => {
  it('gets a 503 saying the job may have been accepted once its enqueue was sent', async () => {
    await pauseWrites(1500);

    const res = await submit(api, { key: 'slow', body: sleepJob });

    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({
      type: '/problems/outcome-unknown',
      status: 503,
      detail: expect.stringMatching(/may have been accepted.*same Idempotency-Key and body/),
    });
  });

  it('replays the one job the unanswered enqueue made to a retry with the same key and body', async () => {
    await pauseWrites(1500);
    expect((await submit(api, { key: 'slow', body: sleepJob })).statusCode).toBe(503);
    await pauseOver();

    const retry = await submit(api, { key: 'slow', body: sleepJob });

    expect(retry.statusCode).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await inspector.queue.getJob('default~slow')).toBeDefined();
    expect(await inspector.jobCount()).toBe(2); // warm-up and slow
  });
});

describe('Prefer: wait on a job Redis then stops answering for', () => {
  it('falls back to the 202 of the job it created', async () => {
    const answer = submit(api, { key: 'waited', body: sleepJob, headers: { prefer: 'wait=1' } });
    // No worker runs it, so the answer comes from the read after the 1 s wait: stall that read.
    await expect.poll(() => admin.exists(inspector.queue.toKey('default~waited')), { interval: 5 }).toBe(1);
    await pauseWrites(3000);

    const res = await answer;

    expect(res.statusCode).toBe(202);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(res.headers['preference-applied']).toBeUndefined();
    expect(res.json()).toMatchObject({ key: 'waited', status: 'queued', receiptUrl: '/v1/receipts/waited' });
    await admin.call('CLIENT', 'UNPAUSE');
    expect(await inspector.jobCount()).toBe(2);
  });
});
