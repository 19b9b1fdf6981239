// Contract tests: one per use of BullMQ's internals (src/bullmq/). Each states
// what job-intake relies on, against the installed BullMQ and a real Redis, so
// that an upgrade that moves one fails here, naming it (docs/operations.md:
// Upgrading BullMQ).
import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullmqAddScripts, createBullmqAddCalls, recordBullmqAddCall } from '../../src/bullmq/add-call.js';
import { setLastEventId } from '../../src/bullmq/events-cursor.js';
import { createCancelJob } from '../../src/api/cancellation/cancel-job.js';
import { createEnqueueOnce } from '../../src/api/idempotency/enqueue-once.js';
import { CANCELED_REASON } from '../../src/shared/cancellation.js';
import { jobOptions } from '../../src/shared/job-options.js';
import { shardPrefix, shardQueuesKey } from '../../src/shared/shards.js';
import { createDeliveryCalls } from '../../src/webhooks/delivery-jobs.js';
import { silentLogger } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
const prefix = shardPrefix('contract', 0);
const options = jobOptions({ JOB_ATTEMPTS: 2, JOB_BACKOFF_MS: 10 });
let connection: Redis;
let queue: Queue;
let other: Queue;
beforeAll(async () => {
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  queue = new Queue('default', { connection, prefix });
  other = new Queue('gpu', { connection, prefix });
  await Promise.all([queue.waitUntilReady(), other.waitUntilReady()]);
});
afterAll(async () => {
  await queue.close();
  await other.close();
  connection.disconnect();
});

const enqueueOnce = () =>
  createEnqueueOnce({ queue, connection, jobOptionsFor: () => options, otherQueues: ['gpu'] });

describe("BullMQ's internals that job-intake relies on", () => {
  it('ships its three add scripts for jobs without a parent as plain modules, named as its Job.addJob calls them', () => {
    expect([...bullmqAddScripts.keys()].sort()).toEqual(['addDelayedJob', 'addPrioritizedJob', 'addStandardJob']);
    for (const script of bullmqAddScripts.values()) {
      expect(script.content).toContain('redis.call');
      expect(script.keys).toBeGreaterThan(0);
    }
    // Job.addJob hands its call to the transaction it is given, synchronously.
    const call = recordBullmqAddCall(new Job(queue, 'sleep', { ms: 1 }, options, 'tenant~key'));
    expect(call.script.name).toBe('addStandardJob');
    expect(call.keys).toHaveLength(call.script.keys);
  });

  it('builds its add arguments so that the direct path agrees byte for byte (createBullmqAddCalls self-check)', () => {
    expect(createBullmqAddCalls(queue, options).direct).toBe(true);
  });

  it('runs its add script inside our enqueue script: the job reads back through Queue.getJob as Queue.add stores it, and a worker runs it', async () => {
    const outcome = await enqueueOnce()({ jobId: 't~wrapped', type: 'sleep', queue: 'default', payload: { ms: 3 }, fingerprint: 'fp-1' });
    expect(outcome).toMatchObject({ kind: 'created', stored: { jobId: 't~wrapped', fingerprint: 'fp-1' } });
    const job = await queue.getJob('t~wrapped');
    expect(job).toMatchObject({ id: 't~wrapped', name: 'sleep', data: { ms: 3 }, opts: { attempts: 2, backoff: { type: 'exponential', delay: 10 } } });
    expect(await queue.getJobState('t~wrapped')).toBe('waiting');
    // BullMQ's own add of the same id leaves it as it is (what makes a key one job).
    await queue.add('sleep', { ms: 999 }, { jobId: 't~wrapped' });
    expect((await queue.getJob('t~wrapped'))!.data).toEqual({ ms: 3 });

    const worker = new Worker('default', async (ran) => ran.data, { connection: connection.duplicate(), prefix });
    try {
      await expect.poll(() => queue.getJobState('t~wrapped'), { timeout: 5000 }).toBe('completed');
      expect((await queue.getJob('t~wrapped'))!.returnvalue).toEqual({ ms: 3 });
    } finally {
      await worker.close();
    }
  });

  it('keeps every key of a queue at <prefix>:<queue>:..., so a job id is found in another queue of the shard', async () => {
    expect(queue.toKey('some~id')).toBe(`${prefix}:default:some~id`);
    expect(other.keys.wait).toBe(`${prefix}:gpu:wait`);
    await other.add('render', {}, { jobId: 't~elsewhere' });
    const outcome = await enqueueOnce()({ jobId: 't~elsewhere', type: 'sleep', queue: 'default', payload: {}, fingerprint: 'fp-2' });
    expect(outcome.kind).toBe('mismatch'); // found in gpu, not added to default
    expect(await queue.getJob('t~elsewhere')).toBeUndefined();
    expect(await connection.smembers(shardQueuesKey(prefix))).toContain('default');
  });

  it('takes a job our cancel script moved to its failed set as failed, with our reason, and reads its events stream entry as a failed event', async () => {
    await queue.add('sleep', {}, { jobId: 't~canceled', delay: 60_000 });
    const deliveries = createDeliveryCalls({ connection, prefix, attempts: 2, logger: silentLogger });
    const cancel = createCancelJob({ queue, connection, prefix: 'contract', deliveries });
    try {
      expect(await cancel('t~canceled', Date.now())).toBe('canceled');
    } finally {
      await deliveries.close();
    }
    expect(await queue.getJobState('t~canceled')).toBe('failed');
    expect((await queue.getJob('t~canceled'))!.failedReason).toBe(CANCELED_REASON);
    expect(await queue.getJobCounts('delayed', 'failed')).toEqual({ delayed: 0, failed: 1 });

    // A reader started before the cancel's entry hears it as BullMQ's own 'failed' event.
    const [[entryId]] = (await connection.xrevrange(queue.keys.events!, '+', '-', 'COUNT', 1)) as [[string, string[]]];
    const [major, minor] = entryId.split('-').map(Number);
    const events = new QueueEvents('default', { connection: connection.duplicate(), prefix, autorun: false });
    const failed = new Promise<{ jobId: string; failedReason: string }>((resolve) => events.once('failed', resolve));
    try {
      setLastEventId(events, minor! > 0 ? `${major}-${minor! - 1}` : `${major! - 1}-99999`);
      void events.run();
      expect(await failed).toMatchObject({ jobId: 't~canceled', failedReason: CANCELED_REASON });
    } finally {
      await events.close();
    }
  });

  it('starts a QueueEvents reader after opts.lastEventId, set after it was made and before it runs', async () => {
    const eventsKey = queue.keys.events!;
    const before = await connection.xadd(eventsKey, '*', 'event', 'completed', 'jobId', 'old', 'returnvalue', 'null');
    const events = new QueueEvents('default', { connection: connection.duplicate(), prefix, autorun: false });
    const seen: string[] = [];
    events.on('completed', ({ jobId }) => seen.push(jobId));
    try {
      setLastEventId(events, before!);
      void events.run();
      await connection.xadd(eventsKey, '*', 'event', 'completed', 'jobId', 'new', 'returnvalue', 'null');
      await expect.poll(() => seen, { timeout: 5000 }).toContain('new');
      expect(seen).not.toContain('old');
    } finally {
      await events.close();
    }
  });
});
