import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Config } from '../../src/config.js';
import { abortableDelay } from '../../src/jobs/demo/abortable-delay.js';
import { createRegistry, defineJobType } from '../../src/jobs/job-type.js';
import { createWorker } from '../../src/worker/worker.js';
import { openInspector, receipt, silentLogger, startApi, startWorker, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const quick = defineJobType({
  type: 'quick',
  description: 'Doubles a number.',
  payloadSchema: z.strictObject({ n: z.number() }),
  run: async ({ n }) => ({ doubled: n * 2 }),
});
const render = defineJobType({
  type: 'render',
  description: 'Pretends to render on a GPU; fails its first attempts when asked.',
  queue: 'gpu',
  attempts: 4,
  backoff: { type: 'fixed', delayMs: 20 },
  payloadSchema: z.strictObject({ ms: z.number().int().min(0), failUntil: z.number().int().default(0) }),
  async run({ ms, failUntil }, ctx) {
    await abortableDelay(ms, ctx.signal);
    if (ctx.attempt < failUntil) throw new Error(`attempt ${ctx.attempt} fails, as asked`);
    return { frames: 24, attempt: ctx.attempt };
  },
});
const registry = createRegistry([quick, render]);
const adminToken = 'admin-token-0123456789abcdef';

const redis = useRedisServer();
let config: Config;
let api: TestApi;
let inspector: Awaited<ReturnType<typeof openInspector>>;
beforeAll(async () => {
  // JOB_ATTEMPTS 1: a type's own attempts (render: 4) must win over it.
  config = testConfig(redis.url, { JOB_ATTEMPTS: '1', ADMIN_TOKEN: adminToken });
  api = await startApi(config, { registry });
  inspector = await openInspector(config, ['default', 'gpu']);
});
afterAll(async () => {
  await inspector?.close();
  await api?.close();
});

const workerFor = (queues: string) => startWorker({ ...config, WORKER_QUEUES: queues.split(',') }, { registry });

describe('job types in queues of their own', () => {
  it('keeps a job of the gpu queue queued while only the default queue is served, never failing it there; a gpu worker then runs it', async () => {
    const defaultWorker = await workerFor('default');
    try {
      expect((await submit(api, { key: 'frame-1', body: { type: 'render', payload: { ms: 5 } } })).statusCode).toBe(202);
      expect((await submit(api, { key: 'double-1', body: { type: 'quick', payload: { n: 21 } } })).statusCode).toBe(202);
      expect((await receipt(api, 'double-1', { wait: 10 })).json()).toMatchObject({ status: 'succeeded', result: { doubled: 42 } });
      expect((await receipt(api, 'frame-1')).json()).toMatchObject({ status: 'queued', attempts: 0 });
      expect(await inspector.queues[1]!.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await defaultWorker.close();
    }
    const gpuWorker = await workerFor('gpu');
    try {
      expect((await receipt(api, 'frame-1', { wait: 10 })).json()).toMatchObject({ status: 'succeeded', result: { frames: 24 } });
    } finally {
      await gpuWorker.close();
    }
  });

  it('makes one key one job across queues: the key used again for a type of another queue gets 422 and creates nothing', async () => {
    const before = await inspector.jobCount();
    expect((await submit(api, { key: 'shared-1', body: { type: 'quick', payload: { n: 1 } } })).statusCode).toBe(202);
    const reused = await submit(api, { key: 'shared-1', body: { type: 'render', payload: { ms: 1 } } });
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toMatchObject({ type: '/problems/idempotency-key-reused' });

    expect((await submit(api, { key: 'shared-2', body: { type: 'render', payload: { ms: 1 } } })).statusCode).toBe(202);
    expect((await submit(api, { key: 'shared-2', body: { type: 'quick', payload: { n: 1 } } })).statusCode).toBe(422);
    expect(await inspector.jobCount()).toBe(before + 2);
  });

  it('replays, answers Prefer: wait, long-polls and cancels a job of the gpu queue', async () => {
    const gpuWorker = await workerFor('gpu');
    try {
      const body = { type: 'render', payload: { ms: 50 } };
      const waited = await submit(api, { key: 'frame-2', body, headers: { prefer: 'wait=10' } });
      expect(waited.statusCode).toBe(200);
      expect(waited.json()).toMatchObject({ status: 'succeeded', result: { frames: 24 } });
      const replayed = await submit(api, { key: 'frame-2', body });
      expect(replayed.statusCode).toBe(202);
      expect(replayed.headers['idempotent-replayed']).toBe('true');

      await submit(api, { key: 'frame-3', body: { type: 'render', payload: { ms: 60_000 } } });
      await expect.poll(async () => (await receipt(api, 'frame-3')).json().status, { timeout: 5000, interval: 50 }).toBe('running');
      const canceled = await api.app.inject({ method: 'DELETE', url: '/v1/receipts/frame-3' });
      expect([200, 202]).toContain(canceled.statusCode);
      expect((await receipt(api, 'frame-3', { wait: 10 })).json()).toMatchObject({ status: 'canceled' });
    } finally {
      await gpuWorker.close();
    }
  });

  it("retries with the job type's own attempts and backoff, not JOB_ATTEMPTS", async () => {
    const gpuWorker = await workerFor('gpu');
    try {
      await submit(api, { key: 'frame-4', body: { type: 'render', payload: { ms: 1, failUntil: 3 } } });
      expect((await receipt(api, 'frame-4', { wait: 10 })).json()).toMatchObject({ status: 'succeeded', attempts: 3, result: { attempt: 3 } });
    } finally {
      await gpuWorker.close();
    }
  });

  it('shows each queue on /metrics and on the dashboard', async () => {
    const fresh = await startApi(config, { registry }); // the depth on /metrics is read at most every 5 s per app
    try {
      const metrics = (await fresh.app.inject({ url: '/metrics' })).body;
      expect(metrics).toMatch(/^job_intake_queue_jobs\{queue="gpu",state="waiting"\} \d+$/m);
      expect(metrics).toMatch(/^job_intake_queue_jobs\{queue="default",state="completed"\}|^job_intake_queue_jobs\{queue="default",state="waiting"\} \d+$/m);
      const board = await fresh.app.inject({ url: '/admin/queues/api/queues', headers: { authorization: `Bearer ${adminToken}` } });
      expect(board.statusCode).toBe(200);
      expect((board.json() as { queues: Array<{ name: string }> }).queues.map((queue) => queue.name).sort()).toEqual(['default', 'gpu']);
    } finally {
      await fresh.close();
    }
  });

  it('refuses to start a worker for a queue no job type uses, naming the queues there are', () => {
    expect(() => createWorker({ config: { ...config, WORKER_QUEUES: ['gpu', 'tpu'] }, connection: inspector.connection, registry, logger: silentLogger })).toThrow(
      'WORKER_QUEUES: no job type uses "tpu"; the job types\' queues are "default", "gpu"',
    );
  });
});
