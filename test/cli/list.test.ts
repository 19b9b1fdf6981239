import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobIntakeClient } from '../../src/client/index.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { runCli } from '../helpers/run-cli.js';

const redis = useRedisServer();
let service: LiveService;
let env: Record<string, string>;

beforeAll(async () => {
  service = await startLiveService(redis.url, { env: { JOB_ATTEMPTS: '1' } });
  env = { JOB_INTAKE_URL: service.url };
  const client = new JobIntakeClient({ baseUrl: service.url });
  for (const key of ['first', 'second', 'third']) await client.wait(await client.submit('sleep', { ms: 0 }, { idempotencyKey: key }));
  await client.wait(await client.submit('sleep', { ms: 0, failAttempts: 1 }, { idempotencyKey: 'broken' }));
});
afterAll(() => service?.close());

describe('job-intake list', () => {
  it('prints the failed jobs as a table and exits 0', async () => {
    const run = await runCli(['list', '--status', 'failed'], { env });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^KEY {5}TYPE {3}STATUS {2}ATTEMPTS {2}CREATED\nbroken {2}sleep {2}failed {2}1 {9}\d{4}-\d\d-\d\dT\S+Z\n$/);
    expect(run.stderr).toBe('');
  });

  it('prints one page and the command for the next, or every page with --all', async () => {
    const one = await runCli(['list', '--limit', '2'], { env });
    const all = await runCli(['list', '--limit', '2', '--all', '--json'], { env });

    expect(one.code).toBe(0);
    expect(one.stdout.trim().split('\n')).toHaveLength(3); // the header and two jobs
    expect(one.stderr).toMatch(/^more jobs may follow: job-intake list --limit 2 --cursor \S+\n$/);
    const next = await runCli(['list', '--limit', '2', '--cursor', one.stderr.trim().split(' ').at(-1)!], { env });
    expect(next.stdout.trim().split('\n')).toHaveLength(3);
    expect(JSON.parse(all.stdout).items.map((job: { key: string }) => job.key).sort()).toEqual(['broken', 'first', 'second', 'third']);
    expect(JSON.parse(all.stdout)).not.toHaveProperty('nextCursor');
  });

  it('exits 4 naming the parameter when the service refuses a filter', async () => {
    const run = await runCli(['list', '--status', 'done'], { env });

    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^job-intake: refused by the service \(400 Request validation failed\): .*\n {2}querystring \/status: /);
  });
});
