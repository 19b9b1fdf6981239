import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openInspector, receipt, startApi, startWorker, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const adminToken = 'admin-token-0123456789abcdef';
const redis = useRedisServer();
let config: Config;
let api: TestApi;

beforeEach(async () => {
  config = testConfig(redis.url, { ADMIN_TOKEN: adminToken, JOB_ATTEMPTS: '1' });
  api = await startApi(config);
  return () => api.close();
});

/** A dashboard API call as bull-board's UI makes it, with the admin token. */
const board = (method: 'PUT' | 'PATCH', path: string, body: unknown = {}) =>
  api.app.inject({
    method,
    url: `/admin/queues/api/queues/default${path}`,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });

const delayed = (key: string) =>
  submit(api, { key, body: { type: 'sleep', payload: { ms: 10, result: 'ran' }, options: { delayMs: 60_000 } } });

describe('the queue dashboard refuses what would make a receipt lie', () => {
  it('refuses to retry a canceled job, which stays canceled', async () => {
    await delayed('canceled');
    await api.app.inject({ method: 'DELETE', url: '/v1/receipts/canceled' });

    const res = await board('PUT', `/${encodeURIComponent('default~canceled')}/retry`);

    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ type: '/problems/forbidden', detail: expect.stringContaining('canceled') });
    expect((await receipt(api, 'canceled')).json()).toMatchObject({ status: 'canceled' });
  });

  it('refuses a bulk retry of failed jobs, which would rerun canceled ones', async () => {
    await delayed('in-failed-set');
    await api.app.inject({ method: 'DELETE', url: '/v1/receipts/in-failed-set' });

    const res = await board('PUT', '/retry/failed');

    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ type: '/problems/forbidden' });
    expect((await receipt(api, 'in-failed-set')).json()).toMatchObject({ status: 'canceled' });
  });

  it('refuses to empty the queue, change a delay or change a priority, and the job is as submitted', async () => {
    await delayed('as-asked');
    const job = `/${encodeURIComponent('default~as-asked')}`;
    const inspector = await openInspector(config);
    try {
      const before = await inspector.queue.getJob('default~as-asked');
      const answers = [
        await board('PUT', '/empty'),
        await board('PATCH', `${job}/delay`, { runAt: Date.now() }),
        await board('PATCH', `${job}/priority`, { priority: 1 }),
      ];

      expect(answers.map((res) => res.statusCode)).toEqual([403, 403, 403]);
      const after = await inspector.queue.getJob('default~as-asked');
      expect(await after?.getState()).toBe('delayed');
      expect(after?.opts).toEqual(before?.opts);
      expect(after?.delay).toBe(60_000);
    } finally {
      await inspector.close();
    }
  });

  it('still retries a job that failed without being canceled', async () => {
    const worker = await startWorker(config);
    try {
      await submit(api, { key: 'failed-once', body: { type: 'sleep', payload: { ms: 0, result: 'second time', failAttempts: 1 } } });
      expect((await receipt(api, 'failed-once', { wait: 10 })).json()).toMatchObject({ status: 'failed' });

      const res = await board('PUT', `/${encodeURIComponent('default~failed-once')}/retry`);

      expect(res.statusCode).toBe(204);
      expect((await receipt(api, 'failed-once', { wait: 10 })).json()).toMatchObject({ status: 'succeeded', result: 'second time' });
    } finally {
      await worker.close();
    }
  });
});
