import { afterEach, describe, expect, it } from 'vitest';
import { JobIntakeClient, ServiceUnavailableError, type RetryNotice } from '../../src/client/index.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';

// The service's own 429 and 503 answers, not a proxy's: the client must read them the same way.
const redis = useRedisServer();
let service: LiveService | undefined;

// Each test starts the service with its own limits.
afterEach(async () => {
  await service?.close();
  service = undefined;
});

describe("JobIntakeClient against the service's backpressure", () => {
  it('waits out a queue-full 503 for its Retry-After, then creates the job once under the same key', async () => {
    service = await startLiveService(redis.url, { worker: false, env: { MAX_QUEUE_DEPTH: '1' } });
    const inspector = service.inspector;
    const client = new JobIntakeClient({ baseUrl: service.url });
    const first = await client.submit('sleep', { ms: 1 });

    const notices: RetryNotice[] = [];
    const retried = new JobIntakeClient({
      baseUrl: service.url,
      onRetry: (notice) => {
        notices.push(notice);
        // Make room while the client waits: as if a worker had taken the first job.
        void inspector.queue.remove(first.id);
      },
    });
    const second = await retried.submit('sleep', { ms: 2 }, { idempotencyKey: 'after-the-queue-drains' });

    expect(notices).toEqual([expect.objectContaining({ attempt: 1, status: 503, reason: '503 Queue full' })]);
    expect(notices[0]!.delayMs).toBeGreaterThanOrEqual(5000); // the service's Retry-After: 5
    expect(second).toMatchObject({ key: 'after-the-queue-drains', replayed: false });
    expect(await inspector.jobCount()).toBe(1);
  }, 20_000);

  it('gives up at once on a 429 whose Retry-After is past its budget, and says why', async () => {
    service = await startLiveService(redis.url, { worker: false, env: { RATE_LIMIT_PER_MINUTE: '1' } });
    const client = new JobIntakeClient({ baseUrl: service.url, retry: { budgetMs: 10_000 } });
    await client.submit('sleep', { ms: 1 });
    const started = Date.now();
    const error = await client.submit('sleep', { ms: 1 }, { idempotencyKey: 'limited' }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).details).toMatchObject({
      attempts: 1,
      key: 'limited',
      problem: { status: 429, type: '/problems/rate-limited' },
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await service.inspector.jobCount()).toBe(1);
  });
});
