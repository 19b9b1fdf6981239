import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistry, defineJobType } from '../../src/jobs/job-type.js';
import { shardPrefix } from '../../src/shared/shards.js';
import { receipt, startApi, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

// docs/own-workers.md, played by a bare BullMQ Worker as a worker in another
// language would be: it knows the queue, the prefix, job name = type, data =
// payload, result = return value, and the retention to set; nothing of job-intake.
const ocr = defineJobType({
  type: 'ocr',
  description: 'Reads the text of a scanned page.',
  queue: 'ocr',
  attempts: 1,
  payloadSchema: z.strictObject({ page: z.string(), unreadable: z.boolean().default(false) }),
  run: async () => {
    throw new Error('run by the workers of queue "ocr"');
  },
});

const redis = useRedisServer();
let api: TestApi;
let connection: Redis;
let ownWorker: Worker;
beforeAll(async () => {
  const config = testConfig(redis.url);
  api = await startApi(config, { registry: createRegistry([ocr]) });
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  ownWorker = new Worker(
    'ocr',
    async (job) => {
      await job.updateProgress(50);
      if ((job.data as { unreadable: boolean }).unreadable) throw new Error('the page is unreadable');
      return { name: job.name, data: job.data as unknown, id: job.id };
    },
    {
      connection,
      prefix: shardPrefix(config.QUEUE_PREFIX, 0),
      removeOnComplete: { age: config.IDEMPOTENCY_TTL_SECONDS },
      removeOnFail: { age: config.IDEMPOTENCY_TTL_SECONDS },
    },
  );
});
afterAll(async () => {
  await ownWorker?.close();
  connection?.disconnect();
  await api?.close();
});

async function ended(key: string): Promise<Record<string, any>> {
  let body: Record<string, any> = {};
  await expect.poll(async () => ['succeeded', 'failed'].includes((body = (await receipt(api, key)).json()).status), { timeout: 10_000 }).toBe(true);
  return body;
}

describe('a BullMQ worker of its own, as docs/own-workers.md describes', () => {
  it('gets the type as the job name and the accepted payload as data; its return value is the receipt result', async () => {
    expect((await submit(api, { key: 'page-1', body: { type: 'ocr', payload: { page: 'p1.png' } } })).statusCode).toBe(202);

    expect(await ended('page-1')).toMatchObject({
      status: 'succeeded',
      progress: 50,
      result: { name: 'ocr', data: { page: 'p1.png', unreadable: false }, id: 'default~page-1' },
    });
    const replay = await submit(api, { key: 'page-1', body: { type: 'ocr', payload: { page: 'p1.png' } } });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await submit(api, { key: 'page-1', body: { type: 'ocr', payload: { page: 'p2.png' } } })).statusCode).toBe(422);
  });

  it('fails the job with the message of the error it raises', async () => {
    await submit(api, { key: 'page-2', body: { type: 'ocr', payload: { page: 'blurred.png', unreadable: true } } });

    expect(await ended('page-2')).toMatchObject({ status: 'failed', error: { message: 'the page is unreadable' } });
  });
});
