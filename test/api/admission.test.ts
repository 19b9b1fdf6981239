import { describe, expect, it } from 'vitest';
import { openInspector, receipt, startApi, submit, testConfig, TOKENS } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();

const API_KEYS = `acme:${TOKENS.acme},globex:${TOKENS.globex}`;
const job = (ms: number) => ({ type: 'sleep', payload: { ms } });

describe('per-tenant rate limit', () => {
  it('answers 429 problem+json with Retry-After past the limit, counted across API processes', async () => {
    const config = testConfig(redis.url, { API_KEYS, RATE_LIMIT_PER_MINUTE: '4' });
    const [one, two] = [await startApi(config), await startApi(config)];
    try {
      const answers = [];
      for (let i = 0; i < 4; i += 1) answers.push(await submit(i % 2 ? one : two, { key: `r${i}`, token: TOKENS.acme, body: job(1) }));
      expect(answers.map((res) => res.statusCode)).toEqual([202, 202, 202, 202]);

      const over = await submit(one, { key: 'r4', token: TOKENS.acme, body: job(1) });
      expect(over.statusCode).toBe(429);
      expect(over.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(over.json()).toMatchObject({ type: '/problems/rate-limited', status: 429 });
      expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);

      const otherTenant = await submit(two, { key: 'r4', token: TOKENS.globex, body: job(1) });
      expect(otherTenant.statusCode).toBe(202);
      const health = await one.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('backpressure', () => {
  it('answers 503 queue-full to new keys past MAX_QUEUE_DEPTH, but still replays existing ones', async () => {
    const config = testConfig(redis.url, { MAX_QUEUE_DEPTH: '3' });
    const api = await startApi(config);
    const inspector = await openInspector(config);
    try {
      const first = await submit(api, { key: 'd0', body: job(1) });
      await submit(api, { key: 'd1', body: job(1) });
      await submit(api, { key: 'd2', body: job(1) });

      const full = await submit(api, { key: 'd3', body: job(1) });
      expect(full.statusCode).toBe(503);
      expect(full.headers['retry-after']).toBe('5');
      expect(full.json()).toMatchObject({ type: '/problems/queue-full', status: 503 });

      const replay = await submit(api, { key: 'd0', body: job(1) });
      expect(replay.statusCode).toBe(202);
      expect(replay.body).toBe(first.body);
      const mismatch = await submit(api, { key: 'd0', body: job(2) });
      expect(mismatch.statusCode).toBe(422);
      expect((await receipt(api, 'd0')).statusCode).toBe(202);
      expect(await inspector.jobCount()).toBe(3);
    } finally {
      await api.close();
      await inspector.close();
    }
  });
});

describe('per-tenant job quota', () => {
  it('counts jobs created, not requests: replays never charge it', async () => {
    const config = testConfig(redis.url, { API_KEYS, TENANT_JOBS_PER_HOUR: '2' });
    const api = await startApi(config);
    const inspector = await openInspector(config);
    try {
      for (let i = 0; i < 5; i += 1) {
        expect((await submit(api, { key: 'q0', token: TOKENS.acme, body: job(1) })).statusCode).toBe(202);
      }
      expect((await submit(api, { key: 'q1', token: TOKENS.acme, body: job(1) })).statusCode).toBe(202);

      const over = await submit(api, { key: 'q2', token: TOKENS.acme, body: job(1) });
      expect(over.statusCode).toBe(429);
      expect(over.json()).toMatchObject({ type: '/problems/quota-exceeded', status: 429 });
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);

      expect((await submit(api, { key: 'q0', token: TOKENS.acme, body: job(1) })).headers['idempotent-replayed']).toBe('true');
      expect((await submit(api, { key: 'q2', token: TOKENS.globex, body: job(1) })).statusCode).toBe(202);
      expect(await inspector.jobCount()).toBe(3);
    } finally {
      await api.close();
      await inspector.close();
    }
  });
});
