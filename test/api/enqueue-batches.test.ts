import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { MAX_BATCH_BYTES } from '../../src/api/idempotency/enqueue-batches.js';
import { openInspector, startApi, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

// Requests that arrive together share one enqueue script call (enqueue-batches.ts).
// Each must still get exactly the answer it would have had alone.

const redis = useRedisServer();
let config: Config;
let api: TestApi;
let inspector: Awaited<ReturnType<typeof openInspector>>;
let admin: Redis;

beforeEach(async () => {
  config = testConfig(redis.url);
  api = await startApi(config);
  inspector = await openInspector(config);
  admin = new Redis(redis.url);
});
afterEach(async () => {
  await admin.config('SET', 'maxmemory', '0');
  admin.disconnect();
  await api.close();
  await inspector.close();
});

/** Script calls (EVALSHA, and EVAL when the script was not loaded yet) this test's Redis has run so far. */
async function scriptCalls(): Promise<number> {
  const stats = (await admin.info('commandstats')) as string;
  const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  return calls('evalsha') + calls('eval');
}

const sleepJob = (ms: number) => ({ type: 'sleep', payload: { ms } });

describe('submissions that arrive together', () => {
  it('are enqueued by one script call, each job created once with its own receipt', async () => {
    const before = await scriptCalls();
    const keys = Array.from({ length: 40 }, (_, i) => `together-${i}`);
    const answers = await Promise.all(keys.map((key) => submit(api, { key, body: sleepJob(0) })));

    expect(answers.map((res) => res.statusCode)).toEqual(keys.map(() => 202));
    expect(answers.map((res) => res.json().receiptUrl)).toEqual(keys.map((key) => `/v1/receipts/${key}`));
    expect(await inspector.jobCount()).toBe(40);
    // One per request would be 40 or more. The count also holds the first call's
    // NOSCRIPT attempt and any script the API runs besides the enqueue.
    expect((await scriptCalls()) - before).toBeLessThan(8);
  });

  it('answer a key sent twice in one call once created and once replayed, and refuse a different body under a key', async () => {
    const answers = await Promise.all([
      submit(api, { key: 'twice', body: sleepJob(1) }),
      submit(api, { key: 'twice', body: sleepJob(1) }),
      submit(api, { key: 'reused', body: sleepJob(1) }),
      submit(api, { key: 'reused', body: sleepJob(2) }),
    ]);

    expect(answers.map((res) => res.statusCode)).toEqual([202, 202, 202, 422]);
    expect(answers[0]!.headers['idempotent-replayed']).toBeUndefined();
    expect(answers[1]!.headers['idempotent-replayed']).toBe('true');
    expect(answers[1]!.body).toBe(answers[0]!.body);
    expect(answers[3]!.json()).toMatchObject({ type: '/problems/idempotency-key-reused', status: 422 });
    expect(await inspector.jobCount()).toBe(2);
    expect((await inspector.queue.getJob('default~reused'))?.data).toMatchObject({ ms: 1 });
  });

  it('enqueue a delayed, a prioritized and a plain job of the same turn, each with its own BullMQ script', async () => {
    const answers = await Promise.all([
      submit(api, { key: 'plain', body: sleepJob(0) }),
      submit(api, { key: 'later', body: { ...sleepJob(0), options: { delayMs: 60_000 } } }),
      submit(api, { key: 'urgent', body: { ...sleepJob(0), options: { priority: 1 } } }),
    ]);

    expect(answers.map((res) => res.statusCode)).toEqual([202, 202, 202]);
    expect(await inspector.queue.getJobState('default~plain')).toBe('waiting');
    expect(await inspector.queue.getJobState('default~later')).toBe('delayed');
    expect(await inspector.queue.getJobState('default~urgent')).toBe('prioritized');
  });

  it('enqueue large bodies that arrive together, each intact, in more than one call', async () => {
    const before = await scriptCalls();
    // Each about 60% of MAX_BATCH_BYTES: no call may carry two of them.
    const result = 'r'.repeat(Math.ceil(MAX_BATCH_BYTES * 0.6));
    const keys = ['large-1', 'large-2', 'large-3'];
    const answers = await Promise.all(keys.map((key) => submit(api, { key, body: { type: 'sleep', payload: { ms: 0, result } } })));

    expect(answers.map((res) => res.statusCode)).toEqual([202, 202, 202]);
    expect(await inspector.jobCount()).toBe(3);
    for (const key of keys) expect((await inspector.queue.getJob(`default~${key}`))?.data).toEqual({ ms: 0, result, failAttempts: 0 });
    expect((await scriptCalls()) - before).toBeGreaterThanOrEqual(3);
  });

  it('all get 503 with Retry-After when Redis refuses the call (out of memory), nothing is created, and their retries succeed', async () => {
    await admin.config('SET', 'maxmemory', '1');
    const keys = ['full-1', 'full-2', 'full-3'];
    const refused = await Promise.all(keys.map((key) => submit(api, { key, body: sleepJob(0) })));

    for (const res of refused) {
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json()).toMatchObject({ type: '/problems/redis-unavailable', status: 503 });
    }
    await admin.config('SET', 'maxmemory', '0');
    expect(await inspector.jobCount()).toBe(0);

    const retried = await Promise.all(keys.map((key) => submit(api, { key, body: sleepJob(0) })));
    expect(retried.map((res) => res.statusCode)).toEqual([202, 202, 202]);
    expect(retried.map((res) => res.headers['idempotent-replayed'])).toEqual([undefined, undefined, undefined]);
    expect(await inspector.jobCount()).toBe(3);
  });
});
