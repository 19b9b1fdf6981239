import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobIntakeClient } from '../../src/client/index.js';
import { startWorker } from '../helpers/harness.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { runCli } from '../helpers/run-cli.js';

const redis = useRedisServer();
let service: LiveService;
let env: Record<string, string>;
let client: JobIntakeClient;

beforeAll(async () => {
  // No worker of its own: each test starts one while it needs jobs to run.
  service = await startLiveService(redis.url, { worker: false, env: { JOB_ATTEMPTS: '1' } });
  env = { JOB_INTAKE_URL: service.url };
  client = new JobIntakeClient({ baseUrl: service.url });
});
afterAll(() => service?.close());

/** Runs the submissions to their end with a worker, then stops it. */
async function runToEnd(...keys: string[]) {
  const worker = await startWorker(service.config);
  try {
    for (const key of keys) await client.wait(key, { timeoutMs: 10_000 });
  } finally {
    await worker.close();
  }
}

describe('job-intake retry', () => {
  it('puts a failed job back in line, prints its queued receipt, says how to follow it, and exits 0', async () => {
    await client.submit('sleep', { ms: 1, failAttempts: 1 }, { idempotencyKey: 'failed-job' });
    await runToEnd('failed-job');
    const run = await runCli(['retry', 'failed-job'], { env });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^key {7}failed-job\ntype {6}sleep\nstatus {4}queued\nattempts {2}1\n/);
    expect(run.stdout).not.toContain('error');
    expect(run.stderr).toBe('back in line: follow it with: job-intake receipt failed-job --wait\n');
  });

  it('exits 4 for a job that succeeded, with the 409 problem named', async () => {
    await client.submit('sleep', { ms: 1 }, { idempotencyKey: 'done-job' });
    await runToEnd('done-job');
    const run = await runCli(['retry', 'done-job', '--json'], { env });

    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { status: 409, problem: { type: '/problems/job-not-failed' } } });
    expect(run.stderr).toMatch(/^job-intake: refused by the service \(409 Job not failed\): The job with key "done-job" succeeded/);
  });
});
