import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openInspector, receipt, startApi, startWorker, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
let config: Config;
let api: TestApi;

beforeEach(async () => {
  config = testConfig(redis.url);
  api = await startApi(config);
  return () => api.close();
});

const cancel = (key: string) => api.app.inject({ method: 'DELETE', url: `/v1/receipts/${encodeURIComponent(key)}` });
const sleep = (ms: number) => ({ type: 'sleep', payload: { ms, result: 'ran' } });

describe('DELETE /v1/receipts/{key}', () => {
  it('removes a queued job from the queue at once; its receipt says canceled', async () => {
    const inspector = await openInspector(config);
    try {
      await submit(api, { key: 'queued', body: sleep(10) });
      const res = await cancel('queued');

      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ key: 'queued', status: 'canceled', finishedAt: expect.any(String) });
      expect(await inspector.queue.getWaitingCount()).toBe(0);
      expect((await receipt(api, 'queued')).json()).toMatchObject({ status: 'canceled' });
    } finally {
      await inspector.close();
    }
  });

  it('keeps the key used: a replay answers the original 202, and no worker runs the job', async () => {
    const first = await submit(api, { key: 'kept', body: sleep(10) });
    await cancel('kept');
    const replay = await submit(api, { key: 'kept', body: sleep(10) });
    const worker = await startWorker(config);
    try {
      await submit(api, { key: 'canary', body: sleep(0) });
      await receipt(api, 'canary', { wait: 10 });

      expect(replay.statusCode).toBe(202);
      expect(replay.body).toBe(first.body);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect((await receipt(api, 'kept')).json()).toMatchObject({ status: 'canceled', attempts: 0 });
    } finally {
      await worker.close();
    }
  });

  it('is idempotent: a second DELETE answers the same canceled receipt', async () => {
    await submit(api, { key: 'twice', body: sleep(10) });
    const once = await cancel('twice');
    const again = await cancel('twice');

    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(once.json());
  });

  it("fires a running job's abort signal; it ends canceled without retries", async () => {
    const workers = [await startWorker(config), await startWorker(config)];
    try {
      await submit(api, { key: 'running', body: sleep(20_000) });
      await expect.poll(async () => (await receipt(api, 'running')).json().status, { timeout: 5000, interval: 50 }).toBe('running');

      const res = await cancel('running');
      // 202 while the handler stops; 200 when it already has, by the time the receipt is read.
      expect({ code: res.statusCode, status: res.json().status }).toSatisfy(
        (answer: { code: number; status: string }) =>
          (answer.code === 202 && answer.status === 'running') || (answer.code === 200 && answer.status === 'canceled'),
      );

      const started = Date.now();
      const ended = await receipt(api, 'running', { wait: 10 });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(ended.json()).toMatchObject({ status: 'canceled', attempts: 1 });
      expect((await cancel('running')).statusCode).toBe(200);
    } finally {
      for (const worker of workers) await worker.close();
    }
  });

  it('answers 409 problem+json for a job that has already ended', async () => {
    const worker = await startWorker(config);
    try {
      await submit(api, { key: 'done', body: sleep(0) });
      await receipt(api, 'done', { wait: 10 });
      const res = await cancel('done');

      expect(res.statusCode).toBe(409);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.json()).toMatchObject({ type: '/problems/job-ended', status: 409 });
      expect((await receipt(api, 'done')).json().status).toBe('succeeded');
    } finally {
      await worker.close();
    }
  });

  it('answers 404 for a key the tenant never used', async () => {
    const res = await cancel('nobody');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ type: '/problems/not-found' });
  });
});
