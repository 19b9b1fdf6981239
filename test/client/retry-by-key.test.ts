import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobIntakeClient, RequestRefusedError } from '../../src/client/index.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
let service: LiveService;
let client: JobIntakeClient;

beforeAll(async () => {
  service = await startLiveService(redis.url, { env: { JOB_ATTEMPTS: '1' } });
  client = new JobIntakeClient({ baseUrl: service.url });
});
afterAll(() => service?.close());

describe('JobIntakeClient.retry against the real service', () => {
  it('puts a failed job back in line; it then runs again and succeeds, its receipt counting both runs', async () => {
    const failed = await client.wait(await client.submit('sleep', { ms: 1, failAttempts: 1, result: 'second run' }));
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });

    const retried = await client.retry(failed);
    const ended = await client.wait(retried, { timeoutMs: 10_000 });

    expect(retried).toMatchObject({ key: failed.key, id: failed.id, status: expect.stringMatching(/^(queued|running|succeeded)$/) });
    expect(ended).toMatchObject({ status: 'succeeded', attempts: 2, result: 'second run' });
  });

  it('rejects with RequestRefusedError, status 409 job-not-failed, for a job that succeeded', async () => {
    const submission = await client.submit('sleep', { ms: 1 });
    await client.wait(submission);
    const error = await client.retry(submission.key).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(RequestRefusedError);
    expect(error).toMatchObject({ status: 409, problem: { type: '/problems/job-not-failed' } });
  });
});
