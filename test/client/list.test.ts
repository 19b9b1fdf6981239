import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobIntakeClient, ValidationError, type ListedJob } from '../../src/client/index.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
let service: LiveService;
let client: JobIntakeClient;

beforeAll(async () => {
  service = await startLiveService(redis.url, { env: { JOB_ATTEMPTS: '1' } });
  client = new JobIntakeClient({ baseUrl: service.url });
  for (let i = 0; i < 5; i += 1) await client.wait(await client.submit('sleep', { ms: 0 }, { idempotencyKey: `ok-${i}` }));
  await client.wait(await client.submit('sleep', { ms: 0, failAttempts: 1 }, { idempotencyKey: 'broken' }));
});
afterAll(() => service?.close());

describe('JobIntakeClient.list against the real service', () => {
  it('iterates over every page, each job once, and stops after the last', async () => {
    const pages: Array<readonly ListedJob[]> = [];
    for await (const page of client.list({ limit: 2 })) pages.push(page.items);

    expect(pages.map((items) => items.length)).toEqual([2, 2, 2]);
    const keys = pages.flat().map((job) => job.key);
    expect(keys.sort()).toEqual(['broken', 'ok-0', 'ok-1', 'ok-2', 'ok-3', 'ok-4']);
  });

  it('filters by status and type', async () => {
    const failed: ListedJob[] = [];
    for await (const page of client.list({ status: 'failed', type: 'sleep' })) failed.push(...page.items);

    expect(failed).toMatchObject([{ key: 'broken', status: 'failed', error: { message: expect.stringContaining('failing attempt 1') } }]);
    expect(failed[0]).not.toHaveProperty('result');
  });

  it('rejects with ValidationError for a status the service does not know', async () => {
    const pages = client.list({ status: 'done' as never });
    const error = await pages.next().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ problem: { errors: [{ pointer: '/status' }] } });
  });
});
