import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { connectApi } from '../../src/api/connect-api.js';
import { demoJobTypes } from '../../src/jobs/demo/index.js';
import { createRegistry } from '../../src/jobs/job-type.js';
import { silentLogger, startApi, testConfig } from '../helpers/harness.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { sample, scrape, startObservedWorker } from './ops-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('health and readiness', () => {
  it('keeps the API live but not ready while Redis is down, and metrics say why', async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const api = await startApi(testConfig(redis.url));
    cleanups.push(() => api.close());
    expect((await api.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    await redis.stop();

    const live = await api.app.inject({ method: 'GET', url: '/healthz' });
    const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
    const started = Date.now();
    const text = await scrape(api.app);
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ type: '/problems/redis-unavailable' });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(sample(text, 'job_intake_redis_up')).toBe(0);
    expect(sample(text, 'job_intake_queue_jobs')).toBeUndefined();
  });

  it('turns readiness off with 503 shutting-down once the API is closing', async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const config = testConfig(redis.url);
    const services = connectApi(config, createRegistry(demoJobTypes), silentLogger);
    cleanups.push(() => services.close());
    await services.started;
    let closing = false;
    const app = await buildApp({ config, logger: silentLogger, ...services.appDeps, isClosing: () => closing });
    cleanups.push(() => app.close());

    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    closing = true;
    const ready = await app.inject({ method: 'GET', url: '/readyz' });

    expect(ready.statusCode).toBe(503);
    expect(ready.headers['retry-after']).toBe('1');
    expect(ready.json()).toMatchObject({ type: '/problems/shutting-down' });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it("keeps a worker's /healthz at 200 through a Redis outage, while its metrics report Redis down", async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const worker = await startObservedWorker(testConfig(redis.url, { SHUTDOWN_GRACE_MS: '200' }));
    cleanups.push(() => worker.close());
    expect(sample(await scrape(worker.server), 'job_intake_redis_up')).toBe(1);

    await redis.stop();

    const live = await worker.server.inject({ method: 'GET', url: '/healthz' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    expect(sample(await scrape(worker.server), 'job_intake_redis_up')).toBe(0);
  });
});
