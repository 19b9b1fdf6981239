import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { receipt, startApi, startWorker, submit, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';
import { eventStreamReaders, useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
let config: Config;
let api: TestApi;

beforeEach(async () => {
  config = testConfig(redis.url, { API_KEYS: `acme:${TOKENS.acme},globex:${TOKENS.globex}`, JOB_ATTEMPTS: '3' });
  api = await startApi(config);
  return () => api.close();
});

const acme = TOKENS.acme;
const globex = TOKENS.globex;

describe('GET /v1/receipts/{key}', () => {
  it('answers 404 problem+json for a key the tenant never used', async () => {
    const res = await receipt(api, 'never-used', { token: acme });

    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ type: '/problems/not-found', status: 404 });
  });

  it("answers 404 for another tenant's key, exactly as for an unused one", async () => {
    await submit(api, { key: 'shared-key', token: acme });
    const theirs = await receipt(api, 'shared-key', { token: globex });
    const unused = await receipt(api, 'unused-key', { token: globex });

    expect(theirs.statusCode).toBe(404);
    expect(theirs.json().detail).toBe(unused.json().detail.replace('unused-key', 'shared-key'));
  });

  it('gives two tenants the same key as two separate jobs', async () => {
    const a = await submit(api, { key: 'same', token: acme, body: { type: 'sleep', payload: { ms: 1 } } });
    const b = await submit(api, { key: 'same', token: globex, body: { type: 'sleep', payload: { ms: 2 } } });

    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(a.json().id).not.toBe(b.json().id);
  });

  it('answers 202 with Retry-After and the queued state while no worker has taken the job', async () => {
    await submit(api, { key: 'waiting', token: acme, body: { type: 'sleep', payload: { ms: 1 } } });
    const res = await receipt(api, 'waiting', { token: acme });

    expect(res.statusCode).toBe(202);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toEqual({
      id: 'acme~waiting',
      key: 'waiting',
      type: 'sleep',
      status: 'queued',
      attempts: 0,
      progress: 0,
      createdAt: expect.any(String),
    });
  });

  it('finds a key with reserved characters through its URL-encoded path', async () => {
    const key = 'a/b?c#d e'.replace(' ', '_');
    const submitted = await submit(api, { key, token: acme });
    const res = await api.app.inject({ method: 'GET', url: submitted.headers.location as string, headers: { authorization: `Bearer ${acme}` } });

    expect(res.statusCode).toBe(202);
    expect(res.json().key).toBe(key);
  });

  it('refuses a wait over 30 seconds with a 400 problem', async () => {
    const res = await receipt(api, 'any', { token: acme, wait: 31 });

    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ type: '/problems/validation-failed', errors: [expect.objectContaining({ in: 'querystring', pointer: '/wait' })] });
  });

  it('long-polls until the wait runs out, then answers with the current state', async () => {
    await submit(api, { key: 'slow', token: acme, body: { type: 'sleep', payload: { ms: 1 } } });
    const started = Date.now();
    const res = await receipt(api, 'slow', { token: acme, wait: 1 });

    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('queued');
  });
});

describe('receipts with a worker running', () => {
  it('long-poll answers as soon as the job ends, with its result', async () => {
    const worker = await startWorker(config);
    try {
      await submit(api, { key: 'run-me', token: acme, body: { type: 'sleep', payload: { ms: 300, result: { ok: true } } } });
      const started = Date.now();
      const res = await receipt(api, 'run-me', { token: acme, wait: 20 });

      expect(Date.now() - started).toBeLessThan(10_000);
      expect(res.statusCode).toBe(200);
      expect(res.headers['retry-after']).toBeUndefined();
      expect(res.json()).toEqual({
        id: 'acme~run-me',
        key: 'run-me',
        type: 'sleep',
        status: 'succeeded',
        attempts: 1,
        progress: 100,
        createdAt: expect.any(String),
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
        result: { ok: true },
      });
    } finally {
      await worker.close();
    }
  });

  it('shows the running state, with progress, while the handler works', async () => {
    const worker = await startWorker(config);
    try {
      await submit(api, { key: 'progress', token: acme, body: { type: 'sleep', payload: { ms: 3000 } } });
      await expect
        .poll(async () => (await receipt(api, 'progress', { token: acme })).json(), { timeout: 5000, interval: 100 })
        .toMatchObject({ status: 'running', attempts: 1, progress: expect.any(Number), startedAt: expect.any(String) });
      await expect
        .poll(async () => (await receipt(api, 'progress', { token: acme })).json().progress, { timeout: 5000, interval: 100 })
        .toBeGreaterThan(0);
    } finally {
      await worker.close();
    }
  });

  it('retries a failing attempt, shows retrying in between, then succeeds', async () => {
    const slowBackoff = testConfig(redis.url, { JOB_BACKOFF_MS: '1500', JOB_ATTEMPTS: '3' });
    const retryApi = await startApi(slowBackoff);
    const worker = await startWorker(slowBackoff);
    try {
      await submit(retryApi, { key: 'flaky', body: { type: 'sleep', payload: { ms: 0, failAttempts: 1, result: 'finally' } } });
      await expect
        .poll(async () => (await receipt(retryApi, 'flaky')).json(), { timeout: 5000, interval: 50 })
        .toMatchObject({ status: 'retrying', attempts: 1 });
      const done = await receipt(retryApi, 'flaky', { wait: 20 });
      expect(done.statusCode).toBe(200);
      expect(done.json()).toMatchObject({ status: 'succeeded', attempts: 2, result: 'finally' });
    } finally {
      await worker.close();
      await retryApi.close();
    }
  });

  it('fails for good once JOB_ATTEMPTS are spent, with the error on the receipt', async () => {
    const worker = await startWorker(config);
    try {
      await submit(api, { key: 'doomed', token: acme, body: { type: 'sleep', payload: { ms: 0, failAttempts: 5 } } });
      const res = await receipt(api, 'doomed', { token: acme, wait: 20 });

      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'failed',
        attempts: 3,
        error: { message: 'sleep: failing attempt 3 of the first 5, as asked' },
        finishedAt: expect.any(String),
      });
      expect(res.json().result).toBeUndefined();
    } finally {
      await worker.close();
    }
  });

  it('replays the original 202 for a key whose job has already ended', async () => {
    const worker = await startWorker(config);
    try {
      const body = { type: 'sleep', payload: { ms: 0 } };
      const first = await submit(api, { key: 'ended', token: acme, body });
      await receipt(api, 'ended', { token: acme, wait: 20 });
      const again = await submit(api, { key: 'ended', token: acme, body });

      expect(again.statusCode).toBe(202);
      expect(again.body).toBe(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
    } finally {
      await worker.close();
    }
  });
});

describe('the job-end reader behind long-polls', () => {
  it('starts with the first long-poll, and that long-poll wakes when the job ends', async () => {
    await submit(api, { key: 'first-wait', token: acme, body: { type: 'sleep', payload: { ms: 1 } } });
    expect(await eventStreamReaders(redis.url)).toBe(0);

    const started = Date.now();
    const waiting = receipt(api, 'first-wait', { token: acme, wait: 20 });
    const worker = await startWorker(config);
    try {
      const res = await waiting;

      expect(res.statusCode).toBe(200);
      expect(res.json().status).toBe('succeeded');
      expect(Date.now() - started).toBeLessThan(10_000); // woken by the event, not by the end of its wait
      expect(await eventStreamReaders(redis.url)).toBe(config.QUEUE_SHARDS);
    } finally {
      await worker.close();
    }
  });
});

describe('a 255-character key that percent-encodes (up to 765 characters in the path)', () => {
  const longKey = 'a/b%c?d#e&f+g~'.repeat(19).slice(0, 255);
  const path = (prefix: string) => `${prefix}/${encodeURIComponent(longKey)}`;
  const asAcme = { authorization: `Bearer ${acme}` };

  it('is submitted, and its receipt URL answers with the receipt', async () => {
    const submitted = await submit(api, { key: longKey, token: acme });
    const res = await api.app.inject({ method: 'GET', url: submitted.headers.location as string, headers: asAcme });

    expect(submitted.statusCode).toBe(202);
    expect(submitted.headers.location).toBe(path('/v1/receipts'));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ key: longKey, status: 'queued' });
  });

  it('is long-polled until its job ends', async () => {
    await submit(api, { key: longKey, token: acme, body: { type: 'sleep', payload: { ms: 1, result: 'long' } } });
    const worker = await startWorker(config);
    try {
      const res = await api.app.inject({ method: 'GET', url: `${path('/v1/receipts')}?wait=20`, headers: asAcme });

      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ key: longKey, status: 'succeeded', result: 'long' });
    } finally {
      await worker.close();
    }
  });

  it('is canceled through its receipt URL', async () => {
    await submit(api, { key: longKey, token: acme });
    const res = await api.app.inject({ method: 'DELETE', url: path('/v1/receipts'), headers: asAcme });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ key: longKey, status: 'canceled' });
  });

  it('has its receipt page served', async () => {
    const res = await api.app.inject({ method: 'GET', url: path('/ui/receipts') });

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  });
});
