import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { freePort } from '../../src/dev/free-port.js';
import { openInspector, receipt, startApi, startWorker, submit, testConfig } from '../helpers/harness.js';
import { startRedisServer, useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();

const sleepJob = { type: 'sleep', payload: { ms: 0, result: { a: 1, b: 2 } } };
const sameJobReordered = { payload: { result: { b: 2, a: 1 }, ms: 0 }, type: 'sleep' };

/** An API whose replay cache runs on a clock the test moves forward. */
async function startApiWithClock(config: Config, ttlMs = 1000) {
  let offsetMs = 0;
  const api = await startApi(config, { replayCache: { ttlMs, now: () => Date.now() + offsetMs } });
  const inspector = await openInspector(config);
  return {
    api,
    inspector,
    passCacheTtl: () => {
      offsetMs += ttlMs + 1;
    },
    close: async () => {
      await api.close();
      await inspector.close();
    },
  };
}

describe('retries answered from the replay cache', () => {
  it('replays the first 202 byte for byte, with Idempotent-Replayed, however often and however ordered', async () => {
    const { api, inspector, close } = await startApiWithClock(testConfig(redis.url));
    try {
      const first = await submit(api, { key: 'storm', body: sleepJob });
      const retries = await Promise.all(Array.from({ length: 20 }, () => submit(api, { key: 'storm', body: sameJobReordered })));

      for (const retry of retries) {
        expect(retry.statusCode).toBe(202);
        expect(retry.body).toBe(first.body);
        expect(retry.headers['idempotent-replayed']).toBe('true');
        expect(retry.headers.location).toBe(first.headers.location);
      }
      expect(await inspector.jobCount()).toBe(1);
    } finally {
      await close();
    }
  });

  it('still answers 422 to a different request under a key it has just replayed', async () => {
    const { api, inspector, close } = await startApiWithClock(testConfig(redis.url));
    try {
      await submit(api, { key: 'reused', body: sleepJob });
      expect((await submit(api, { key: 'reused', body: sleepJob })).headers['idempotent-replayed']).toBe('true');

      const other = await submit(api, { key: 'reused', body: { type: 'sleep', payload: { ms: 1 } } });

      expect(other.statusCode).toBe(422);
      expect(other.json()).toMatchObject({ type: expect.stringMatching(/idempotency-key-reused$/) });
      expect((await inspector.queue.getJob('default~reused'))?.data).toMatchObject({ ms: 0 });
    } finally {
      await close();
    }
  });

  it('stops replaying a job deleted by hand once the cache TTL has passed, and creates it anew', async () => {
    const { api, inspector, passCacheTtl, close } = await startApiWithClock(testConfig(redis.url));
    try {
      const first = await submit(api, { key: 'deleted', body: sleepJob });
      await inspector.queue.remove('default~deleted');
      passCacheTtl();

      const again = await submit(api, { key: 'deleted', body: sleepJob });

      expect(again.statusCode).toBe(202);
      expect(again.headers['idempotent-replayed']).toBeUndefined();
      expect(again.json().createdAt >= first.json().createdAt).toBe(true);
      expect(await inspector.jobCount()).toBe(1);
    } finally {
      await close();
    }
  });

  it('stops replaying a job the TTL sweeper removed once the cache TTL has passed', async () => {
    const config = testConfig(redis.url, { IDEMPOTENCY_TTL_SECONDS: '1' });
    const { api, inspector, passCacheTtl, close } = await startApiWithClock(config);
    const worker = await startWorker(config);
    try {
      await submit(api, { key: 'swept', body: sleepJob });
      expect((await receipt(api, 'swept', { wait: 10 })).json()).toMatchObject({ status: 'succeeded' });
      // BullMQ removes aged jobs when a later one finishes: finish fillers until it has.
      let filler = 0;
      await expect
        .poll(
          async () => {
            filler += 1;
            await submit(api, { key: `filler-${filler}`, body: sleepJob });
            await receipt(api, `filler-${filler}`, { wait: 10 });
            return inspector.queue.getJob('default~swept');
          },
          { timeout: 15_000, interval: 200 },
        )
        .toBeUndefined();
      passCacheTtl();

      const again = await submit(api, { key: 'swept', body: sleepJob });

      expect(again.statusCode).toBe(202);
      expect(again.headers['idempotent-replayed']).toBeUndefined();
      expect(await inspector.queue.getJob('default~swept')).toBeDefined();
    } finally {
      await worker.close();
      await close();
    }
  });
});

describe('the replay cache when Redis comes back without its data', () => {
  it('forgets what it held, so a retry right after the reconnect creates the job again', async () => {
    const port = await freePort();
    let server = await startRedisServer({ port }); // no persistence: a restart empties it
    const config = testConfig(server.url);
    // A cache TTL far beyond this test: only forgetting on reconnect can stop the replay.
    const api = await startApi(config, { replayCache: { ttlMs: 600_000 } });
    const inspector = await openInspector(config);
    try {
      expect((await submit(api, { key: 'lost', body: sleepJob })).statusCode).toBe(202);

      await server.stop();
      server = await startRedisServer({ port });
      await expect
        .poll(async () => (await api.app.inject({ method: 'GET', url: '/readyz' })).statusCode, { timeout: 10_000, interval: 50 })
        .toBe(200);

      // Each connection reconnects on its own: a 503 while one still is creates nothing.
      let retry: Awaited<ReturnType<typeof submit>> | undefined;
      await expect
        .poll(async () => (retry = await submit(api, { key: 'lost', body: sleepJob })).statusCode, { timeout: 10_000, interval: 50 })
        .not.toBe(503);

      expect(retry?.statusCode).toBe(202);
      expect(retry?.headers['idempotent-replayed']).toBeUndefined();
      expect(await inspector.queue.getJob('default~lost')).toBeDefined();
      expect(await inspector.jobCount()).toBe(1);
    } finally {
      await api.close();
      await inspector.close();
      await server.stop();
    }
  });
});
