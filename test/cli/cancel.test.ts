import { beforeEach, describe, expect, it } from 'vitest';
import { JobIntakeClient } from '../../src/client/index.js';
import { startFlakyProxy } from '../helpers/flaky-proxy.js';
import { startWorker } from '../helpers/harness.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { runCli } from '../helpers/run-cli.js';

const redis = useRedisServer();
let service: LiveService;
let env: Record<string, string>;
let client: JobIntakeClient;

beforeEach(async () => {
  // No worker: a submitted job stays queued until the test cancels it.
  service = await startLiveService(redis.url, { worker: false });
  env = { JOB_INTAKE_URL: service.url };
  client = new JobIntakeClient({ baseUrl: service.url });
  return () => service.close();
});

describe('job-intake cancel', () => {
  it('cancels a queued job, prints its canceled receipt and exits 0', async () => {
    await client.submit('sleep', { ms: 1 }, { idempotencyKey: 'to-cancel' });
    const run = await runCli(['cancel', 'to-cancel'], { env });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^key {7}to-cancel\ntype {6}sleep\nstatus {4}canceled\n/);
    expect(run.stderr).toBe('');
    expect((await client.receipt('to-cancel')).status).toBe('canceled');
  });

  it('gives the canceled receipt as JSON with --json, and exits 1 when the receipt is read later', async () => {
    await client.submit('sleep', { ms: 1 }, { idempotencyKey: 'json-cancel' });
    const canceled = await runCli(['cancel', 'json-cancel', '--json'], { env });
    const later = await runCli(['receipt', 'json-cancel'], { env });

    expect(canceled.code).toBe(0);
    expect(JSON.parse(canceled.stdout)).toMatchObject({ key: 'json-cancel', status: 'canceled' });
    expect(later.code).toBe(1);
  });

  it('signals a running job, says how to follow it, and the job then ends canceled', async () => {
    const worker = await startWorker(service.config);
    try {
      await client.submit('sleep', { ms: 20_000 }, { idempotencyKey: 'running-job' });
      await expect.poll(async () => (await client.receipt('running-job')).status).toBe('running');
      const run = await runCli(['cancel', 'running-job'], { env });

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^key {7}running-job\ntype {6}sleep\nstatus {4}(running|canceled)\n/);
      if (run.stdout.includes('status    running')) {
        expect(run.stderr).toBe(
          'cancel requested: the job ends canceled once its handler stops; follow it with: job-intake receipt running-job --wait\n',
        );
      }
      const followed = await runCli(['receipt', 'running-job', '--wait', '--timeout', '10'], { env });
      expect(followed.code).toBe(1);
      expect(followed.stdout).toContain('status    canceled\n');
    } finally {
      await worker.close();
    }
  });

  it('exits 4 for a key never used, with the 404 problem as JSON', async () => {
    const run = await runCli(['cancel', 'never-used', '--json'], { env });

    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { name: 'NotFoundError', status: 404, problem: { type: '/problems/not-found' } } });
    expect(run.stderr).toBe('job-intake: refused by the service (404 Not found): No job with key "never-used" for this tenant.\n');
  });

  it('says clearly, with exit 4, when the service in front of it has no cancellation (405)', async () => {
    // A stand-in for an older job-intake or a gateway that does not pass DELETE.
    const problem = { type: 'about:blank', title: 'Method Not Allowed', status: 405, detail: 'DELETE is not allowed here' };
    const proxy = await startFlakyProxy(service.url, [{ answer: 405, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify(problem) }]);
    try {
      const run = await runCli(['cancel', 'any-key', '--url', proxy.url], { env });

      expect(run.code).toBe(4);
      expect(run.stderr).toBe(
        'job-intake: refused by the service (405 Method Not Allowed): DELETE is not allowed here\n' +
          'this service does not support cancellation (DELETE /v1/receipts/{key}) yet\n',
      );
      expect(proxy.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['DELETE /v1/receipts/any-key']);
    } finally {
      await proxy.close();
    }
  });
});
