import { beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/free-port.js';
import { startDeployment, type Deployment } from '../helpers/fault-cluster.js';
import { call, receiptFrom, startService, stopAll, submitTo, type HttpAnswer, type ServiceProcess } from '../helpers/processes.js';
import { startRedisServer } from '../helpers/redis-server.js';

let deployment: Deployment;
beforeEach(async () => {
  // The shipped Redis deadline: these tests measure how fast an outage is answered.
  deployment = await startDeployment({ env: { REDIS_TIMEOUT_MS: '800' } });
  return () => deployment.stop();
});

async function timed(request: () => Promise<HttpAnswer>) {
  const started = Date.now();
  const res = await request();
  return { res, ms: Date.now() - started };
}

function expectFast503({ res, ms }: { res: HttpAnswer; ms: number }) {
  expect(res.status).toBe(503);
  expect(ms).toBeLessThan(1000);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
}

const job = (key: string) => ({ type: 'sleep', payload: { ms: 5, result: key } });

describe('a Redis crash', () => {
  it('gets fast 503s while Redis is down, no process exits or grows, and after the restart every accepted job completes', async () => {
    const api = await deployment.start('web');
    const worker = await deployment.start('worker');
    const accepted = Array.from({ length: 30 }, (_, i) => `before-${i}`);
    for (const key of accepted) expect((await submitTo(api, key, job(key))).status).toBe(202);
    // Queue some that no worker has run yet when Redis dies.
    worker.kill('SIGSTOP');
    const parked = Array.from({ length: 10 }, (_, i) => `parked-${i}`);
    for (const key of parked) expect((await submitTo(api, key, job(key))).status).toBe(202);

    await deployment.redis.kill(); // SIGKILL: a crash, not a clean shutdown
    worker.kill('SIGCONT');

    expectFast503(await timed(() => submitTo(api, 'during', job('during'))));
    expectFast503(await timed(() => receiptFrom(api, 'before-0')));
    expect((await call(`${api.url}/readyz`)).status).toBe(503);
    expect((await call(`${api.url}/healthz`)).status).toBe(200);

    const rssBefore = api.rssKb();
    for (let round = 0; round < 10; round += 1) {
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => submitTo(api, `during-${round}-${i}`, job('x'))));
      expect(answers.every((res) => res.status === 503)).toBe(true);
    }
    expect(api.rssKb() - rssBefore).toBeLessThan(40_000); // 1,000 refusals must not pile up memory
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();

    await deployment.restartRedis();

    await expect.poll(async () => (await submitTo(api, 'after', job('after'))).status, { timeout: 15_000, interval: 250 }).toBe(202);
    for (const key of [...accepted, ...parked, 'after']) {
      const res = await receiptFrom(api, key, 20);
      expect(JSON.parse(res.body)).toMatchObject({ key, status: 'succeeded', result: key });
    }
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
  });
});

describe('Redis down as the API starts', () => {
  it('answers 503 at once and serves as soon as Redis comes up', async () => {
    const port = await freePort();
    const env = { ...deployment.env, REDIS_URL: `redis://127.0.0.1:${port}` };
    const services: ServiceProcess[] = [await startService('web', env)];
    try {
      const api = services[0]!;
      expectFast503(await timed(() => submitTo(api, 'early', job('early'))));
      expectFast503(await timed(() => receiptFrom(api, 'early')));

      const redis = await startRedisServer({ port });
      try {
        services.push(await startService('worker', env));
        await expect.poll(async () => (await submitTo(api, 'early', job('early'))).status, { timeout: 15_000, interval: 250 }).toBe(202);
        expect(JSON.parse((await receiptFrom(api, 'early', 20)).body)).toMatchObject({ status: 'succeeded' });
      } finally {
        await stopAll(services);
        await redis.stop();
      }
    } finally {
      await stopAll(services);
    }
  });
});

describe('a Redis that may evict keys', () => {
  it('is reported loudly by both processes at start', async () => {
    const risky = await startRedisServer({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    const env = { ...deployment.env, REDIS_URL: risky.url };
    const services: ServiceProcess[] = [];
    try {
      services.push(await startService('web', env), await startService('worker', env));
      for (const service of services) {
        const report = await service.waitForLog((e) => String(e.msg).startsWith('REDIS MISCONFIGURED'));
        expect(report).toMatchObject({ level: 50, maxmemoryPolicy: 'allkeys-lru' });
      }
    } finally {
      await stopAll(services);
      await risky.stop();
    }
  });
});
