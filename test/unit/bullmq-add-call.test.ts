import { Job, Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { unpack } from 'msgpackr';
import { createBullmqAddCalls, recordBullmqAddCall, type AddCallRequest, type BullmqAddCall } from '../../src/bullmq/add-call.js';
import { encodeJobId } from '../../src/shared/job-id.js';
import { jobOptions } from '../../src/shared/job-options.js';
import { shardPrefix } from '../../src/shared/shards.js';

// Building an add call sends nothing: the queue never connects.
const queues = [
  new Queue('jobs', { connection: { host: '127.0.0.1', port: 1, lazyConnect: true }, prefix: 'job-intake' }),
  new Queue('jobs', { connection: { host: '127.0.0.1', port: 1, lazyConnect: true }, prefix: shardPrefix('job-intake', 2) }),
];
afterAll(() => Promise.all(queues.map((queue) => queue.close())));

const options = jobOptions({ JOB_ATTEMPTS: 5, JOB_BACKOFF_MS: 1000 });

/** Same script, keys, and arguments byte for byte. */
function expectSameCall(ours: BullmqAddCall, theirs: BullmqAddCall) {
  expect(ours.script.name).toBe(theirs.script.name);
  expect(ours.keys).toEqual(theirs.keys);
  expect(ours.args.length).toBe(theirs.args.length);
  ours.args.forEach((arg, i) => expect(Buffer.from(arg).equals(Buffer.from(theirs.args[i]!)), `argument ${i}`).toBe(true));
}

/** What BullMQ itself builds for the same job. */
function bullmqsOwn(queue: Queue, request: AddCallRequest) {
  const job = new Job(queue, request.type, request.payload, { ...options, ...request.scheduling }, request.jobId);
  job.timestamp = request.timestamp!;
  return recordBullmqAddCall(job);
}

describe('createBullmqAddCalls', () => {
  it('builds jobs without scheduling options itself with the installed BullMQ (its self-check agrees)', () => {
    for (const queue of queues) expect(createBullmqAddCalls(queue, options).direct).toBe(true);
  });

  it.each([
    { jobId: encodeJobId('acme', 'order-1'), type: 'sleep', payload: { ms: 0 } },
    { jobId: encodeJobId('t', '{tag}%~:é'), type: 'checksum', payload: { bytes: 1024, seed: 'x'.repeat(300) } },
    { jobId: encodeJobId('default', '12345'), type: 'sleep', payload: { nested: { a: [1, null, 'ü'] }, big: 2 ** 53 - 1 } },
    { jobId: encodeJobId('acme', 'null-payload'), type: 'sleep', payload: null },
    { jobId: encodeJobId('acme', 'no-payload'), type: 'sleep', payload: undefined },
  ])('gives the same script, keys and bytes as BullMQ for $jobId', (job) => {
    for (const queue of queues) {
      const request = { ...job, scheduling: {}, timestamp: 1_763_900_000_123 };
      const ours = createBullmqAddCalls(queue, options).build(request);
      const theirs = bullmqsOwn(queue, request);
      expectSameCall(ours, theirs);
    }
  });

  it('stamps a job without a given time with the time of the call, as BullMQ does', () => {
    const calls = createBullmqAddCalls(queues[0]!, options);
    const before = Date.now();
    const ours = calls.build({ jobId: encodeJobId('acme', 'now'), type: 'sleep', payload: { ms: 0 }, scheduling: {} });
    const after = Date.now();

    const timestamp = (unpack(ours.args[0] as Buffer) as unknown[])[3] as number;
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    expectSameCall(ours, bullmqsOwn(queues[0]!, { jobId: encodeJobId('acme', 'now'), type: 'sleep', payload: { ms: 0 }, scheduling: {}, timestamp }));
  });

  it('leaves jobs with a delay or a priority to BullMQ, with its script for them', () => {
    const calls = createBullmqAddCalls(queues[0]!, options);
    const base = { jobId: encodeJobId('acme', 'later'), type: 'sleep', payload: { ms: 1 }, timestamp: 1_763_900_000_123 };
    expect(calls.build({ ...base, scheduling: { delay: 5000 } }).script.name).toBe('addDelayedJob');
    expect(calls.build({ ...base, scheduling: { priority: 3 } }).script.name).toBe('addPrioritizedJob');
    expect(calls.build({ ...base, scheduling: {} }).script.name).toBe('addStandardJob');
    const delayed = { ...base, scheduling: { delay: 5000 } };
    expectSameCall(calls.build(delayed), bullmqsOwn(queues[0]!, delayed));
  });
});
