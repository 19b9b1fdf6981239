import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/free-port.js';
import { receipt, startApi, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function persistentRedis(port: number, dataDir: string): Promise<RedisServer> {
  const redis = await startRedisServer({ port, dataDir, appendfsync: 'always' });
  cleanups.push(() => redis.stop());
  return redis;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'job-intake-outage-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function timed<T>(request: () => Promise<T>): Promise<{ res: T; ms: number }> {
  const started = Date.now();
  const res = await request();
  return { res, ms: Date.now() - started };
}

function expect503(res: Awaited<ReturnType<typeof submit>>, ms: number) {
  expect(res.statusCode).toBe(503);
  expect(ms).toBeLessThan(1000);
  expect(res.headers['retry-after']).toBe('1');
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(res.json()).toMatchObject({ type: '/problems/redis-unavailable', status: 503 });
}

describe('when Redis goes away', () => {
  it('answers 503 with Retry-After within a second, then recovers by itself', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    let redis = await persistentRedis(port, dataDir);
    const config = testConfig(redis.url);
    const api: TestApi = await startApi(config);
    cleanups.push(() => api.close());
    const accepted = await submit(api, { key: 'before' });
    expect(accepted.statusCode).toBe(202);

    await redis.stop();

    const post = await timed(() => submit(api, { key: 'during' }));
    expect503(post.res, post.ms);
    const get = await timed(() => receipt(api, 'before'));
    expect503(get.res, get.ms);
    const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    const live = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(live.statusCode).toBe(200);

    redis = await persistentRedis(port, dataDir);

    await expect.poll(async () => (await submit(api, { key: 'after' })).statusCode, { timeout: 10_000, interval: 200 }).toBe(202);
    expect((await receipt(api, 'before')).json()).toMatchObject({ key: 'before', status: 'queued' });
    const retried = await submit(api, { key: 'during' });
    expect(retried.statusCode).toBe(202);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('answers 503 at once when Redis is already down as the API starts, and recovers when it comes', async () => {
    const port = await freePort();
    const config = testConfig(`redis://127.0.0.1:${port}`);
    const api = await startApi(config);
    cleanups.push(() => api.close());

    const post = await timed(() => submit(api, { key: 'early' }));
    expect503(post.res, post.ms);
    const get = await timed(() => receipt(api, 'early'));
    expect503(get.res, get.ms);

    await persistentRedis(port, tempDir());

    await expect.poll(async () => (await submit(api, { key: 'early' })).statusCode, { timeout: 15_000, interval: 200 }).toBe(202);
  });
});
