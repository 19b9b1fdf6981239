import { describe, expect, it } from 'vitest';
import { JobFailedError, JobIntakeClient, NotFoundError, RequestRefusedError } from '../../src/client/index.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();


/** Runs `body` against a fresh service (with or without a worker), then closes it. */
async function withService(options: { worker: boolean }, body: (client: JobIntakeClient, service: LiveService) => Promise<void>) {
  const service = await startLiveService(redis.url, { worker: options.worker, env: { JOB_ATTEMPTS: '3' } });
  try {
    await body(new JobIntakeClient({ baseUrl: service.url }), service);
  } finally {
    await service.close();
  }
}

describe('JobIntakeClient.cancel against the real service', () => {
  it('cancels a queued job at once, and says so again when repeated', () =>
    withService({ worker: false }, async (client) => {
      const submission = await client.submit('sleep', { ms: 10 });
      const canceled = await client.cancel(submission);
      const again = await client.cancel(submission.key);

      expect(canceled).toMatchObject({ key: submission.key, status: 'canceled', finishedAt: expect.any(String) });
      expect(again).toEqual(canceled);
      // wait() sees the 200 of an ended job, whatever its status is called.
      expect(await client.wait(submission, { timeoutMs: 5000 })).toMatchObject({ status: 'canceled' });
    }));

  it('stops a running job, and run() rejects with JobFailedError carrying the canceled receipt', () =>
    withService({ worker: true }, async (client) => {
      const running = client.run('sleep', { ms: 20_000 }, { idempotencyKey: 'long-job' }).catch((err: unknown) => err);
      await expect.poll(async () => (await client.receipt('long-job').catch(() => null))?.status).toBe('running');
      const requested = await client.cancel('long-job');
      const error = await running;

      expect(requested).toMatchObject({ key: 'long-job', status: expect.stringMatching(/^(running|canceled)$/) });
      expect(error).toBeInstanceOf(JobFailedError);
      expect((error as JobFailedError).receipt).toMatchObject({ key: 'long-job', status: 'canceled' });
      expect((error as JobFailedError).message).toBe('job long-job ended canceled');
    }));

  it('refuses to cancel a job that already ended: 409 job-ended, not retried', () =>
    withService({ worker: true }, async (client) => {
      const submission = await client.submit('sleep', { ms: 1 });
      await client.wait(submission);
      const error = await client.cancel(submission).catch((err: unknown) => err);

      expect(error).toBeInstanceOf(RequestRefusedError);
      expect(error).toMatchObject({ status: 409, problem: { type: '/problems/job-ended', status: 409 } });
      expect((await client.receipt(submission)).status).toBe('succeeded');
    }));

  it('throws NotFoundError for a key never used', () =>
    withService({ worker: false }, async (client) => {
      await expect(client.cancel('never-used')).rejects.toBeInstanceOf(NotFoundError);
    }));
});
