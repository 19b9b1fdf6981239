import { beforeEach, describe, expect, it } from 'vitest';
import { JobIntakeClient } from '../../src/client/index.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { runCli } from '../helpers/run-cli.js';

const redis = useRedisServer();
let service: LiveService;
let env: Record<string, string>;
let client: JobIntakeClient;

beforeEach(async () => {
  service = await startLiveService(redis.url, { env: { JOB_ATTEMPTS: '1' } });
  env = { JOB_INTAKE_URL: service.url };
  client = new JobIntakeClient({ baseUrl: service.url });
  return () => service.close();
});

describe('job-intake receipt', () => {
  it('prints the current receipt of a running job and exits 0', async () => {
    await client.submit('sleep', { ms: 5000 }, { idempotencyKey: 'long-one' });
    await expect.poll(async () => (await client.receipt('long-one')).status).toBe('running');
    const run = await runCli(['receipt', 'long-one'], { env });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^key {7}long-one\ntype {6}sleep\nstatus {4}running\nattempts {2}1\nprogress {2}\d+\ncreated {3}\S+\nstarted {3}\S+\n$/);
  });

  it('follows a job with --wait and prints its final receipt as JSON', async () => {
    const submission = await client.submit('sleep', { ms: 400, result: [1, 2] });
    const run = await runCli(['receipt', submission.key, '--wait', '--json'], { env });

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ key: submission.key, status: 'succeeded', progress: 100, result: [1, 2] });
    expect(run.stderr).toBe('');
  });

  it('exits 1 for a job that ended failed', async () => {
    const submission = await client.submit('sleep', { ms: 1, failAttempts: 1 });
    await client.wait(submission);
    const run = await runCli(['receipt', submission.key], { env });

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('status    failed\n');
    expect(run.stdout).toContain('error     sleep: failing attempt 1 of the first 1, as asked\n');
  });

  it('exits 4 with the 404 problem for a key never used', async () => {
    const run = await runCli(['receipt', 'never-used'], { env });

    expect(run.code).toBe(4);
    expect(run.stderr).toBe('job-intake: refused by the service (404 Not found): No job with key "never-used" for this tenant.\n');
  });
});
