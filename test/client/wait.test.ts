import { beforeEach, describe, expect, it } from 'vitest';
import { JobFailedError, JobIntakeClient, JobTimeoutError, NotFoundError } from '../../src/client/index.js';
import { startFlakyProxy, type FlakyProxy } from '../helpers/flaky-proxy.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
let service: LiveService;
let client: JobIntakeClient;

beforeEach(async () => {
  service = await startLiveService(redis.url, { env: { JOB_ATTEMPTS: '2' } });
  client = new JobIntakeClient({ baseUrl: service.url });
  return () => service.close();
});

describe('JobIntakeClient.wait and run against the real service and worker', () => {
  it('resolves with the succeeded receipt and its result, reporting progress as it changes', async () => {
    const submission = await client.submit('sleep', { ms: 2500, result: { ok: true } });
    const seen: unknown[] = [];
    const receipt = await client.wait(submission, { onProgress: (progress) => seen.push(progress) });

    expect(receipt).toMatchObject({ key: submission.key, type: 'sleep', status: 'succeeded', progress: 100, result: { ok: true } });
    expect(seen.at(-1)).toBe(100);
    // Read at once (0 or an early step), then about once a second, then 100.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen[0]).toBeLessThan(100);
    const numbers = seen as number[];
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });

  it('long-polls: without onProgress one request waits for the whole job', async () => {
    const proxy: FlakyProxy = await startFlakyProxy(service.url, []);
    try {
      const viaProxy = new JobIntakeClient({ baseUrl: proxy.url });
      const submission = await viaProxy.submit('sleep', { ms: 1200 });
      const receipt = await viaProxy.wait(submission);

      expect(receipt.status).toBe('succeeded');
      expect(proxy.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /v1/jobs', `GET /v1/receipts/${submission.key}?wait=30`]);
    } finally {
      await proxy.close();
    }
  });

  it('run returns the typed checksum result', async () => {
    const result = await client.run('checksum', { sizeBytes: 3 * 1024 * 1024, seed: 'abc', algorithm: 'sha512' });

    expect(result).toEqual({ algorithm: 'sha512', sizeBytes: 3 * 1024 * 1024, digest: expect.stringMatching(/^[0-9a-f]{128}$/) });
    // Same seed, same data: a second job must agree, which a made-up digest would not.
    expect(await client.run('checksum', { sizeBytes: 3 * 1024 * 1024, seed: 'abc', algorithm: 'sha512' })).toEqual(result);
  });

  it('run rejects with JobFailedError carrying the failed receipt once the attempts are spent', async () => {
    const error = await client.run('sleep', { ms: 1, failAttempts: 5 }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).receipt).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { message: 'sleep: failing attempt 2 of the first 5, as asked' },
    });
  });

  it('wait resolves with a failed receipt rather than throwing: the job ended', async () => {
    const submission = await client.submit('sleep', { ms: 1, failAttempts: 5 });
    const receipt = await client.wait(submission, { timeoutMs: 10_000 });

    expect(receipt.status).toBe('failed');
    expect(receipt.error?.message).toContain('failing attempt 2');
  });

  it('throws JobTimeoutError with the last receipt when the job outlasts timeoutMs', async () => {
    const submission = await client.submit('sleep', { ms: 10_000 });
    const started = Date.now();
    const error = await client.wait(submission, { timeoutMs: 1500 }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(JobTimeoutError);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(error).toMatchObject({ key: submission.key, timeoutMs: 1500 });
    // The first long-poll was cut at the deadline, so no receipt was read.
    expect((error as JobTimeoutError).receipt).toBeUndefined();
  });

  it('keeps the last receipt it read on a timeout while watching progress', async () => {
    const submission = await client.submit('sleep', { ms: 10_000 });
    const error = await client.wait(submission, { timeoutMs: 1500, onProgress: () => {} }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(JobTimeoutError);
    expect((error as JobTimeoutError).receipt).toMatchObject({ key: submission.key, status: expect.stringMatching(/^(queued|running)$/) });
  });

  it('throws NotFoundError when waiting on a key that was never used', async () => {
    await expect(client.wait('nobody-used-this', { timeoutMs: 5000 })).rejects.toBeInstanceOf(NotFoundError);
  });
});
