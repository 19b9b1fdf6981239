import type { RawScript } from 'bullmq/dist/cjs/scripts/index.js';
import { describe, expect, it } from 'vitest';
import type { BullmqAddCall } from '../../src/bullmq/add-call.js';
import { createEnqueueBatches, MAX_BATCH_BYTES, MAX_BATCH_JOBS, type JobReply } from '../../src/api/idempotency/enqueue-batches.js';

// How the batcher cuts one turn's jobs into script calls, seen through the calls
// it sends (test/api/enqueue-batches.test.ts runs them against Redis).

const standard: RawScript = { name: 'addStandardJob', content: '', keys: 2 };
const delayed: RawScript = { name: 'addDelayedJob', content: '', keys: 2 };
const queueKeys = ['q:wait', 'q:meta'];

function addCall(jobId: string, payload = '{}', script = standard): BullmqAddCall {
  return { script, keys: queueKeys, args: [`packed-${jobId}`, payload, 'options'] };
}

/** Sends nothing: records each call and answers each job with its own hash key. */
function recordingSender() {
  const calls: Array<{ script: string; jobKeys: string[]; argCount: number; args: unknown[] }> = [];
  const send = async (script: RawScript, keys: string[], args: Array<string | number | Buffer>): Promise<JobReply[]> => {
    const bullmqKeyCount = args[0] as number;
    const jobKeys = keys.slice(bullmqKeyCount);
    calls.push({ script: script.name, jobKeys, argCount: args[1] as number, args: args.slice(2) });
    return jobKeys.map((key) => [1, `fp-of-${key}`, key, 'a-queue']);
  };
  return { calls, send };
}

describe('enqueue batches', () => {
  it('send the jobs of one turn as one call, each caller getting the reply for its own job', async () => {
    const { calls, send } = recordingSender();
    const batches = createEnqueueBatches(send);
    const replies = await Promise.all(['a', 'b', 'c'].map((id) => batches.add(addCall(id), `q:${id}`, `fp-${id}`)));

    expect(calls).toHaveLength(1);
    expect(calls[0]!.jobKeys).toEqual(['q:a', 'q:b', 'q:c']);
    expect(calls[0]!.argCount).toBe(3);
    // Per job: BullMQ's arguments, then its fingerprint.
    expect(calls[0]!.args.slice(0, 4)).toEqual(['packed-a', '{}', 'options', 'fp-a']);
    expect(replies).toEqual([
      [1, 'fp-of-q:a', 'q:a', 'a-queue'],
      [1, 'fp-of-q:b', 'q:b', 'a-queue'],
      [1, 'fp-of-q:c', 'q:c', 'a-queue'],
    ]);
  });

  it(`start a new call after ${MAX_BATCH_JOBS} jobs`, async () => {
    const { calls, send } = recordingSender();
    const batches = createEnqueueBatches(send);
    const ids = Array.from({ length: MAX_BATCH_JOBS * 2 + 1 }, (_, i) => `j${i}`);
    await Promise.all(ids.map((id) => batches.add(addCall(id), `q:${id}`, 'fp')));

    expect(calls.map((call) => call.jobKeys.length)).toEqual([MAX_BATCH_JOBS, MAX_BATCH_JOBS, 1]);
    expect(calls.flatMap((call) => call.jobKeys)).toEqual(ids.map((id) => `q:${id}`));
  });

  it('start a new call once a call holds MAX_BATCH_BYTES of arguments, never splitting a job', async () => {
    const { calls, send } = recordingSender();
    const batches = createEnqueueBatches(send);
    const big = 'x'.repeat(Math.ceil(MAX_BATCH_BYTES * 0.6));
    await Promise.all([
      batches.add(addCall('big-1', big), 'q:big-1', 'fp'),
      batches.add(addCall('big-2', big), 'q:big-2', 'fp'),
      batches.add(addCall('big-3', big), 'q:big-3', 'fp'),
      batches.add(addCall('small'), 'q:small', 'fp'),
    ]);

    expect(calls.map((call) => call.jobKeys)).toEqual([['q:big-1', 'q:big-2'], ['q:big-3', 'q:small']]);
    expect(calls[0]!.args).toContain(big);
  });

  it('send each BullMQ add script its own call', async () => {
    const { calls, send } = recordingSender();
    const batches = createEnqueueBatches(send);
    await Promise.all([
      batches.add(addCall('now'), 'q:now', 'fp'),
      batches.add(addCall('later', '{}', delayed), 'q:later', 'fp'),
      batches.add(addCall('now-2'), 'q:now-2', 'fp'),
    ]);

    expect(calls.map((call) => [call.script, call.jobKeys])).toEqual([
      ['addStandardJob', ['q:now', 'q:now-2']],
      ['addDelayedJob', ['q:later']],
    ]);
  });

  it('fail every job of a call that fails, whether the send rejects or throws, and keep working', async () => {
    let mode: 'reject' | 'throw' | 'ok' = 'reject';
    // Not async: 'throw' throws synchronously, as ioredis may while building a command.
    const batches = createEnqueueBatches((_script, keys, args) => {
      if (mode === 'throw') throw new Error('thrown');
      if (mode === 'reject') return Promise.reject(new Error('rejected'));
      return Promise.resolve(keys.slice(args[0] as number).map(() => null));
    });
    const both = () => Promise.allSettled(['x', 'y'].map((id) => batches.add(addCall(id), `q:${id}`, 'fp')));

    expect((await both()).map((result) => result.status)).toEqual(['rejected', 'rejected']);
    mode = 'throw';
    expect((await both()).map((result) => (result as PromiseRejectedResult).reason?.message)).toEqual(['thrown', 'thrown']);
    mode = 'ok';
    expect(await Promise.all(['x', 'y'].map((id) => batches.add(addCall(id), `q:${id}`, 'fp')))).toEqual([null, null]);
  });

  it('leave out a job whose caller gave up before its call was sent, and tell that caller why', async () => {
    const { calls, send } = recordingSender();
    const batches = createEnqueueBatches(send);
    const deadline: { passedWith?: Error } = {};
    const kept = batches.add(addCall('kept'), 'q:kept', 'fp');
    const withdrawn = batches.add(addCall('gone'), 'q:gone', 'fp', { deadline });
    deadline.passedWith = new Error('deadline passed');

    await expect(withdrawn).rejects.toThrow('deadline passed');
    expect(await kept).toEqual([1, 'fp-of-q:kept', 'q:kept', 'a-queue']);
    expect(calls.map((call) => call.jobKeys)).toEqual([['q:kept']]);
  });

  it('tell each caller when its call is handed over, and not when sending it throws', async () => {
    let throwing = true;
    const batches = createEnqueueBatches((_script, keys, args) => {
      if (throwing) throw new Error('thrown');
      return Promise.resolve(keys.slice(args[0] as number).map(() => null));
    });
    const handedOver: string[] = [];
    const add = (id: string) => batches.add(addCall(id), `q:${id}`, 'fp', { onHandedOver: () => handedOver.push(id) });

    await Promise.allSettled([add('a'), add('b')]);
    expect(handedOver).toEqual([]);
    throwing = false;
    await Promise.all([add('c'), add('d')]);
    expect(handedOver).toEqual(['c', 'd']);
  });
});
