import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createJobEndWaiter } from '../../src/api/job-end-waiter.js';
import { eventStreamReaders, useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function waiterOnOneShard(prefix: string) {
  const client = new Redis(redis.url);
  const queueEvents = new QueueEvents('jobs', { connection: { url: redis.url }, prefix, autorun: false });
  closers.push(() => queueEvents.close(), () => client.quit());
  const eventsKey = queueEvents.keys.events!;
  const waiter = createJobEndWaiter(async () => (await client.xrevrange(eventsKey, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0');
  waiter.watch(queueEvents);
  /** What BullMQ's finish script writes when a job completes. */
  const writeCompleted = (jobId: string) => client.xadd(eventsKey, '*', 'event', 'completed', 'jobId', jobId, 'returnvalue', 'null');
  return { waiter, queueEvents, writeCompleted };
}

describe('createJobEndWaiter', () => {
  it('wakes on an end written right after listening() resolved, before its reader has read anything', async () => {
    const { waiter, queueEvents, writeCompleted } = waiterOnOneShard('race');
    await writeCompleted('older-job'); // the stream is not empty: the start is its end, not its beginning

    const { ended } = waiter.wait('the-job', 10_000);
    await waiter.listening(queueEvents);
    await writeCompleted('the-job');

    const woke = await Promise.race([ended.then(() => 'woke'), new Promise((resolve) => setTimeout(resolve, 5000, 'timed out'))]);
    expect(woke).toBe('woke');
  });

  it('starts no reader before listening() and starts each one once', async () => {
    const { waiter, queueEvents } = waiterOnOneShard('once');
    const readers = () => eventStreamReaders(redis.url);

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await readers()).toBe(0);

    await Promise.all([waiter.listening(queueEvents), waiter.listening(queueEvents)]);
    await waiter.listening(queueEvents);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await readers()).toBe(1);
  });
});
