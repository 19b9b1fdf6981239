import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { receipt, startApi, submit, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { sample, scrape, startObservedWorker } from './ops-harness.js';

let redis: RedisServer;
let config: Config;
let api: TestApi;
const token = TOKENS.acme;

beforeAll(async () => {
  redis = await startRedisServer();
  config = testConfig(redis.url, { API_KEYS: `acme:${token}`, JOB_ATTEMPTS: '2' });
  api = await startApi(config);
});
afterAll(async () => {
  await api?.close();
  await redis?.stop();
});

describe('the API /metrics', () => {
  it('is served in Prometheus text format without a token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/metrics' });

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE job_intake_http_request_duration_seconds histogram');
  });

  it('counts intake outcomes: accepted, replayed, mismatched, and refused by problem slug', async () => {
    const before = await scrape(api.app);
    const count = (text: string, labels: Record<string, string>) => sample(text, 'job_intake_submissions_total', labels) ?? 0;

    await submit(api, { key: 'm-1', token, body: { type: 'sleep', payload: { ms: 1 } } });
    await submit(api, { key: 'm-1', token, body: { type: 'sleep', payload: { ms: 1 } } });
    await submit(api, { key: 'm-1', token, body: { type: 'sleep', payload: { ms: 2 } } });
    await submit(api, { key: 'm-2', token, body: { type: 'sleep', payload: { ms: -1 } } });
    await submit(api, { key: 'm-3', body: { type: 'sleep', payload: { ms: 1 } } });
    await submit(api, { token, body: { type: 'sleep', payload: { ms: 1 } } });
    const after = await scrape(api.app);

    expect(count(after, { outcome: 'accepted' }) - count(before, { outcome: 'accepted' })).toBe(1);
    expect(count(after, { outcome: 'replayed' }) - count(before, { outcome: 'replayed' })).toBe(1);
    expect(count(after, { outcome: 'mismatched' }) - count(before, { outcome: 'mismatched' })).toBe(1);
    expect(count(after, { outcome: 'refused', reason: 'validation-failed' })).toBe(1);
    expect(count(after, { outcome: 'refused', reason: 'unauthorized' })).toBe(1);
    expect(count(after, { outcome: 'refused', reason: 'invalid-idempotency-key' })).toBe(1);
  });

  it('observes request latency by route pattern and status, never by raw URL or key', async () => {
    await submit(api, { key: 'secret-looking-key-42', token, body: { type: 'sleep', payload: { ms: 1 } } });
    await receipt(api, 'secret-looking-key-42', { token });
    await api.app.inject({ method: 'GET', url: '/no/such/page?x=1', headers: { authorization: `Bearer ${token}` } });
    const text = await scrape(api.app);

    const histogram = 'job_intake_http_request_duration_seconds_count';
    expect(sample(text, histogram, { method: 'POST', route: '/v1/jobs', status_code: '202' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, histogram, { method: 'GET', route: '/v1/receipts/:key', status_code: '202' })).toBe(1);
    expect(sample(text, histogram, { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(sample(text, 'job_intake_http_request_duration_seconds_bucket', { route: '/v1/jobs', status_code: '202', le: '+Inf' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('secret-looking-key-42');
    expect(text).not.toContain('/no/such/page');
    expect(text).not.toContain(token);
  });

  it('reports queue depth by state, read from Redis at scrape time', async () => {
    await submit(api, { key: 'depth-1', token, body: { type: 'sleep', payload: { ms: 1 } } });
    await submit(api, { key: 'depth-2', token, body: { type: 'sleep', payload: { ms: 1 } } });
    const waiting = await api.services.store.queues()[0]!.queue.getJobCounts('waiting');
    // A fresh app: `api` was scraped moments ago, and the depth is read at most every 5 s (metrics-limits.test.ts).
    const fresh = await startApi(config);
    try {
      const text = await scrape(fresh.app);

      expect(waiting.waiting).toBeGreaterThanOrEqual(2);
      expect(sample(text, 'job_intake_queue_jobs', { state: 'waiting' })).toBe(waiting.waiting);
      for (const state of ['active', 'delayed', 'failed', 'prioritized']) {
        expect(sample(text, 'job_intake_queue_jobs', { state }), state).toBe(0);
      }
      expect(sample(text, 'job_intake_redis_up')).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('counts admission refusals by their slug too, e.g. a tenant over its rate limit', async () => {
    const limited = await startApi({ ...config, RATE_LIMIT_PER_MINUTE: 2 });
    try {
      const answers = [];
      for (const key of ['r-1', 'r-2', 'r-3']) answers.push((await submit(limited, { key, token, body: { type: 'sleep', payload: { ms: 1 } } })).statusCode);
      const text = await scrape(limited.app);

      expect(answers).toEqual([202, 202, 429]);
      expect(sample(text, 'job_intake_submissions_total', { outcome: 'refused', reason: 'rate-limited' })).toBe(1);
      expect(sample(text, 'job_intake_submissions_total', { outcome: 'accepted' })).toBe(2);
    } finally {
      await limited.close();
    }
  });

  it('keeps a registry per app: two apps count their own requests', async () => {
    const other = await startApi(config);
    try {
      await submit(other, { key: 'only-other', token, body: { type: 'sleep', payload: { ms: 1 } } });
      const mine = await scrape(api.app);
      const theirs = await scrape(other.app);

      expect(sample(theirs, 'job_intake_submissions_total', { outcome: 'accepted' })).toBe(1);
      expect(sample(mine, 'job_intake_submissions_total', { outcome: 'accepted' })).toBeGreaterThan(1);
    } finally {
      await other.close();
    }
  });
});

describe('a worker /metrics', () => {
  it('counts runs and their durations by type and outcome', async () => {
    const worker = await startObservedWorker(config);
    try {
      await submit(api, { key: 'w-ok', token, body: { type: 'sleep', payload: { ms: 200 } } });
      await submit(api, { key: 'w-flaky', token, body: { type: 'sleep', payload: { ms: 0, failAttempts: 1 } } });
      await submit(api, { key: 'w-doomed', token, body: { type: 'sleep', payload: { ms: 0, failAttempts: 5 } } });
      for (const key of ['w-ok', 'w-flaky', 'w-doomed']) {
        await expect.poll(async () => (await receipt(api, key, { token, wait: 10 })).statusCode, { timeout: 20_000 }).toBe(200);
      }
      const text = await scrape(worker.server);

      // The depth-* and m-* jobs queued above run too (sleep, succeeded); count only what is certain.
      expect(sample(text, 'job_intake_job_runs_total', { type: 'sleep', outcome: 'succeeded' })).toBeGreaterThanOrEqual(2);
      expect(sample(text, 'job_intake_job_runs_total', { type: 'sleep', outcome: 'retrying' })).toBe(2);
      expect(sample(text, 'job_intake_job_runs_total', { type: 'sleep', outcome: 'failed' })).toBe(1);
      expect(sample(text, 'job_intake_job_runs_total', { type: 'checksum', outcome: 'succeeded' })).toBe(0);
      const slowRuns = sample(text, 'job_intake_job_run_duration_seconds_bucket', { type: 'sleep', outcome: 'succeeded', le: '0.1' })!;
      const allRuns = sample(text, 'job_intake_job_run_duration_seconds_count', { type: 'sleep', outcome: 'succeeded' })!;
      expect(allRuns - slowRuns).toBeGreaterThanOrEqual(1); // the 200 ms run is above the 0.1 s bucket
      expect(sample(text, 'job_intake_redis_up')).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('counts a run stopped by DELETE as canceled, not failed', async () => {
    const worker = await startObservedWorker(config);
    try {
      const before = await scrape(worker.server);
      await submit(api, { key: 'w-cancel', token, body: { type: 'sleep', payload: { ms: 20_000 } } });
      await expect.poll(async () => (await receipt(api, 'w-cancel', { token })).json().status, { timeout: 5000, interval: 50 }).toBe('running');
      const canceled = await api.app.inject({ method: 'DELETE', url: '/v1/receipts/w-cancel', headers: { authorization: `Bearer ${token}` } });
      // 202 while the handler stops; 200 when it already has, by the time the receipt is read.
      expect([200, 202]).toContain(canceled.statusCode);
      expect((await receipt(api, 'w-cancel', { token, wait: 10 })).json().status).toBe('canceled');
      const after = await scrape(worker.server);

      const runs = (text: string, outcome: string) => sample(text, 'job_intake_job_runs_total', { type: 'sleep', outcome })!;
      expect(runs(after, 'canceled') - runs(before, 'canceled')).toBe(1);
      expect(runs(after, 'failed') - runs(before, 'failed')).toBe(0);
    } finally {
      await worker.close();
    }
  });

  it('counts a stalled job that it recovers after another worker died mid-run', async () => {
    const quick = { ...config, LOCK_DURATION_MS: 1000 };
    const dying = await startObservedWorker({ ...quick, SHUTDOWN_GRACE_MS: 200 });
    await submit(api, { key: 'w-stall', token, body: { type: 'sleep', payload: { ms: 1500 } } });
    await expect.poll(async () => (await receipt(api, 'w-stall', { token })).json().status, { timeout: 5000, interval: 50 }).toBe('running');
    await dying.close(); // lets go of the job without finishing it, as a crash would

    const rescuer = await startObservedWorker(quick);
    try {
      const text = () => scrape(rescuer.server);
      expect(sample(await text(), 'job_intake_stalled_jobs_recovered_total')).toBe(0);
      await expect.poll(async () => sample(await text(), 'job_intake_stalled_jobs_recovered_total'), { timeout: 15_000, interval: 200 }).toBe(1);
      expect((await receipt(api, 'w-stall', { token, wait: 10 })).json()).toMatchObject({ status: 'succeeded', attempts: 2 });
    } finally {
      await rescuer.close();
    }
  });
});
