import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openInspector, receipt, startApi, startWorker, submit, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';
import { startRedisServer, useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
let config: Config;
let api: TestApi;

beforeEach(async () => {
  // Two attempts per job: a job told to fail its first three runs fails for good after two.
  config = testConfig(redis.url, { API_KEYS: `acme:${TOKENS.acme},globex:${TOKENS.globex}`, JOB_ATTEMPTS: '2' });
  api = await startApi(config);
  return () => api.close();
});

const retry = (key: string, token: string = TOKENS.acme) =>
  api.app.inject({ method: 'POST', url: `/v1/receipts/${encodeURIComponent(key)}/retry`, headers: { authorization: `Bearer ${token}` } });
const sleep = (payload: { ms: number; failAttempts?: number }) => ({ type: 'sleep', payload: { result: 'ran', ...payload } });

/** Submits a job that fails its first three runs and waits until it has failed for good (two attempts spent). */
async function failedJob(key: string) {
  const worker = await startWorker(config);
  try {
    await submit(api, { key, token: TOKENS.acme, body: sleep({ ms: 0, failAttempts: 3 }) });
    const ended = await receipt(api, key, { token: TOKENS.acme, wait: 10 });
    expect(ended.json()).toMatchObject({ status: 'failed', attempts: 2 });
  } finally {
    await worker.close();
  }
}

describe('POST /v1/receipts/{key}/retry', () => {
  it('puts a failed job back in line under the same key and id: 202 with its receipt, queued, attempts kept', async () => {
    await failedJob('failed-once');
    const submitted = await receipt(api, 'failed-once', { token: TOKENS.acme });
    const inspector = await openInspector(config);
    try {
      const res = await retry('failed-once');

      expect(res.statusCode).toBe(202);
      expect(res.headers.location).toBe('/v1/receipts/failed-once');
      expect(res.headers['retry-after']).toBe('1');
      const body = res.json();
      expect(body).toMatchObject({ id: submitted.json().id, key: 'failed-once', status: 'queued', attempts: 2, createdAt: submitted.json().createdAt });
      expect(body).not.toHaveProperty('error');
      expect(body).not.toHaveProperty('finishedAt');
      expect(await inspector.queue.getJobCounts('waiting', 'failed')).toEqual({ waiting: 1, failed: 0 });
      expect(await inspector.jobCount()).toBe(1);
    } finally {
      await inspector.close();
    }
  });

  it('runs the retried job with a fresh set of attempts, and the receipt counts every run', async () => {
    await failedJob('fresh-attempts');
    await retry('fresh-attempts');
    const worker = await startWorker(config);
    try {
      // Runs 3 and 4: run 3 fails as asked, run 4 succeeds. Without fresh attempts run 3 would end it.
      const ended = await receipt(api, 'fresh-attempts', { token: TOKENS.acme, wait: 10 });
      expect(ended.statusCode).toBe(200);
      expect(ended.json()).toMatchObject({ status: 'succeeded', attempts: 4, result: 'ran' });
    } finally {
      await worker.close();
    }
  });

  it('changes nothing while the job is queued: a repeated call answers the same 202', async () => {
    await failedJob('twice');
    const first = await retry('twice');
    const again = await retry('twice');
    const inspector = await openInspector(config);
    try {
      expect(again.statusCode).toBe(202);
      expect(again.json()).toEqual(first.json());
      expect(await inspector.queue.getJobCounts('waiting', 'failed')).toEqual({ waiting: 1, failed: 0 });
    } finally {
      await inspector.close();
    }
  });

  it('changes nothing while the job is running: 202 with the running receipt, and the job runs once', async () => {
    const worker = await startWorker(config);
    try {
      await submit(api, { key: 'running', token: TOKENS.acme, body: sleep({ ms: 1500 }) });
      await expect.poll(async () => (await receipt(api, 'running', { token: TOKENS.acme })).json().status, { timeout: 5000, interval: 50 }).toBe('running');
      const res = await retry('running');

      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ status: 'running', attempts: 1 });
      const ended = await receipt(api, 'running', { token: TOKENS.acme, wait: 10 });
      expect(ended.json()).toMatchObject({ status: 'succeeded', attempts: 1 });
    } finally {
      await worker.close();
    }
  });

  it('answers 409 job-not-failed for a job that succeeded, and leaves it as it is', async () => {
    const worker = await startWorker(config);
    try {
      await submit(api, { key: 'done', token: TOKENS.acme, body: sleep({ ms: 0 }) });
      await receipt(api, 'done', { token: TOKENS.acme, wait: 10 });
      const res = await retry('done');

      expect(res.statusCode).toBe(409);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.json()).toMatchObject({ type: '/problems/job-not-failed', status: 409, detail: expect.stringContaining('succeeded') });
      expect((await receipt(api, 'done', { token: TOKENS.acme })).json()).toMatchObject({ status: 'succeeded', attempts: 1 });
    } finally {
      await worker.close();
    }
  });

  it('answers 409 job-not-failed for a canceled job, which never runs', async () => {
    await submit(api, { key: 'canceled', token: TOKENS.acme, body: sleep({ ms: 0 }) });
    await api.app.inject({ method: 'DELETE', url: '/v1/receipts/canceled', headers: { authorization: `Bearer ${TOKENS.acme}` } });
    const res = await retry('canceled');
    const worker = await startWorker(config);
    try {
      await submit(api, { key: 'canary', token: TOKENS.acme, body: sleep({ ms: 0 }) });
      await receipt(api, 'canary', { token: TOKENS.acme, wait: 10 });

      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ type: '/problems/job-not-failed', detail: expect.stringContaining('canceled') });
      expect((await receipt(api, 'canceled', { token: TOKENS.acme })).json()).toMatchObject({ status: 'canceled', attempts: 0 });
    } finally {
      await worker.close();
    }
  });

  it("answers 404 for a key the tenant never used, and for another tenant's failed job", async () => {
    await failedJob('acme-only');
    const unknown = await retry('nobody');
    const foreign = await retry('acme-only', TOKENS.globex);

    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ type: '/problems/not-found' });
    expect(foreign.statusCode).toBe(404);
    expect((await receipt(api, 'acme-only', { token: TOKENS.acme })).json()).toMatchObject({ status: 'failed' });
  });

  it('answers 503 redis-unavailable with Retry-After within a second when Redis is down', async () => {
    const own = await startRedisServer();
    const ownApi = await startApi(testConfig(own.url, { API_KEYS: `acme:${TOKENS.acme}` }));
    try {
      await own.stop();
      const started = Date.now();
      const res = await ownApi.app.inject({ method: 'POST', url: '/v1/receipts/any/retry', headers: { authorization: `Bearer ${TOKENS.acme}` } });

      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json()).toMatchObject({ type: '/problems/redis-unavailable' });
    } finally {
      await ownApi.close();
      await own.stop();
    }
  });
});
