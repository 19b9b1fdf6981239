import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApi, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { sample, scrape } from './ops-harness.js';

const redis = useRedisServer();

/** Lua script calls the test's own Redis has served (BullMQ's getJobCounts is one per shard). */
async function scriptCalls(): Promise<number> {
  const client = new Redis(redis.url);
  try {
    const stats = (await client.info('commandstats')) as string;
    return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  } finally {
    client.disconnect();
  }
}

describe('the queue depth on the API /metrics', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(testConfig(redis.url));
  });
  afterAll(async () => {
    await api?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is read from Redis at most once per interval, however many scrapes arrive', async () => {
    const before = await scriptCalls();

    const burst = await Promise.all(Array.from({ length: 30 }, () => scrape(api.app)));
    for (let i = 0; i < 10; i += 1) burst.push(await scrape(api.app));

    expect(await scriptCalls()).toBe(before + 1); // one shard, one getJobCounts
    for (const text of burst) expect(sample(text, 'job_intake_queue_jobs', { state: 'waiting' })).toBe(0);
  });

  it('is read again once the interval has passed, and then shows new jobs', async () => {
    await scrape(api.app);
    expect((await submit(api, { key: 'after-the-interval' })).statusCode).toBe(202);
    const before = await scriptCalls();

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5001);
    const text = await scrape(api.app);

    expect(await scriptCalls()).toBe(before + 1);
    expect(sample(text, 'job_intake_queue_jobs', { state: 'waiting' })).toBe(1);
  });
});

describe('METRICS_TOKEN', () => {
  const metricsToken = 'metrics-token-0123456789abcdef';
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(testConfig(redis.url, { METRICS_TOKEN: metricsToken }));
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refuses /metrics without the token with a 401 problem, collecting nothing', async () => {
    const before = await scriptCalls();
    const res = await api.app.inject({ method: 'GET', url: '/metrics' });

    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json()).toMatchObject({ type: '/problems/unauthorized', status: 401 });
    expect(res.body).not.toContain('job_intake_');
    expect(await scriptCalls()).toBe(before);
  });

  it('refuses /metrics with a wrong token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer not-the-metrics-token-000' } });

    expect(res.statusCode).toBe(401);
  });

  it('serves /metrics to Authorization: Bearer <METRICS_TOKEN>', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${metricsToken}` } });

    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('job_intake_queue_jobs');
  });
});
