// Contract tests: one per use of BullMQ's internals (src/bullmq/). Each states
// what job-intake relies on, against the installed BullMQ and a real Redis, so
// that an upgrade that moves one fails here, naming it (docs/operations.md:
// Upgrading BullMQ).
import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullmqAddScripts, createBullmqAddCalls, recordBullmqAddCall } from '../../src/bullmq/add-call.js';
import { setLastEventId } from '../../src/bullmq/events-cursor.js';
import { createStepStore, jobHashKey, readFinishedSteps } from '../../src/bullmq/job-hash.js';
import { createCancelJob } from '../../src/bullmq/cancel-job.js';
import { createEnqueueOnce } from '../../src/api/idempotency/enqueue-once.js';
import { createRetryJob } from '../../src/bullmq/retry-job.js';
import { openTenantIndexes } from '../../src/bullmq/tenant-index.js';
import { CANCELED_REASON } from '../../src/shared/cancellation.js';
import { jobOptions } from '../../src/shared/job-options.js';
import { shardPrefix, shardQueuesKey, tenantIndexKey } from '../../src/shared/shards.js';
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
    // What workers build from a Job they hold, to reach their own fields in its hash.
    expect(jobHashKey(new Job(queue, 'sleep', {}, {}, 'some~id'))).toBe(queue.toKey('some~id'));
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

  it("keeps a job's step fields as it moves the job (to active, to delayed for a retry, to failed, back by Job.retry, to completed) and deletes them with the job", async () => {
    const steps = createStepStore(connection);
    const seen: Array<string | null> = [];
    let stored: unknown;
    const worker = new Worker(
      'default',
      async (job) => {
        seen.push(await steps.read(job, 'charge'));
        if (seen.length === 1) stored = await steps.store(job, { name: 'charge', json: '{"id":"ch-1"}', finishedAtMs: 1_000, maxBytes: 1024 });
        if (seen.length < 3) throw new Error(`run ${seen.length} fails`);
        return 'done';
      },
      { connection: connection.duplicate(), prefix },
    );
    try {
      await queue.add('charge', {}, { jobId: 't~steps', attempts: 2, backoff: { type: 'fixed', delay: 10 } });
      await expect.poll(() => queue.getJobState('t~steps'), { timeout: 5000 }).toBe('failed'); // both attempts spent
      expect(stored).toEqual({ kind: 'stored' }); // while active, from the Job the processor got
      expect(await readFinishedSteps(queue, 't~steps')).toEqual([{ name: 'charge', finishedAtMs: 1_000 }]);
      await (await queue.getJob('t~steps'))!.retry('failed');
      await expect.poll(() => queue.getJobState('t~steps'), { timeout: 5000 }).toBe('completed');
      expect(seen).toEqual([null, '{"id":"ch-1"}', '{"id":"ch-1"}']);
      expect(await readFinishedSteps(queue, 't~steps')).toEqual([{ name: 'charge', finishedAtMs: 1_000 }]);
    } finally {
      await worker.close();
    }
    await queue.remove('t~steps');
    expect(await connection.exists(queue.toKey('t~steps'))).toBe(0);
    expect(await readFinishedSteps(queue, 't~steps')).toEqual([]);
  });

  it("writes a step into a job's hash once: a second run gets the first result; past the limit, or for a removed job, it writes nothing", async () => {
    const steps = createStepStore(connection);
    const job = await queue.add('charge', {}, { jobId: 't~store' });
    const step = (name: string, json: string) => ({ name, json, finishedAtMs: 2_000, maxBytes: 20 });

    expect(await steps.store(job, step('charge', '"first"'))).toEqual({ kind: 'stored' });
    expect(await steps.store(job, step('charge', '"second"'))).toEqual({ kind: 'stored-before', json: '"first"' });
    expect(await steps.store(job, step('big', '"0123456789abcd"'))).toEqual({ kind: 'over-limit', usedBytes: 7 });
    expect(await readFinishedSteps(queue, 't~store')).toEqual([{ name: 'charge', finishedAtMs: 2_000 }]);

    await queue.remove('t~store');
    expect(await steps.store(job, step('late', '1'))).toEqual({ kind: 'job-gone' });
    expect(await connection.exists(queue.toKey('t~store'))).toBe(0); // no half-made hash that would look like a job
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
  it('runs its reprocessJob script inside our retry script: a failed job is back in wait, attemptsMade reset, attemptsStarted kept, and a worker runs it', async () => {
    let runs = 0;
    const worker = new Worker(
      'default',
      async (job) => {
        runs += 1;
        if (runs <= 2) throw new Error(`run ${runs} fails`);
        return job.attemptsMade;
      },
      { connection: connection.duplicate(), prefix },
    );
    try {
      await queue.add('sleep', {}, { jobId: 't~retried', attempts: 2 });
      await expect.poll(() => queue.getJobState('t~retried'), { timeout: 5000 }).toBe('failed');
      await worker.pause();
      expect(await createRetryJob({ queue, connection })('t~retried')).toBe('retried');

      const back = (await queue.getJob('t~retried'))!;
      expect(await queue.getJobState('t~retried')).toBe('waiting');
      expect(back).toMatchObject({ attemptsMade: 0, attemptsStarted: 2 });
      expect([back.failedReason, back.finishedOn, back.processedOn]).toEqual([undefined, undefined, undefined]);
      await worker.resume();
      await expect.poll(() => queue.getJobState('t~retried'), { timeout: 5000 }).toBe('completed');
      expect((await queue.getJob('t~retried'))!).toMatchObject({ returnvalue: 0, attemptsStarted: 3 });
    } finally {
      await worker.close();
    }
  });

  it('fails a job at its next run when its hash holds a deferred failure (defa), as its stall check leaves one; our retry clears it', async () => {
    await queue.add('sleep', {}, { jobId: 't~stalled-out', attempts: 1 });
    // What BullMQ's moveStalledJobsToWait writes on a job that stalled more than maxStalledCount times.
    await connection.hset(queue.toKey('t~stalled-out'), 'stc', '2', 'defa', 'job stalled more than allowable limit');
    const worker = new Worker('default', async () => 'ran', { connection: connection.duplicate(), prefix });
    try {
      await expect.poll(() => queue.getJobState('t~stalled-out'), { timeout: 5000 }).toBe('failed');
      expect((await queue.getJob('t~stalled-out'))!.failedReason).toBe('job stalled more than allowable limit');

      expect(await createRetryJob({ queue, connection })('t~stalled-out')).toBe('retried');
      await expect.poll(() => queue.getJobState('t~stalled-out'), { timeout: 5000 }).toBe('completed');
      expect((await queue.getJob('t~stalled-out'))!).toMatchObject({ returnvalue: 'ran', stalledCounter: 0 });
    } finally {
      await worker.close();
    }
  });
  it("keeps a job's lock at <job key>:lock while a worker runs it, and a finished job in <prefix>:<queue>:completed or :failed, where the list script looks", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const worker = new Worker('default', async (job) => (job.id === 't~held' ? held : Promise.reject(new Error('no'))), {
      connection: connection.duplicate(),
      prefix,
    });
    try {
      await queue.add('sleep', {}, { jobId: 't~held' });
      await queue.add('sleep', {}, { jobId: 't~refused', attempts: 1 });
      await expect.poll(() => queue.getJobState('t~held'), { timeout: 5000 }).toBe('active');
      expect(await connection.exists(`${prefix}:default:t~held:lock`)).toBe(1);
      release();
      await expect.poll(() => queue.getJobState('t~held'), { timeout: 5000 }).toBe('completed');
      await expect.poll(() => queue.getJobState('t~refused'), { timeout: 5000 }).toBe('failed');

      expect(await connection.exists(`${prefix}:default:t~held:lock`)).toBe(0);
      expect([queue.keys.completed, queue.keys.failed]).toEqual([`${prefix}:default:completed`, `${prefix}:default:failed`]);
      expect(await connection.zscore(`${prefix}:default:completed`, 't~held')).not.toBeNull();
      expect(await connection.zscore(`${prefix}:default:failed`, 't~refused')).not.toBeNull();
    } finally {
      await worker.close();
    }
  });

  it('reads the hash fields of an indexed job into a Job as Queue.getJob does (less data and result)', async () => {
    const jobs = createEnqueueOnce({ queue, connection, jobOptionsFor: () => options, otherQueues: ['gpu'] });
    await jobs({ jobId: 'idx~plain', type: 'sleep', queue: 'default', payload: { ms: 1 }, fingerprint: 'a' });
    await jobs({ jobId: 'idx~scheduled', type: 'sleep', queue: 'default', payload: {}, fingerprint: 'b', options: { delayMs: 60_000, priority: 3 } });
    await connection.hset(queue.toKey('idx~plain'), 'processedOn', '1700000000000', 'atm', '1', 'ats', '2', 'progress', '{"done":40}');
    expect(await connection.zrevrange(tenantIndexKey(prefix, 'idx'), 0, -1)).toEqual(expect.arrayContaining(['idx~plain', 'idx~scheduled']));

    const indexes = openTenantIndexes({ connection, prefix, queueNames: ['default'], queueNamed: () => queue });
    const page = await indexes.page('idx', { after: null, limit: 10, budget: 10, canceledReason: CANCELED_REASON });
    const fields = (job: Job) => ({
      id: job.id,
      name: job.name,
      timestamp: job.timestamp,
      processedOn: job.processedOn,
      finishedOn: job.finishedOn,
      attemptsMade: job.attemptsMade,
      attemptsStarted: job.attemptsStarted,
      progress: job.progress,
      delay: job.opts.delay,
      priority: job.opts.priority,
    });
    expect(page.done).toBe(true);
    for (const { job } of page.jobs) expect(fields(job)).toEqual(fields((await queue.getJob(job.id!))!));
    expect(page.jobs.map(({ job }) => fields(job).priority)).toEqual(expect.arrayContaining([3]));
  });
});
