import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Config } from '../../src/config.js';
import { demoJobTypes } from '../../src/jobs/demo/index.js';
import { createRegistry, defineJobType } from '../../src/jobs/job-type.js';
import { shardPrefix, tenantIndexKey } from '../../src/shared/shards.js';
import { openInspector, receipt, startApi, startWorker, submit, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';
import { startRedisServer, useRedisServer } from '../helpers/redis-server.js';

// Fails every run, and waits a minute before its second: it stays `retrying`.
const flaky = defineJobType({
  type: 'flaky',
  description: 'Always fails; retried once, a minute later.',
  payloadSchema: z.strictObject({}),
  attempts: 2,
  backoff: { type: 'fixed', delayMs: 60_000 },
  run: async () => {
    throw new Error('flaky: fails, as asked');
  },
});
const registry = createRegistry([...demoJobTypes, flaky]);

const redis = useRedisServer();
let config: Config;
let api: TestApi;

beforeAll(async () => {
  config = testConfig(redis.url, { API_KEYS: `acme:${TOKENS.acme},globex:${TOKENS.globex}`, JOB_ATTEMPTS: '1', SHUTDOWN_GRACE_MS: '200' });
  api = await startApi(config, { registry });
});
afterAll(() => api?.close());

type Listed = { id: string; key: string; type: string; status: string; attempts: number; progress: unknown; createdAt: string; result?: unknown };
type Page = { items: Listed[]; nextCursor?: string };

function list(query: string, token: string = TOKENS.acme) {
  return api.app.inject({ method: 'GET', url: `/v1/jobs${query}`, headers: { authorization: `Bearer ${token}` } });
}

/** Every page of a query, following nextCursor. */
async function listAll(query: string, token: string = TOKENS.acme): Promise<{ pages: Page[]; items: Listed[] }> {
  const pages: Page[] = [];
  let cursor: string | undefined;
  do {
    const separator = query === '' ? '?' : '&';
    const res = await list(`${query}${cursor === undefined ? '' : `${separator}cursor=${encodeURIComponent(cursor)}`}`, token);
    expect(res.statusCode).toBe(200);
    pages.push(res.json());
    cursor = pages.at(-1)!.nextCursor;
  } while (cursor !== undefined);
  return { pages, items: pages.flatMap((page) => page.items) };
}

const sleep = (payload: Record<string, unknown>, options?: Record<string, number>) => ({ type: 'sleep', payload: { ms: 0, ...payload }, ...(options ? { options } : {}) });
const newestFirst = (a: { createdAt: string; id: string }, b: { createdAt: string; id: string }) =>
  a.createdAt !== b.createdAt ? b.createdAt.localeCompare(a.createdAt) : b.id < a.id ? -1 : 1;

describe('GET /v1/jobs', () => {
  // One tenant's jobs in every state, made once: the tests below read them.
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeAll(async () => {
    worker = await startWorker(config, { registry });
    const acme = (key: string, body: unknown) => submit(api, { key, token: TOKENS.acme, body });
    await acme('succeeded', sleep({ result: 'big result' }));
    await acme('failed', sleep({ failAttempts: 1 }));
    await acme('retrying', { type: 'flaky', payload: {} });
    await acme('running', sleep({ ms: 60_000 }));
    await acme('queued', sleep({}, { delayMs: 3_600_000 }));
    await acme('canceled', sleep({}, { delayMs: 3_600_000 }));
    await api.app.inject({ method: 'DELETE', url: '/v1/receipts/canceled', headers: { authorization: `Bearer ${TOKENS.acme}` } });
    await receipt(api, 'succeeded', { token: TOKENS.acme, wait: 10 });
    await receipt(api, 'failed', { token: TOKENS.acme, wait: 10 });
    const statusOf = async (key: string) => (await receipt(api, key, { token: TOKENS.acme })).json().status;
    for (const status of ['retrying', 'running']) {
      await vi.waitFor(async () => expect(await statusOf(status)).toBe(status), { timeout: 5000, interval: 50 });
    }
    await submit(api, { key: 'globex-job', token: TOKENS.globex, body: sleep({}, { delayMs: 3_600_000 }) });
  });
  afterAll(() => worker?.close());

  it("lists the caller's jobs newest first, each with the status its receipt gives, without results", async () => {
    const res = await list('');

    expect(res.statusCode).toBe(200);
    const { items, nextCursor } = res.json() as Page;
    expect(nextCursor).toBeUndefined();
    expect(items.map((item) => item.key).sort()).toEqual(['canceled', 'failed', 'queued', 'retrying', 'running', 'succeeded']);
    expect(items).toEqual([...items].sort(newestFirst));
    for (const item of items) {
      const { result: _result, ...fromReceipt } = (await receipt(api, item.key, { token: TOKENS.acme })).json();
      expect(item, item.key).toEqual({ ...fromReceipt, progress: item.progress });
      expect(item.status).toBe(item.key);
      expect(item).not.toHaveProperty('result');
    }
  });

  it("never shows another tenant's jobs", async () => {
    const { items } = await listAll('', TOKENS.globex);

    expect(items.map((item) => item.key)).toEqual(['globex-job']);
  });

  it.each(['queued', 'running', 'retrying', 'succeeded', 'failed', 'canceled'])('filters by status: %s', async (status) => {
    const { items } = await listAll(`?status=${status}`);

    expect(items.map((item) => item.key)).toEqual([status]);
  });

  it('filters by type, and by type and status together', async () => {
    const byType = await listAll('?type=flaky');
    const both = await listAll('?type=sleep&status=failed');

    expect(byType.items.map((item) => item.key)).toEqual(['retrying']);
    expect(both.items.map((item) => item.key)).toEqual(['failed']);
  });

  it('pages with an opaque cursor: every job once, newest first, the last page without a cursor', async () => {
    const { pages, items } = await listAll('?limit=4');

    expect(pages.map((page) => page.items.length)).toEqual([4, 2]);
    expect(items).toHaveLength(6);
    expect(new Set(items.map((item) => item.id)).size).toBe(6);
    expect(items).toEqual([...items].sort(newestFirst));
  });

  it.each([
    ['?status=done', '/status'],
    ['?type=nonexistent', '/type'],
    ['?limit=0', '/limit'],
    ['?limit=201', '/limit'],
    ['?limit=ten', '/limit'],
    ['?statuz=failed', ''],
    ['?cursor=not-a-cursor', '/cursor'],
    [`?cursor=${Buffer.from(JSON.stringify({ v: 1, s: 'x', m: 'y' })).toString('base64url')}`, '/cursor'],
  ])('refuses %s with a 400 validation-failed naming the parameter', async (query, pointer) => {
    const res = await list(query);

    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ type: '/problems/validation-failed', errors: [{ in: 'querystring', pointer }] });
  });

  it('answers 401 without a token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/v1/jobs' });

    expect(res.statusCode).toBe(401);
  });
});

describe("GET /v1/jobs and the tenant's index", () => {
  it('leaves out a job that is gone, and drops its index entry on the way', async () => {
    const own = testConfig(redis.url, { API_KEYS: `acme:${TOKENS.acme}` });
    const ownApi = await startApi(own);
    const inspector = await openInspector(own);
    try {
      for (const key of ['kept', 'removed']) await submit(ownApi, { key, token: TOKENS.acme, body: sleep({}) });
      await inspector.queue.remove('acme~removed'); // as retention, or an operator, removes a job
      const index = tenantIndexKey(shardPrefix(own.QUEUE_PREFIX, 0), 'acme');
      expect(await inspector.connection.zcard(index)).toBe(2);

      const res = await ownApi.app.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: `Bearer ${TOKENS.acme}` } });

      expect(res.json().items.map((item: Listed) => item.key)).toEqual(['kept']);
      expect(await inspector.connection.zrange(index, '0', '-1')).toEqual(['acme~kept']);
    } finally {
      await inspector.close();
      await ownApi.close();
    }
  });

  it("runs as many Redis commands for a page whatever the number of other tenants' jobs", async () => {
    // A Redis of its own: no other client's commands in its counts.
    const quiet = await startRedisServer();
    const own = testConfig(quiet.url, { API_KEYS: `acme:${TOKENS.acme},globex:${TOKENS.globex}` });
    const ownApi = await startApi(own);
    const inspector = await openInspector(own);
    const commandsFor = async (request: () => Promise<{ statusCode: number; json: () => Page }>) => {
      const before = totalCalls(await inspector.connection.info('commandstats'));
      const res = await request();
      const calls = totalCalls(await inspector.connection.info('commandstats')) - before - 1; // less the INFO itself
      expect(res.statusCode).toBe(200);
      expect(res.json().items).toHaveLength(10);
      return calls;
    };
    const page = () => ownApi.app.inject({ method: 'GET', url: '/v1/jobs?limit=10', headers: { authorization: `Bearer ${TOKENS.acme}` } });
    try {
      for (let i = 0; i < 20; i += 1) await submit(ownApi, { key: `mine-${i}`, token: TOKENS.acme, body: sleep({}) });
      const alone = await commandsFor(page);
      for (let batch = 0; batch < 10; batch += 1) {
        await Promise.all(Array.from({ length: 200 }, (_, i) => submit(ownApi, { key: `theirs-${batch}-${i}`, token: TOKENS.globex, body: sleep({}) })));
      }
      const crowded = await commandsFor(page);

      expect(await inspector.queue.getWaitingCount()).toBe(2020);
      expect(crowded).toBe(alone);
    } finally {
      await inspector.close();
      await ownApi.close();
      await quiet.stop();
    }
  });

  it('answers 503 redis-unavailable with Retry-After within a second when Redis is down', async () => {
    const down = await startRedisServer();
    const downApi = await startApi(testConfig(down.url, { API_KEYS: `acme:${TOKENS.acme}` }));
    try {
      await down.stop();
      const started = Date.now();
      const res = await downApi.app.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: `Bearer ${TOKENS.acme}` } });

      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json()).toMatchObject({ type: '/problems/redis-unavailable' });
    } finally {
      await downApi.close();
      await down.stop();
    }
  });
});

/** The sum of `calls=` over INFO commandstats: every command Redis ran, those inside scripts included. */
function totalCalls(info: string): number {
  return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}
