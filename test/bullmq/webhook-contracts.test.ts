// Contract tests for the webhook side of src/bullmq/ (job-callback.ts,
// webhook-scripts.ts, the cancel script's emit): what job-intake relies on in
// BullMQ, against the installed BullMQ and a real Redis (docs/operations.md:
// Upgrading BullMQ). See contracts.test.ts for the rest.
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCancelJob } from '../../src/bullmq/cancel-job.js';
import { createEnqueueOnce } from '../../src/api/idempotency/enqueue-once.js';
import { callbackOf, deliveryField } from '../../src/bullmq/job-callback.js';
import type { Callback, WebhookEvent } from '../../src/shared/callback.js';
import { jobOptions } from '../../src/shared/job-options.js';
import { shardPrefix, webhookWatchKey } from '../../src/shared/shards.js';
import { startCallbackSweep } from '../../src/webhooks/callback-sweep.js';
import { createDeliveryCalls, deliveryJobId, WEBHOOK_QUEUE, type DeliveryCalls } from '../../src/webhooks/delivery-jobs.js';
import { createWebhookEmitter, type WebhookEmitter } from '../../src/webhooks/webhook-emitter.js';
import { silentLogger } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
const prefix = shardPrefix('webhook-contract', 0);
const options = jobOptions({ JOB_ATTEMPTS: 1, JOB_BACKOFF_MS: 10 });
const callback: Callback = { url: 'https://receiver.example/hooks', events: ['started', 'succeeded', 'failed', 'canceled'] };
let connection: Redis;
let queue: Queue;
let webhooks: Queue;
let deliveries: DeliveryCalls;
let emitter: WebhookEmitter;
beforeAll(async () => {
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  queue = new Queue('default', { connection, prefix });
  webhooks = new Queue(WEBHOOK_QUEUE, { connection, prefix });
  deliveries = createDeliveryCalls({ connection, prefix, attempts: 3, logger: silentLogger });
  emitter = createWebhookEmitter({ connection, prefix, deliveries, logger: silentLogger });
  await Promise.all([queue.waitUntilReady(), webhooks.waitUntilReady()]);
});
afterAll(async () => {
  await deliveries.close();
  await queue.close();
  await webhooks.close();
  connection.disconnect();
});

/** A job added as the API adds one with a callback. */
async function enqueueWithCallback(jobId: string, extra: { delayMs?: number } = {}): Promise<Job> {
  const enqueue = createEnqueueOnce({ queue, connection, jobOptionsFor: () => options, otherQueues: [] });
  await enqueue({ jobId, type: 'sleep', queue: 'default', payload: { ms: 1 }, fingerprint: `fp-${jobId}`, callback, options: extra });
  return (await queue.getJob(jobId))!;
}

/** Runs the queue's jobs with `process` until `jobId` has ended. */
async function runUntilEnded(jobId: string, process: (job: Job) => Promise<unknown>): Promise<void> {
  const worker = new Worker('default', process, { connection: connection.duplicate(), prefix });
  try {
    await expect.poll(() => queue.getJobState(jobId), { timeout: 5000 }).toMatch(/^(completed|failed)$/);
  } finally {
    await worker.close();
  }
}

describe("BullMQ's behaviour that completion webhooks rely on", () => {
  it('keeps an option it does not know with the job, both ways: the stored opts (JSON, read by our Lua), Queue.getJob and the Job a Worker hands its processor all carry the callback', async () => {
    const job = await enqueueWithCallback('t~opts');
    expect(JSON.parse((await connection.hget(queue.toKey('t~opts'), 'opts'))!)).toMatchObject({ cb: callback, attempts: 1 });
    expect(callbackOf(job)).toEqual(callback);
    expect(job.data).toEqual({ ms: 1 }); // the payload stays the handler's alone

    let seen: Callback | undefined;
    await runUntilEnded('t~opts', async (ran) => {
      seen = callbackOf(ran);
      return null;
    });
    expect(seen).toEqual(callback);
  });

  it("adds a delivery with BullMQ's add script inside our emit script, once per event: it reads back through Queue.getJob as a waiting job with our options", async () => {
    const job = await enqueueWithCallback('t~emit');
    const jobKey = queue.toKey('t~emit');
    expect(await emitter.emitEnded(jobKey, 'succeeded', job.timestamp)).toBe(1);
    expect(await emitter.emitEnded(jobKey, 'succeeded', job.timestamp)).toBe(2); // already emitted: nothing added

    const id = deliveryJobId({ queue: 'default', jobId: 't~emit', createdAtMs: job.timestamp }, 'succeeded');
    expect(await webhooks.getJobState(id)).toBe('waiting');
    expect(await webhooks.getJob(id)).toMatchObject({
      name: 'job.succeeded',
      data: { queue: 'default', jobId: 't~emit', event: 'succeeded' },
      opts: { attempts: 3, backoff: { type: 'webhook' } },
    });
    expect(JSON.parse((await connection.hget(jobKey, deliveryField('succeeded')))!)).toEqual({ status: 'pending', attempts: 0 });
  });

  it('lists a job a Worker completed in <prefix>:<queue>:completed and one it failed for good in :failed, where the sweep finds them', async () => {
    const done = await enqueueWithCallback('t~swept-done');
    const broken = await enqueueWithCallback('t~swept-broken');
    for (const job of [done, broken]) await emitter.started(job, callbackOf(job)!); // into the watch set, as a run starts
    expect(await connection.zcard(webhookWatchKey(prefix))).toBe(2);
    await runUntilEnded('t~swept-broken', async (ran) => {
      if (ran.id === 't~swept-broken') throw new UnrecoverableError('broken');
      return 'ok';
    });
    await expect.poll(() => queue.getJobState('t~swept-done')).toBe('completed');

    const found: Array<[string, WebhookEvent, number]> = [];
    const watcher = {
      emitEnded: async (jobKey: string, event: WebhookEvent, createdAtMs: number) => {
        found.push([jobKey, event, createdAtMs]);
        return 1;
      },
    };
    const sweep = startCallbackSweep({ connection, prefix, emitter: watcher as unknown as WebhookEmitter, intervalMs: 60_000, logger: silentLogger });
    await sweep.stop(); // waits for the pass it ran at start
    expect(found.sort()).toEqual([
      [queue.toKey('t~swept-broken'), 'failed', broken.timestamp],
      [queue.toKey('t~swept-done'), 'succeeded', done.timestamp],
    ]);
  });

  it("adds a queued job's canceled delivery inside the cancel script", async () => {
    const job = await enqueueWithCallback('t~cancel', { delayMs: 60_000 });
    const cancel = createCancelJob({ queue, connection, prefix: 'webhook-contract', deliveries });
    expect(await cancel('t~cancel', job.timestamp)).toBe('canceled');

    const id = deliveryJobId({ queue: 'default', jobId: 't~cancel', createdAtMs: job.timestamp }, 'canceled');
    expect(await webhooks.getJob(id)).toMatchObject({ name: 'job.canceled', data: { jobId: 't~cancel', event: 'canceled' } });
    expect(await connection.hexists(queue.toKey('t~cancel'), deliveryField('canceled'))).toBe(1);
  });

  it("calls a Worker's settings.backoffStrategy with the tries made and the error thrown, and fails the job when it answers -1", async () => {
    const calls: Array<[number, string | undefined, string | undefined]> = [];
    const retried = new Queue('backoff', { connection, prefix });
    await retried.add('try', {}, { jobId: 't~backoff', attempts: 5, backoff: { type: 'webhook' } });
    const worker = new Worker('backoff', async (job) => Promise.reject(new Error(`try ${job.attemptsMade + 1}`)), {
      connection: connection.duplicate(),
      prefix,
      settings: {
        backoffStrategy: (made: number, type?: string, err?: Error) => {
          calls.push([made, type, err?.message]);
          return made < 2 ? 10 : -1;
        },
      },
    });
    try {
      await expect.poll(() => retried.getJobState('t~backoff'), { timeout: 5000 }).toBe('failed');
    } finally {
      await worker.close();
      await retried.close();
    }
    expect(calls).toEqual([
      [1, 'webhook', 'try 1'],
      [2, 'webhook', 'try 2'],
    ]);
  });
});
